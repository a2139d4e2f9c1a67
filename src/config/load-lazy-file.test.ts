import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../errors/index.js';
import type { ConfigProblem } from '../errors/index.js';
import { findLazyFile } from './find-lazy-file.js';
import { loadLazyFile } from './load-lazy-file.js';
import { readSchema, schemaPath } from './validate-schema.js';

let root: string; // holds `project/` (the .lazy directory) and files outside it
let dir: string;

beforeEach(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'lazyoci-config-')));
  dir = path.join(root, 'project');
  await fs.mkdir(dir);
});

afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;

async function write(rel: string, content: string, base = dir): Promise<string> {
  const p = path.join(base, rel);
  await fs.mkdir(path.dirname(p), { recursive: true });
  await fs.writeFile(p, content);
  return p;
}

async function problemsOf(text: string): Promise<ConfigProblem[]> {
  await write('.lazy', text);
  const err = await loadLazyFile(path.join(dir, '.lazy'), { cwd: dir }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).problems;
}

async function onlyProblem(text: string): Promise<string> {
  const problems = await problemsOf(text);
  expect(problems).toHaveLength(1);
  const [p] = problems;
  return `${p!.file}:${p!.line}:${p!.col}: ${p!.message}`;
}

const target = ['    targets:', '      - registry: localhost:5000/x', '        tags: [latest]'];

describe('loadLazyFile: invalid files', () => {
  it('reports YAML syntax errors with their position', async () => {
    const msg = await onlyProblem(yaml('version: 1', 'artifacts:', '  - type: artifact', '    name: a: b'));
    expect(msg).toMatch(/^\.lazy:4:11: invalid YAML: /);
  });

  it('reports duplicate mapping keys by name', async () => {
    expect(await onlyProblem(yaml('version: 1', 'artifacts: []', 'version: 1'))).toBe(
      '.lazy:3:1: duplicate key "version"',
    );
  });

  it('reports every repeated key at the repeat, also in a large mapping and across 1 and "1"', async () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `      k${i}: v`);
    const problems = await problemsOf(
      yaml('version: 1', 'artifacts:', '  - type: docker', '    image: x', '    annotations:', ...keys, '      k7: again', '      1: a', '      "1": b', ...target),
    );
    expect(problems.map((p) => `${p.line}:${p.col}: ${p.message}`)).toEqual([
      '2006:7: duplicate key "k7"',
      '2008:7: duplicate key "1"',
    ]);
  });

  it('refuses lists and mappings nested deeper than 100 levels (the top mapping is one), at the first one too deep', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    expect(await onlyProblem(yaml('version: 1', `artifacts: ${deep}`))).toBe(
      '.lazy:2:111: lists and mappings nest deeper than 100 levels here; a .lazy file needs only a few',
    );
    const fine = `${'['.repeat(99)}${']'.repeat(99)}`;
    const problems = await problemsOf(yaml('version: 1', `artifacts: ${fine}`));
    expect(problems.length).toBeGreaterThan(0); // the schema's say about a list of lists
    expect(problems.filter((p) => p.message.includes('nest deeper'))).toEqual([]);
  });

  it('refuses a file larger than the limit at 1:1', async () => {
    await write('.lazy', yaml('version: 1', 'artifacts: []', `# ${'x'.repeat(100)}`));
    const err = await loadLazyFile(path.join(dir, '.lazy'), { cwd: dir, maxBytes: 64 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe('.lazy:1:1: the file is larger than 64 bytes, the most a .lazy file may hold');
  });

  it('rejects several YAML documents in one file', async () => {
    expect(await onlyProblem(yaml('version: 1', 'artifacts: []', '---', 'version: 1'))).toMatch(
      /^\.lazy:3:1: the file holds several YAML documents/,
    );
  });

  it('explains an unquoted template', async () => {
    const msg = await onlyProblem(
      yaml('version: 1', 'artifacts:', '  - type: docker', '    image: x', '    targets:', '      - registry: r/x', '        tags: [{{ .Tag }}]'),
    );
    expect(msg).toMatch(/^\.lazy:7:16: template \{\{ \.Tag \}\} must be quoted/);
  });

  it('rejects a wrong version', async () => {
    expect(await onlyProblem(yaml('version: 2', 'artifacts:', '  - type: docker', '    image: x', ...target))).toBe(
      '.lazy:1:10: version: must be 1 (got 2)',
    );
  });

  it('rejects an unknown artifact type', async () => {
    expect(await onlyProblem(yaml('version: 1', 'artifacts:', '  - type: helmchart', ...target))).toBe(
      '.lazy:3:11: artifacts[0].type: "helmchart" is not one of image, helm, artifact, docker',
    );
  });

  it('rejects an artifact with no targets', async () => {
    expect(await onlyProblem(yaml('version: 1', 'artifacts:', '  - type: docker', '    image: x', '    targets: []'))).toBe(
      '.lazy:5:14: artifacts[0].targets: must have at least 1 entry',
    );
  });

  it('rejects a target with no tags', async () => {
    expect(
      await onlyProblem(
        yaml('version: 1', 'artifacts:', '  - type: docker', '    image: x', '    targets:', '      - registry: r/x', '        tags: []'),
      ),
    ).toBe('.lazy:7:15: artifacts[0].targets[0].tags: must have at least 1 entry');
  });

  it('says which tag is not a string', async () => {
    expect(
      await onlyProblem(
        yaml('version: 1', 'artifacts:', '  - type: docker', '    image: x', '    targets:', '      - registry: r/x', '        tags: [a, 1.0]'),
      ),
    ).toMatch(/^\.lazy:7:19: artifacts\[0\]\.targets\[0\]\.tags\[1\]: must be a string .*quotes/);
  });

  it('reports a helm artifact without chartPath at the artifact mapping', async () => {
    expect(await onlyProblem(yaml('version: 1', 'artifacts:', '  - type: helm', '    name: chart', ...target))).toBe(
      '.lazy:3:5: artifacts[0]: missing required field "chartPath"',
    );
  });

  it('reports a missing file at its path scalar', async () => {
    expect(
      await onlyProblem(
        yaml('version: 1', 'artifacts:', '  - type: artifact', '    files:', '      - path: config.json', ...target),
      ),
    ).toBe('.lazy:5:15: artifacts[0].files[0].path: file not found: config.json');
  });

  it('rejects a relative path that leaves the project directory', async () => {
    await write('outside.txt', 'x', root);
    expect(
      await onlyProblem(
        yaml('version: 1', 'artifacts:', '  - type: artifact', '    files:', '      - path: ../outside.txt', ...target),
      ),
    ).toBe(`.lazy:5:15: artifacts[0].files[0].path: path "../outside.txt" leaves the project directory ${dir}`);
  });

  it('rejects an absolute path', async () => {
    const abs = await write('outside.txt', 'x', root);
    expect(
      await onlyProblem(yaml('version: 1', 'artifacts:', '  - type: artifact', '    files:', `      - path: ${abs}`, ...target)),
    ).toBe(`.lazy:5:15: artifacts[0].files[0].path: path "${abs}" leaves the project directory ${dir}`);
  });

  it('rejects a symlink whose real path is outside', async () => {
    const outside = await write('secret.txt', 'x', root);
    await fs.symlink(outside, path.join(dir, 'link.txt'));
    expect(
      await onlyProblem(yaml('version: 1', 'artifacts:', '  - type: artifact', '    files:', '      - path: link.txt', ...target)),
    ).toBe(
      `.lazy:5:15: artifacts[0].files[0].path: path "link.txt" leaves the project directory ${dir} (it resolves to ${outside})`,
    );
  });

  it('rejects a directory where a file is expected and a chart without Chart.yaml', async () => {
    await fs.mkdir(path.join(dir, 'sub'));
    const problems = await problemsOf(
      yaml(
        'version: 1',
        'artifacts:',
        '  - type: artifact',
        '    files:',
        '      - path: sub',
        ...target,
        '  - type: helm',
        '    chartPath: sub',
        ...target,
      ),
    );
    expect(problems.map((p) => `${p.line}:${p.col}: ${p.message}`)).toEqual([
      '5:15: artifacts[0].files[0].path: sub is not a regular file',
      '10:16: artifacts[1].chartPath: no Chart.yaml in chart directory sub',
    ]);
  });

  it('reports a missing default Dockerfile at the image artifact', async () => {
    expect(await onlyProblem(yaml('version: 1', 'artifacts:', '  - type: image', ...target))).toBe(
      '.lazy:3:5: artifacts[0].dockerfile: file not found: Dockerfile',
    );
  });

  it('reports an unknown field at its key, with a suggestion', async () => {
    await write('chart/Chart.yaml', 'name: c\n');
    expect(
      await onlyProblem(yaml('version: 1', 'artifacts:', '  - type: helm', '    chartPath: chart', '    chartpth: chart', ...target)),
    ).toBe('.lazy:5:5: artifacts[0]: unknown field "chartpth" for type helm (did you mean "chartPath"?)');
  });

  it('names the type when a field belongs to another type', async () => {
    await write('a.txt', 'a');
    expect(
      await onlyProblem(
        yaml('version: 1', 'artifacts:', '  - type: artifact', '    chartPath: x', '    files:', '      - path: a.txt', ...target),
      ),
    ).toBe('.lazy:4:5: artifacts[0]: unknown field "chartPath" for type artifact (it belongs to type helm)');
  });

  it('reports an unknown top-level field', async () => {
    expect(await onlyProblem(yaml('version: 1', 'artifact: []', 'artifacts:', '  - type: docker', '    image: x', ...target))).toBe(
      '.lazy:2:1: unknown field "artifact" (did you mean "artifacts"?)',
    );
  });

  it('rejects duplicate artifact names at the second one', async () => {
    expect(
      await onlyProblem(
        yaml('version: 1', 'artifacts:', '  - type: docker', '    name: app', '    image: x', ...target, '  - type: docker', '    name: app', '    image: y', ...target),
      ),
    ).toBe('.lazy:10:11: artifacts[1].name: duplicate name "app" (also used by artifacts[0])');
  });

  it('rejects a docker artifact with both image and archive', async () => {
    await write('img.tar', 'x');
    expect(
      await onlyProblem(yaml('version: 1', 'artifacts:', '  - type: docker', '    image: x', '    archive: img.tar', ...target)),
    ).toBe('.lazy:3:5: artifacts[0]: docker artifact needs exactly one of "image" or "archive" (it has both)');
  });

  it('reports every problem of a file at once, sorted by position', async () => {
    const problems = await problemsOf(
      yaml(
        'version: "1"',
        'artifacts:',
        '  - type: artifact', // schema-valid: its path problems are still reported
        '    files:',
        '      - path: missing.json',
        '      - path: ../../etc/passwd',
        ...target,
        '  - type: helm', // broken shape: no path checks
        '    targets:',
        '      - registry: r/x',
        '        tags: []',
        '        tag: [x]',
        '  - type: docker',
        '    targets:',
        '      - registry: r/y',
        '        tags: [a]',
      ),
    );
    expect(problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`)).toEqual([
      '.lazy:1:10: version: must be 1 (got "1")',
      '.lazy:5:15: artifacts[0].files[0].path: file not found: missing.json',
      `.lazy:6:15: artifacts[0].files[1].path: path "../../etc/passwd" leaves the project directory ${dir}`,
      '.lazy:10:5: artifacts[1]: missing required field "chartPath"',
      '.lazy:13:15: artifacts[1].targets[0].tags: must have at least 1 entry',
      '.lazy:14:9: artifacts[1].targets[0]: unknown field "tag" (did you mean "tags"?)',
      '.lazy:15:5: artifacts[2]: docker artifact needs exactly one of "image" or "archive" (it has neither)',
    ]);
  });

  it('reports an empty file', async () => {
    expect(await onlyProblem('')).toBe('.lazy:1:1: the file must be a YAML mapping with "version" and "artifacts"');
  });

  it('reports an unreadable file at 1:1 with an absolute path outside the cwd', async () => {
    const missing = path.join(dir, 'nope.lazy');
    const err = await loadLazyFile(missing, { cwd: path.join(root, 'elsewhere') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([{ file: missing, line: 1, col: 1, message: 'cannot read the file (ENOENT)' }]);
  });
});

describe('loadLazyFile: valid files', () => {
  it('loads an artifact with two files and annotations, keeping positions', async () => {
    await write('config.json', '{}');
    await write('conf/extra.txt', 'x');
    await write(
      '.lazy',
      yaml(
        'version: 1',
        'artifacts:',
        '  - type: artifact',
        '    name: app-config',
        '    mediaType: application/vnd.example.config.v1',
        '    annotations: {org.opencontainers.image.source: "{{ .Registry }}"}',
        '    files:',
        '      - path: config.json',
        '        mediaType: application/vnd.example.config.v1+json',
        '      - path: ./conf/../conf/extra.txt',
        '    targets:',
        '      - registry: "{{ .Registry }}/examples/app-config"',
        '        tags: ["{{ .Version }}", latest]',
        '      - registry: oci-layout:out',
        '        tags: [v1]',
      ),
    );
    const lazy = await loadLazyFile('project/.lazy', { cwd: root });
    expect(lazy.file).toBe(path.join(dir, '.lazy'));
    expect(lazy.dir).toBe(dir);
    expect(lazy.displayPath).toBe(path.join('project', '.lazy'));
    expect(lazy.artifacts).toHaveLength(1);
    const a = lazy.artifacts[0]!;
    if (a.type !== 'artifact') throw new Error(`unexpected type ${a.type}`);
    const file = lazy.displayPath;
    expect(a.index).toBe(0);
    expect(a.loc).toEqual({ file, line: 3, col: 5 });
    expect(a.name).toEqual({ value: 'app-config', loc: { file, line: 4, col: 11 } });
    expect(a.mediaType).toBe('application/vnd.example.config.v1');
    expect(a.annotations).toEqual({
      'org.opencontainers.image.source': { value: '{{ .Registry }}', loc: { file, line: 6, col: 52 } },
    });
    expect(a.files).toEqual([
      {
        path: { value: 'config.json', loc: { file, line: 8, col: 15 } },
        absPath: path.join(dir, 'config.json'),
        mediaType: 'application/vnd.example.config.v1+json',
      },
      {
        path: { value: './conf/../conf/extra.txt', loc: { file, line: 10, col: 15 } },
        absPath: path.join(dir, 'conf', 'extra.txt'),
      },
    ]);
    expect(a.targets).toEqual([
      {
        registry: { value: '{{ .Registry }}/examples/app-config', loc: { file, line: 12, col: 19 } },
        tags: [
          { value: '{{ .Version }}', loc: { file, line: 13, col: 16 } },
          { value: 'latest', loc: { file, line: 13, col: 34 } },
        ],
        loc: { file, line: 12, col: 9 },
      },
      {
        registry: { value: 'oci-layout:out', loc: { file, line: 14, col: 19 } },
        tags: [{ value: 'v1', loc: { file, line: 15, col: 16 } }],
        loc: { file, line: 14, col: 9 },
      },
    ]);
  });

  it('loads a helm chart directory, an image with defaults and a docker archive', async () => {
    await write('charts/app/Chart.yaml', 'apiVersion: v2\nname: app\nversion: 1.0.0\n');
    await write('Dockerfile', 'FROM scratch\n');
    await write('dist/app.tar', 'x');
    await write(
      '.lazy',
      yaml(
        'version: 1',
        'artifacts:',
        '  - type: helm',
        '    chartPath: charts/app',
        ...target,
        '  - type: image',
        '    buildArgs: {A: "1"}',
        ...target,
        '  - type: docker',
        '    archive: dist/app.tar',
        ...target,
      ),
    );
    const lazy = await loadLazyFile(path.join(dir, '.lazy'), { cwd: dir });
    expect(lazy.displayPath).toBe('.lazy');
    const [helm, image, docker] = lazy.artifacts;
    expect(helm).toMatchObject({
      type: 'helm',
      index: 0,
      chartPath: { value: 'charts/app', loc: { file: '.lazy', line: 4, col: 16 } },
      chartDir: path.join(dir, 'charts', 'app'),
      annotations: {},
    });
    expect(image).toMatchObject({
      type: 'image',
      index: 1,
      dockerfile: path.join(dir, 'Dockerfile'),
      context: dir,
      platforms: [],
      builder: 'auto',
      buildArgs: { A: { value: '1', loc: { file: '.lazy', line: 9, col: 20 } } },
    });
    expect(docker).toMatchObject({ type: 'docker', index: 2, archive: path.join(dir, 'dist', 'app.tar') });
    expect(docker).not.toHaveProperty('image');
  });
});

describe('findLazyFile', () => {
  it('prefers --file, then a positional file, then a positional directory, then the cwd', async () => {
    const flagFile = await write('flag.yaml', '');
    const posFile = await write('pos.yaml', '');
    const dirFile = await write('sub/.lazy', '');
    const cwdFile = await write('.lazy', '');
    expect(await findLazyFile({ file: 'flag.yaml', positional: 'pos.yaml', cwd: dir })).toBe(flagFile);
    expect(await findLazyFile({ positional: 'pos.yaml', cwd: dir })).toBe(posFile);
    expect(await findLazyFile({ positional: 'sub', cwd: dir })).toBe(dirFile);
    expect(await findLazyFile({ positional: path.join(dir, 'sub'), cwd: root })).toBe(dirFile);
    expect(await findLazyFile({ cwd: dir })).toBe(cwdFile);
  });

  it('throws a UsageError naming the path it looked at', async () => {
    await fs.mkdir(path.join(dir, 'empty'));
    const err = await findLazyFile({ positional: 'project/empty', cwd: root }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as Error).message).toBe(
      `no .lazy file at ./${path.join('project', 'empty', '.lazy')} (pass a file or directory, or --file)`,
    );
    const noCwd = await findLazyFile({ cwd: dir }).catch((e: unknown) => e);
    expect((noCwd as Error).message).toBe('no .lazy file at ./.lazy (pass a file or directory, or --file)');
    const noFlag = await findLazyFile({ file: 'x.yaml', positional: '.', cwd: dir }).catch((e: unknown) => e);
    expect(noFlag).toBeInstanceOf(UsageError);
    expect((noFlag as Error).message).toBe('no .lazy file at ./x.yaml (check the --file path)');
  });
});

describe('schema', () => {
  it('gives every property a description, directly or through its $ref', () => {
    const schema = JSON.parse(readSchema()) as Record<string, unknown>;
    expect(schemaPath().endsWith(path.join('schemas', 'lazy.schema.json'))).toBe(true);
    const defs = schema['definitions'] as Record<string, Record<string, unknown>>;
    const missing: string[] = [];
    const described = (s: Record<string, unknown>): boolean => {
      if (typeof s['description'] === 'string' && s['description'] !== '') return true;
      const ref = s['$ref'];
      return typeof ref === 'string' && described(defs[ref.replace('#/definitions/', '')] ?? {});
    };
    const walk = (s: unknown, where: string): void => {
      if (s === null || typeof s !== 'object') return;
      const props = (s as Record<string, unknown>)['properties'] as Record<string, Record<string, unknown>> | undefined;
      for (const [k, v] of Object.entries(props ?? {})) if (!described(v)) missing.push(`${where}.${k}`);
      // `if` conditions only select a branch; editors never show their properties.
      for (const [k, v] of Object.entries(s)) if (k !== 'if') walk(v, `${where}/${k}`);
    };
    walk(schema, '#');
    expect(missing).toEqual([]);
    // the walk must have seen the per-type schemas
    expect(Object.keys(defs)).toEqual(expect.arrayContaining(['helmArtifact', 'dockerArtifact']));
  });
});
