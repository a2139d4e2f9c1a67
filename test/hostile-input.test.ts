// End to end through the built CLI: hostile .lazy files and hostile registries (issue 11).
// Huge and deeply nested input ends in one located error (exit 2), never a stack
// overflow (exit 70) or a run that does not finish; text from a registry or a file
// reaches the terminal with its control characters shown escaped, while -o json keeps
// the exact strings.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli, type CliResult } from './support/cli.js';

const registry = inject('registries').http;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-hostile-'));
  await writeFile(path.join(dir, 'f.txt'), 'hello\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A .lazy with one artifact; `tag` is written as given (quote it), `extra` goes under the artifact. */
function lazyText(opts: { tag?: string; extra?: string } = {}): string {
  return [
    'version: 1',
    'artifacts:',
    '  - type: artifact',
    '    name: a',
    '    files:',
    '      - path: f.txt',
    '    targets:',
    `      - registry: "${registry.host}/hostile/input"`,
    `        tags: [${opts.tag ?? 'latest'}]`,
    ...(opts.extra === undefined ? [] : [opts.extra]),
    '',
  ].join('\n');
}

async function writeLazy(name: string, text: string): Promise<string> {
  await writeFile(path.join(dir, name), text);
  return name;
}

function validate(file: string, args: string[] = []): Promise<CliResult> {
  return runCli(['validate', '-f', file, '-t', '1.0.0', ...args], { cwd: dir });
}

/** Exit 2 and a single `FILE:LINE:COL: …` line; no stack trace. */
function expectLocatedError(r: CliResult, file: string): string {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).not.toMatch(/internal error|Maximum call stack|\n\s+at /);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^${file.replace('.', '\\.')}:\\d+:\\d+: `));
  return lines[0]!;
}

/** Bytes a terminal acts on: C0 controls except the newline between lines, DEL, C1, bidi overrides. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

describe('a large .lazy loads in linear time', () => {
  // A generous bound, not a benchmark: loading was quadratic (yaml's duplicate-key check
  // and the path lookup for each located value scanned whole mappings) and 40,000
  // annotations took about 89 s; linear loading takes about 1.5 s on the test machine.
  it('validates 40,000 annotations in under 20 s', async () => {
    const annotations = Array.from({ length: 40_000 }, (_, i) => `      org.example.k${i}: "v${i}"`);
    const file = await writeLazy('many.lazy', lazyText({ extra: ['    annotations:', ...annotations].join('\n') }));
    const started = performance.now();
    const r = await validate(file);
    const seconds = (performance.now() - started) / 1000;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('many.lazy: valid, 1 artifact');
    expect(seconds).toBeLessThan(20);
  }, 60_000);

  it('refuses a file over 4 MiB with a located message, before parsing it', async () => {
    const padding = `# ${'x'.repeat(1022)}\n`.repeat(4 * 1024 + 1);
    const file = await writeLazy('huge.lazy', lazyText() + padding);
    const line = expectLocatedError(await validate(file), file);
    expect(line).toBe('huge.lazy:1:1: the file is larger than 4 MiB, the most a .lazy file may hold');
  });
});

describe('deeply nested input is a located error, not a stack overflow', () => {
  const depth = 10_000;

  it.each([
    ['flow sequences', `${'['.repeat(depth)}${']'.repeat(depth)}`],
    ['flow mappings', `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`],
  ])('%s 10,000 deep in the .lazy', async (_, value) => {
    const file = await writeLazy('deep.lazy', lazyText({ extra: `    annotations: {x: ${value}}` }));
    const line = expectLocatedError(await validate(file), file);
    expect(line).toMatch(/^deep\.lazy:10:\d+: lists and mappings nest deeper than 100 levels/);
  });

  it('block sequences 1,000 deep in the .lazy', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `${' '.repeat(8 + 2 * i)}-`);
    const file = await writeLazy('deep-block.lazy', lazyText({ extra: ['    annotations:', '      x:', ...rows].join('\n') }));
    const line = expectLocatedError(await validate(file), file);
    expect(line).toMatch(/^deep-block\.lazy:\d+:\d+: lists and mappings nest deeper than 100 levels/);
  });

  it.each([
    ['{{ }}', '{{ if .Tag }}', '{{ end }}'],
    ['<< >>', '<< if .Tag >>', '<< end >>'],
  ])('3,000 nested ifs written with %s', async (_, open, close) => {
    const tag = JSON.stringify(`${open.repeat(3000)}x${close.repeat(3000)}`);
    const file = await writeLazy('deep-if.lazy', lazyText({ tag }));
    const line = expectLocatedError(await validate(file), file);
    expect(line).toBe(`deep-if.lazy:9:16: artifacts[0].targets[0].tags[0]: "${open}" nests if blocks deeper than 100 levels`);
  });

  it('100 nested ifs still render', async () => {
    const tag = JSON.stringify(`${'{{ if .Tag }}'.repeat(100)}ok${'{{ end }}'.repeat(100)}`);
    const r = await validate(await writeLazy('if-100.lazy', lazyText({ tag })));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${registry.host}/hostile/input:ok`);
  });
});

describe('control characters from a .lazy are escaped in error messages', () => {
  it('shows CR, NUL and ESC in a config error as visible escapes', async () => {
    // YAML double quotes turn \r, \0 and \e into the raw characters.
    const file = await writeLazy('ctl.lazy', lazyText({ tag: '"v1\\r\\0\\e[2Jx"' }));
    const line = expectLocatedError(await validate(file), file);
    expect(line).not.toMatch(RAW_CONTROL);
    expect(line).toContain('"v1\\r\\x00\\x1b[2Jx" is not a valid OCI tag');
  });

  it('-o json keeps the exact value in the problem', async () => {
    const file = await writeLazy('ctl-json.lazy', lazyText({ tag: '"v1\\r\\0x"' }));
    const r = await validate(file, ['-o', 'json']);
    expect(r.code).toBe(2);
    const { error } = JSON.parse(r.stdout) as { error: { problems: { message: string }[] } };
    expect(error.problems[0]!.message).toContain('"v1\r\u0000x" is not a valid OCI tag');
  });
});

// A test-only hostile registry: it speaks just enough of the distribution API for
// `browse` and answers with names and messages full of terminal control sequences,
// which a real registry would not store (tags and repository names are validated there).
const HOSTILE_TAGS = ['\u001b]0;pwned\u0007', 'a\nb', 'c\r\u0000d', 'plain'];
const HOSTILE_REPOS = ['evil\u001b[2J', 'line\nbreak'];
const HOSTILE_ERROR = '\u001b[2J\u001b]0;pwned\u0007denied\r\nerror: fake second line\u0000';
const HOSTILE_MANIFEST = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: 'application/x-evil\u001b[31m',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${'4'.repeat(64)}`, size: 2 },
    layers: [
      {
        mediaType: 'text/plain',
        digest: `sha256:${'5'.repeat(64)}`,
        size: 5,
        annotations: { 'org.opencontainers.image.title': 'readme\u202etxt.exe' },
      },
    ],
    annotations: { 'org.example.note': 'hello\u001b]0;pwned\u0007\nfake: line', 'key\rwith\u009bcr': 'v' },
  }),
);

function startHostileRegistry(): Promise<{ host: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
    };
    if (url.pathname === '/v2/') return json(200, {});
    if (url.pathname === '/v2/_catalog') return json(200, { repositories: HOSTILE_REPOS });
    if (url.pathname === '/v2/evil/tags/list') return json(200, { name: 'evil', tags: HOSTILE_TAGS });
    if (url.pathname === '/v2/evil/manifests/latest') {
      const digest = `sha256:${createHash('sha256').update(HOSTILE_MANIFEST).digest('hex')}`;
      res.writeHead(200, {
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
        'docker-content-digest': digest,
        'content-length': String(HOSTILE_MANIFEST.length),
      });
      res.end(req.method === 'HEAD' ? undefined : HOSTILE_MANIFEST);
      return;
    }
    return json(403, { errors: [{ code: 'DENIED', message: HOSTILE_ERROR }] });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ host: `127.0.0.1:${(server.address() as AddressInfo).port}`, server }));
  });
}

describe('text from a hostile registry is escaped on the terminal', () => {
  let hostile: { host: string; server: Server };
  beforeAll(async () => {
    hostile = await startHostileRegistry();
  });
  afterAll(async () => {
    await new Promise((resolve) => hostile.server.close(resolve));
  });

  it('browse tags: one line per tag, control characters escaped; -o json exact', async () => {
    const text = await runCli(['browse', 'tags', `${hostile.host}/evil`]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).not.toMatch(RAW_CONTROL);
    expect(text.stdout.split('\n')).toEqual(['\\x1b]0;pwned\\x07', 'a\\nb', 'c\\r\\x00d', 'plain', '']);

    const json = await runCli(['-o', 'json', 'browse', 'tags', `${hostile.host}/evil`]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(HOSTILE_TAGS);
  });

  it('browse repos: escaped in text, exact in json', async () => {
    const text = await runCli(['browse', 'repos', hostile.host]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n')).toEqual(['evil\\x1b[2J', 'line\\nbreak', '']);
    const json = await runCli(['-o', 'json', 'browse', 'repos', hostile.host]);
    expect(JSON.parse(json.stdout)).toEqual(HOSTILE_REPOS);
  });

  it("a registry's error message stays on its one escaped line; -o json keeps it exact", async () => {
    const text = await runCli(['browse', 'tags', `${hostile.host}/denied`]);
    expect(text.code).toBe(1);
    expect(text.stderr).not.toMatch(RAW_CONTROL);
    const lines = text.stderr.trimEnd().split('\n');
    // The error line and lazyoci's own hint; the registry's "second line" is not one.
    expect(lines.map((l) => l.split(':')[0])).toEqual(['error', 'hint']);
    expect(lines[0]).toContain('\\x1b[2J\\x1b]0;pwned\\x07denied\\r\\nerror: fake second line\\x00');

    const json = await runCli(['-o', 'json', 'browse', 'tags', `${hostile.host}/denied`]);
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as { error: { message: string } }).error.message).toContain(HOSTILE_ERROR);
  });

  it('browse manifest: artifact type, annotations and titles escaped in text, exact in json', async () => {
    const text = await runCli(['browse', 'manifest', `${hostile.host}/evil:latest`]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).not.toMatch(RAW_CONTROL);
    expect(text.stdout).toContain('application/x-evil\\x1b[31m');
    expect(text.stdout).toContain('readme\\u202etxt.exe');
    expect(text.stdout).toMatch(/org\.example\.note\s+hello\\x1b\]0;pwned\\x07\\nfake: line\n/);
    expect(text.stdout).toContain('key\\rwith\\x9bcr');

    const json = await runCli(['-o', 'json', 'browse', 'manifest', `${hostile.host}/evil:latest`]);
    const doc = JSON.parse(json.stdout) as { artifactType: string; annotations: Record<string, string> };
    expect(doc.artifactType).toBe('application/x-evil\u001b[31m');
    expect(doc.annotations['org.example.note']).toBe('hello\u001b]0;pwned\u0007\nfake: line');
  });
});

describe('an annotation pushed to the real registry', () => {
  it('is escaped by browse manifest and exact in -o json', async () => {
    const repo = `hostile/annotation-${Math.random().toString(36).slice(2, 8)}`;
    const file = await writeLazy(
      'annotated.lazy',
      lazyText({ extra: '    annotations: {org.example.note: "title\\e]0;pwned\\a\\e[2J\\r\\nfake line"}' }).replace(
        '/hostile/input',
        `/${repo}`,
      ),
    );
    const built = await runCli(['build', '-f', file, '-t', '1.0.0'], { cwd: dir });
    expect(built.code, built.stderr).toBe(0);

    const text = await runCli(['browse', 'manifest', `${registry.host}/${repo}:latest`]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).not.toMatch(RAW_CONTROL);
    expect(text.stdout).toMatch(/org\.example\.note\s+title\\x1b\]0;pwned\\x07\\x1b\[2J\\r\\nfake line\n/);

    const json = await runCli(['-o', 'json', 'browse', 'manifest', `${registry.host}/${repo}:latest`]);
    const doc = JSON.parse(json.stdout) as { annotations: Record<string, string> };
    expect(doc.annotations['org.example.note']).toBe('title\u001b]0;pwned\u0007\u001b[2J\r\nfake line');
  });
});
