// Property-based bad input at scale (spec §2, §5; issue 5): generated and mutated .lazy
// documents, references and templates. Every input ends in a value or a typed
// LazyOciError with a usable location — never another exception, never a stack trace.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { inspectLazyFile, loadLazyFile } from '../src/config/index.js';
import { ConfigError, LazyOciError, type ConfigProblem } from '../src/errors/index.js';
import { parseReference, parseRepository } from '../src/ref/reference.js';
import { parseTemplate, renderTemplate, type TemplateVariables } from '../src/template/index.js';
import { REPO_ROOT } from './support/cli.js';

// Fixed so a failure reproduces; fast-check prints the seed and path of any counterexample.
const SEED = 20_251_105;
const RUNS = { loaderMutated: 300, loaderText: 250, refArbitrary: 1_500, refMutated: 1_500, templates: 3_000 };
const tried = { loader: 0, references: 0, templates: 0 };

const EXAMPLES = ['artifact', 'helm-chart', 'image', 'multi'];

function checkProblem(p: ConfigProblem): void {
  expect(typeof p.file === 'string' && p.file.length > 0, `problem without a file: ${JSON.stringify(p)}`).toBe(true);
  expect(Number.isInteger(p.line) && p.line >= 1, `bad line in ${JSON.stringify(p)}`).toBe(true);
  expect(Number.isInteger(p.col) && p.col >= 1, `bad column in ${JSON.stringify(p)}`).toBe(true);
  expect(p.message.trim().length, `empty message in ${JSON.stringify(p)}`).toBeGreaterThan(0);
  expect(p.message).not.toContain('    at ');
}

/** The one allowed way to fail: a typed error, located when it is about the file. */
function checkFailure(err: unknown): void {
  if (!(err instanceof LazyOciError)) throw new Error(`untyped failure: ${err instanceof Error ? err.stack : String(err)}`);
  expect(err.message.trim().length).toBeGreaterThan(0);
  expect(err.message).not.toContain('    at ');
  if (err instanceof ConfigError) {
    expect(err.problems.length).toBeGreaterThan(0);
    err.problems.forEach(checkProblem);
  }
}

function outcome<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch (err) {
    checkFailure(err);
    return undefined;
  }
}

// ---- mutations of a parsed YAML value -------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every map and list in a value, so a mutation can pick one by index. */
function containers(value: Json, acc: Json[] = []): Json[] {
  if (value !== null && typeof value === 'object') {
    acc.push(value);
    for (const v of Array.isArray(value) ? value : Object.values(value)) containers(v, acc);
  }
  return acc;
}

const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.constantFrom('', '~', 'null', 'yes', 'no', '0x1F', '1e309', '-.inf', '.nan', '{{ .Version }}', '../../etc/passwd', '/abs/path', '*alias', '&anchor x', '!!binary aGk='),
);
const randomValue: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar as fc.Arbitrary<Json>, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 12 }), tie('v'), { maxKeys: 4 })),
})).v;
const fieldName = fc.constantFrom(
  'version', 'artifacts', 'type', 'name', 'mediaType', 'annotations', 'files', 'path', 'targets', 'registry', 'tags',
  'chartPath', 'dockerfile', 'context', 'platforms', 'buildArgs', 'builder', 'image', 'archive', 'x-extra', '',
);

type Mutation = { op: 'delete' | 'duplicate' | 'retype' | 'insert'; at: number; key: string; value: Json; pick: number };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('delete', 'duplicate', 'retype', 'insert'),
  at: fc.nat(),
  key: fieldName,
  value: randomValue,
  pick: fc.nat(),
});

function mutate(root: Json, m: Mutation): Json {
  const all = containers(root);
  if (all.length === 0) return m.value;
  const target = all[m.at % all.length]!;
  if (Array.isArray(target)) {
    const i = target.length === 0 ? 0 : m.pick % target.length;
    if (m.op === 'delete') target.splice(i, 1);
    else if (m.op === 'duplicate' && target.length > 0) target.push(structuredClone(target[i]!));
    else if (m.op === 'retype') target[i] = m.value;
    else target.splice(i, 0, m.value);
    return root;
  }
  const obj = target as Record<string, Json>;
  const keys = Object.keys(obj);
  const key = keys.length === 0 ? m.key : keys[m.pick % keys.length]!;
  if (m.op === 'delete') delete obj[key];
  else if (m.op === 'duplicate') obj[m.key] = structuredClone(obj[key] ?? m.value);
  else if (m.op === 'retype') obj[key] = m.value;
  else obj[m.key] = m.value;
  return root;
}

// ---- mutations of the text ------------------------------------------------------------

type TextEdit =
  | { kind: 'bytes'; at: number; bytes: Uint8Array }
  | { kind: 'indent'; line: number; by: number }
  | { kind: 'duplicate-line'; line: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'nest'; depth: number; flow: boolean }
  | { kind: 'huge'; size: number; at: number }
  | { kind: 'insert'; at: number; text: string };

const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('indent' as const), line: fc.nat(), by: fc.integer({ min: -6, max: 6 }) }),
  fc.record({ kind: fc.constant('duplicate-line' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('nest' as const), depth: fc.integer({ min: 50, max: 3_000 }), flow: fc.boolean() }),
  fc.record({ kind: fc.constant('huge' as const), size: fc.integer({ min: 10_000, max: 200_000 }), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(fc.string(), fc.constantFrom(':', '- ', '? ', '&a ', '*a', '!!str ', '\t', '\r\n', '"', "'", '{', '[', '---\n', '...\n', '%YAML 1.1\n', '<<: *a\n', '#')),
  }),
);

function applyEdit(text: Buffer, e: TextEdit): Buffer {
  const lines = (): string[] => text.toString('utf8').split('\n');
  switch (e.kind) {
    case 'bytes': {
      const at = e.at % (text.length + 1);
      return Buffer.concat([text.subarray(0, at), Buffer.from(e.bytes), text.subarray(at)]);
    }
    case 'indent': {
      const ls = lines();
      const i = e.line % ls.length;
      ls[i] = e.by >= 0 ? ' '.repeat(e.by) + ls[i] : ls[i]!.slice(Math.min(-e.by, ls[i]!.length - ls[i]!.trimStart().length));
      return Buffer.from(ls.join('\n'));
    }
    case 'duplicate-line': {
      const ls = lines();
      const i = e.line % ls.length;
      ls.splice(i, 0, ls[i]!);
      return Buffer.from(ls.join('\n'));
    }
    case 'truncate':
      return text.subarray(0, e.at % (text.length + 1));
    case 'nest': {
      const body = e.flow
        ? `${'['.repeat(e.depth)}1${']'.repeat(e.depth)}`
        : Array.from({ length: Math.min(e.depth, 400) }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' 1';
      return Buffer.from(`${text.toString('utf8')}\nnested: ${e.flow ? body : `\n${body.replace(/^/gm, '  ')}`}\n`);
    }
    case 'huge': {
      const at = e.at % (text.length + 1);
      return Buffer.concat([text.subarray(0, at), Buffer.from('x'.repeat(e.size)), text.subarray(at)]);
    }
    case 'insert': {
      const at = e.at % (text.length + 1);
      return Buffer.concat([text.subarray(0, at), Buffer.from(e.text), text.subarray(at)]);
    }
  }
}

// ---- the loader --------------------------------------------------------------------------

describe('fuzzing the .lazy loader', () => {
  let dir: string;
  const bases = new Map<string, string>();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-fuzz-'));
    // Each example's own files sit beside the mutated document, so valid paths stay valid.
    for (const name of EXAMPLES) {
      await cp(path.join(REPO_ROOT, 'examples', name), path.join(dir, name), { recursive: true });
      bases.set(name, await readFile(path.join(REPO_ROOT, 'examples', name, '.lazy'), 'utf8'));
    }
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function load(example: string, content: string | Buffer, useInspect: boolean): Promise<void> {
    tried.loader++;
    const file = path.join(dir, example, '.lazy');
    await writeFile(file, content);
    try {
      if (useInspect) (await inspectLazyFile(file, { cwd: dir })).problems.forEach(checkProblem);
      else await loadLazyFile(file, { cwd: dir });
    } catch (err) {
      checkFailure(err);
    }
  }

  it('the examples load as they are (the mutations start from valid documents)', async () => {
    for (const name of EXAMPLES) {
      const { problems } = await inspectLazyFile(path.join(dir, name, '.lazy'), { cwd: dir });
      expect(problems, name).toEqual([]);
    }
  });

  it('mutated documents: deleted, duplicated, retyped and inserted fields', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...EXAMPLES), fc.array(mutation, { minLength: 1, maxLength: 5 }), fc.boolean(), async (example, ms, useInspect) => {
        let doc = YAML.parse(bases.get(example)!) as Json;
        for (const m of ms) doc = mutate(doc, m);
        await load(example, YAML.stringify(doc), useInspect);
      }),
      { seed: SEED, numRuns: RUNS.loaderMutated },
    );
  }, 120_000);

  it('broken text: random bytes, bad indentation, duplicated lines, truncation, deep nesting, huge strings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...EXAMPLES),
        fc.array(textEdit, { minLength: 1, maxLength: 4 }),
        fc.oneof(fc.constant(undefined), fc.uint8Array({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 200 })),
        fc.boolean(),
        async (example, edits, replacement, useInspect) => {
          let text: Buffer = replacement === undefined ? Buffer.from(bases.get(example)!) : Buffer.from(replacement);
          for (const e of edits) text = applyEdit(text, e);
          await load(example, text, useInspect);
        },
      ),
      { seed: SEED + 1, numRuns: RUNS.loaderText },
    );
  }, 120_000);
});

// ---- references ----------------------------------------------------------------------------

const VALID_REFS = [
  'nginx', 'library/nginx:1.25', 'docker.io/library/nginx:latest', 'ghcr.io/org/app:v1.2.3',
  '127.0.0.1:5000/it/x', 'localhost:5000/a/b/c:tag', `registry.example.com/x@sha256:${'a'.repeat(64)}`,
  `oci://127.0.0.1:5000/charts/hello:0.1.0@sha256:${'0'.repeat(64)}`, '[::1]:5000/x/y:z',
];
const refPiece = fc.constantFrom('/', ':', '@', 'sha256:', '.', '-', '_', '__', '..', '//', 'oci://', 'A', ' ', '\t', '\n', '\u0000', '%2F', '[', ']', 'ü', '🙂', 'x'.repeat(300));
type RefEdit = { at: number; del: number; insert: string };
const refEdit: fc.Arbitrary<RefEdit> = fc.record({ at: fc.nat(), del: fc.nat({ max: 4 }), insert: fc.oneof(refPiece, fc.string({ maxLength: 6 })) });

function checkReference(input: string): void {
  tried.references++;
  const ref = outcome(() => parseReference(input));
  if (ref !== undefined) {
    expect(ref.registry.length).toBeGreaterThan(0);
    expect(ref.repository.length).toBeGreaterThan(0);
  }
  outcome(() => parseReference(input, { defaultTag: 'latest' }));
  outcome(() => parseRepository(input));
}

describe('fuzzing references', () => {
  it('arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 })), (s) =>
        checkReference(s),
      ),
      { seed: SEED + 2, numRuns: RUNS.refArbitrary },
    );
  });

  it('mutated valid references', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID_REFS), fc.array(refEdit, { minLength: 1, maxLength: 4 }), (base, edits) => {
        let s = base;
        for (const e of edits) {
          const at = e.at % (s.length + 1);
          s = s.slice(0, at) + e.insert + s.slice(at + e.del);
        }
        checkReference(s);
      }),
      { seed: SEED + 3, numRuns: RUNS.refMutated },
    );
  });
});

// ---- templates -------------------------------------------------------------------------------

const VARS: TemplateVariables = {
  values: { Version: '1.2.3', VersionMajor: '1', VersionMinor: '2', VersionPatch: '3', VersionPrerelease: '', Tag: 'v1.2.3', Registry: '127.0.0.1:5000' },
  missing: { GitSHA: 'not a git repository', ChartVersion: 'no helm chart' },
};
const templatePiece = fc.constantFrom(
  '{{', '}}', '{{ .Version }}', '{{.GitSHA}}', '{{ .Nope }}', '{{ if .Version }}', '{{ else }}', '{{ end }}', '{{-', '-}}',
  '<<', '>>', '<< .Version >>', '{{{', '}}}', '{{!', '{{#each}}', '{{> partial}}', '{{ printf "%s" .Tag }}', '{{ .Version | upper }}',
  '{{/* c */}}', '"', '\\', '.', ' ', '\n', 'text', '{{ constructor }}', '{{ __proto__ }}', '{{ lookup . "x" }}',
);

describe('fuzzing templates', () => {
  it('arbitrary strings mixing {{ }} and << >>', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(templatePiece, fc.string({ maxLength: 8 })), { maxLength: 12 }), (parts) => {
        tried.templates++;
        const source = parts.join('');
        outcome(() => parseTemplate(source));
        const rendered = outcome(() => renderTemplate(source, VARS));
        if (rendered !== undefined) expect(typeof rendered).toBe('string');
      }),
      { seed: SEED + 4, numRuns: RUNS.templates },
    );
  });
});

describe('fuzz totals', () => {
  it('tried at least 5,000 inputs', () => {
    const total = tried.loader + tried.references + tried.templates;
    console.log(`fuzz: ${total} inputs (loader ${tried.loader}, references ${tried.references}, templates ${tried.templates}), no crash`);
    expect(total).toBeGreaterThanOrEqual(5_000);
  });
});
