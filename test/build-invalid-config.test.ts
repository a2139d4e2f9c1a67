// End to end through the built CLI: every kind of invalid .lazy is refused with exit 2,
// one `FILE:LINE:COL: message` line per problem at the offending node, and no byte sent.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from './support/cli.js';
import { startConnectionCounter, type ConnectionCounter } from './support/connection-counter.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.allSettled(cleanups.splice(0).map((c) => c()));
});

interface Workspace {
  /** cwd of the CLI; holds outside.txt and one project directory. */
  root: string;
  /** the project directory's name inside root; also the CLI's [path] argument */
  project: string;
  /** the .lazy path as lazyoci displays it (relative to cwd) */
  shown: string;
  counter: ConnectionCounter;
}

/** A fresh root with `proj/.lazy`, `proj/a.txt`, `outside.txt`, plus `extra` files in proj. */
async function workspace(lazy: (host: string) => string, extra: Record<string, string> = {}): Promise<Workspace> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-invalid-'));
  const counter = await startConnectionCounter();
  cleanups.push(() => rm(root, { recursive: true, force: true }), () => counter.stop());
  const project = 'proj';
  await mkdir(path.join(root, project));
  await writeFile(path.join(root, 'outside.txt'), 'outside the project\n');
  await writeFile(path.join(root, project, 'a.txt'), 'hello\n');
  for (const [name, content] of Object.entries(extra)) {
    await mkdir(path.dirname(path.join(root, project, name)), { recursive: true });
    await writeFile(path.join(root, project, name), content);
  }
  await writeFile(path.join(root, project, '.lazy'), lazy(counter.host));
  return { root, project, shown: path.join(project, '.lazy'), counter };
}

async function lazyoci(ws: Workspace, args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(args, { cwd: ws.root, env: { LAZYOCI_REGISTRY: ws.counter.host, ...env } });
}

function build(ws: Workspace, extraArgs: string[] = [], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return lazyoci(ws, ['build', ws.project, '--tag', 'v1.0.0', ...extraArgs], env);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The problem lines of stderr that point at LINE:COL of the displayed file. */
function linesAt(stderr: string, shown: string, line: number, col: number): string[] {
  const re = new RegExp(`^${escapeRe(shown)}:${line}:${col}: \\S`);
  return stderr.split('\n').filter((l) => re.test(l));
}

/** Exit 2, a located line naming the field, no stack trace, nothing sent, nothing on stdout. */
function expectRefused(
  res: CliResult,
  ws: Workspace,
  line: number,
  col: number,
  ...mentions: Array<string | RegExp>
): string {
  const context = `stderr:\n${res.stderr}\nstdout:\n${res.stdout}`;
  expect(res.code, context).toBe(2);
  const found = linesAt(res.stderr, ws.shown, line, col);
  expect(found, `no line at ${ws.shown}:${line}:${col}\n${context}`).toHaveLength(1);
  const message = found[0]!;
  for (const m of mentions) {
    if (typeof m === 'string') expect(message).toContain(m);
    else expect(message).toMatch(m);
  }
  expect(res.stderr).not.toMatch(/^\s+at /m);
  expect(res.stderr).not.toMatch(/internal error/i);
  expect(res.stdout).toBe('');
  expect(ws.counter.connections()).toBe(0);
  return message;
}

/** Every stderr line that looks like `FILE:LINE:COL: …` */
function problemLines(stderr: string, shown: string): string[] {
  const re = new RegExp(`^${escapeRe(shown)}:\\d+:\\d+: `);
  return stderr.split('\n').filter((l) => re.test(l));
}

const TARGET = ['    targets:', '      - registry: "{{ .Registry }}/lazyoci/invalid"', '        tags: ["{{ .Tag }}"]'];

describe('build refuses an invalid .lazy with exit 2, FILE:LINE:COL and no network', () => {
  it('(1) bad YAML syntax', async () => {
    const ws = await workspace(() =>
      [
        'version: 1',
        'artifacts:',
        '  - type: artifact',
        '    name: a: b', // a compact nested mapping: not YAML
        '    files: [{path: a.txt}]',
        ...TARGET,
      ].join('\n') + '\n',
    );
    expectRefused(await build(ws), ws, 4, 11, /YAML/);
  });

  it('(1b) a tab used as indentation', async () => {
    const ws = await workspace(() =>
      ['version: 1', 'artifacts:', '\t- type: artifact', '    files: [{path: a.txt}]', ...TARGET].join('\n') + '\n',
    );
    expectRefused(await build(ws), ws, 3, 1, /tab/i);
  });

  it('(2) version: 2', async () => {
    const ws = await workspace(() =>
      ['version: 2', 'artifacts:', '  - type: artifact', '    files: [{path: a.txt}]', ...TARGET].join('\n') + '\n',
    );
    expectRefused(await build(ws), ws, 1, 10, 'version', '2');
  });

  it('(3) unknown artifact type', async () => {
    const ws = await workspace(() =>
      ['version: 1', 'artifacts:', '  - type: helmchart', '    files: [{path: a.txt}]', ...TARGET].join('\n') + '\n',
    );
    expectRefused(await build(ws), ws, 3, 11, 'artifacts[0].type', 'helmchart');
  });

  it('(4) no targets', async () => {
    const ws = await workspace(() =>
      ['version: 1', 'artifacts:', '  - type: artifact', '    files: [{path: a.txt}]', '    targets: []'].join('\n') + '\n',
    );
    expectRefused(await build(ws), ws, 5, 14, 'artifacts[0].targets');
  });

  it('(5) empty tags', async () => {
    const ws = await workspace(() =>
      [
        'version: 1',
        'artifacts:',
        '  - type: artifact',
        '    files: [{path: a.txt}]',
        '    targets:',
        '      - registry: "{{ .Registry }}/lazyoci/invalid"',
        '        tags: []',
      ].join('\n') + '\n',
    );
    expectRefused(await build(ws), ws, 7, 15, 'artifacts[0].targets[0].tags');
  });

  it('(6) helm without chartPath', async () => {
    const ws = await workspace(() => ['version: 1', 'artifacts:', '  - type: helm', '    name: chart', ...TARGET].join('\n') + '\n');
    expectRefused(await build(ws), ws, 3, 5, 'chartPath');
  });

  it('(7) a file listed in files is missing', async () => {
    const ws = await workspace(() =>
      [
        'version: 1',
        'artifacts:',
        '  - type: artifact',
        '    files:',
        '      - path: a.txt',
        '      - path: missing.txt',
        ...TARGET,
      ].join('\n') + '\n',
    );
    expectRefused(await build(ws), ws, 6, 15, 'artifacts[0].files[1].path', 'missing.txt');
  });

  it('(8) a path outside the project directory, even though it exists', async () => {
    const ws = await workspace(() =>
      ['version: 1', 'artifacts:', '  - type: artifact', '    files:', '      - path: ../outside.txt', ...TARGET].join('\n') + '\n',
    );
    expectRefused(await build(ws), ws, 5, 15, 'artifacts[0].files[0].path', '../outside.txt', /project/);
  });

  it('(9) an unknown template variable in a tag', async () => {
    const ws = await workspace(() =>
      [
        'version: 1',
        'artifacts:',
        '  - type: artifact',
        '    files: [{path: a.txt}]',
        '    targets:',
        '      - registry: "{{ .Registry }}/lazyoci/invalid"',
        '        tags: ["{{ .Tag }}", "v-{{ .Nope }}"]',
      ].join('\n') + '\n',
    );
    expectRefused(await build(ws), ws, 7, 30, 'artifacts[0].targets[0].tags[1]', '.Nope');
  });

  it('(10) an invalid registry reference (upper case repository)', async () => {
    const ws = await workspace((host) =>
      [
        'version: 1',
        'artifacts:',
        '  - type: artifact',
        '    files: [{path: a.txt}]',
        '    targets:',
        `      - registry: "${host}/Upper/Case"`,
        '        tags: ["{{ .Tag }}"]',
      ].join('\n') + '\n',
    );
    expectRefused(await build(ws), ws, 6, 19, 'artifacts[0].targets[0].registry', 'Upper');
  });

  it('(10b) a tag written in the registry field', async () => {
    const ws = await workspace(() =>
      [
        'version: 1',
        'artifacts:',
        '  - type: artifact',
        '    files: [{path: a.txt}]',
        '    targets:',
        '      - registry: "{{ .Registry }}/lazyoci/invalid:v1"',
        '        tags: ["{{ .Tag }}"]',
      ].join('\n') + '\n',
    );
    expectRefused(await build(ws), ws, 6, 19, 'artifacts[0].targets[0].registry', /tag/);
  });

  it('a variable whose source is missing: .Registry with LAZYOCI_REGISTRY unset', async () => {
    const ws = await workspace(() =>
      ['version: 1', 'artifacts:', '  - type: artifact', '    files: [{path: a.txt}]', ...TARGET].join('\n') + '\n',
    );
    const res = await build(ws, [], { LAZYOCI_REGISTRY: undefined });
    expectRefused(res, ws, 6, 19, 'artifacts[0].targets[0].registry', '.Registry', 'LAZYOCI_REGISTRY');
  });

  it('a tag that renders to an invalid OCI tag', async () => {
    const ws = await workspace(() =>
      [
        'version: 1',
        'artifacts:',
        '  - type: artifact',
        '    files: [{path: a.txt}]',
        '    targets:',
        '      - registry: "{{ .Registry }}/lazyoci/invalid"',
        '        tags: ["{{ .Tag }}+x"]',
      ].join('\n') + '\n',
    );
    expectRefused(await build(ws), ws, 7, 16, 'artifacts[0].targets[0].tags[0]', 'v1.0.0+x', /not a valid OCI tag/);
  });
});

// Three schema/path problems across artifacts: the loader collects them all.
const SEVERAL_LOAD_PROBLEMS = [
  'version: 1', //                                        1
  'artifacts:', //                                        2
  '  - type: artifact', //                                3
  '    name: one', //                                     4
  '    files: [{path: nothere.txt}]', //                  5  col 20
  '    targets:', //                                      6
  '      - registry: "{{ .Registry }}/lazyoci/one"', //   7
  '        tags: ["{{ .Tag }}"]', //                      8
  '  - type: helmchart', //                               9  col 11
  '    name: two', //                                     10
  '    targets:', //                                      11
  '      - registry: "{{ .Registry }}/lazyoci/two"', //   12
  '        tags: ["{{ .Tag }}"]', //                      13
  '  - type: artifact', //                                14
  '    name: three', //                                   15
  '    files: [{path: a.txt}]', //                        16
  '    targets:', //                                      17
  '      - registry: "{{ .Registry }}/lazyoci/three"', // 18
  '        tags: []', //                                  19 col 15
].join('\n') + '\n';

const SEVERAL_LOAD_AT: Array<[number, number, string]> = [
  [5, 20, 'nothere.txt'],
  [9, 11, 'helmchart'],
  [19, 15, 'artifacts[2].targets[0].tags'],
];

describe('several problems are reported at once', () => {
  it('schema and path problems in different artifacts', async () => {
    const ws = await workspace(() => SEVERAL_LOAD_PROBLEMS);
    const res = await build(ws);
    for (const [line, col, mention] of SEVERAL_LOAD_AT) expectRefused(res, ws, line, col, mention);
    expect(problemLines(res.stderr, ws.shown)).toHaveLength(3);
  });

  it('template and reference problems in one artifact', async () => {
    const ws = await workspace((host) =>
      [
        'version: 1',
        'artifacts:',
        '  - type: artifact',
        '    files: [{path: a.txt}]',
        '    annotations:',
        '      org.opencontainers.image.version: "{{ .Missing }}"', // 6 col 41
        '    targets:',
        `      - registry: "${host}/Bad/Repo"`, //                    8 col 19
        '        tags: ["{{ .Nope }}", "{{ .Tag }}+x", ok]', //      9 col 16 and col 31
      ].join('\n') + '\n',
    );
    const res = await build(ws);
    expectRefused(res, ws, 6, 41, '.Missing');
    expectRefused(res, ws, 8, 19, 'registry');
    expectRefused(res, ws, 9, 16, '.Nope');
    expectRefused(res, ws, 9, 31, 'not a valid OCI tag');
    expect(problemLines(res.stderr, ws.shown)).toHaveLength(4);
  });

  it('a schema problem does not hide template problems elsewhere in the file (spec §2: every problem at once)', async () => {
    const ws = await workspace(() =>
      [
        'version: 1',
        'artifacts:',
        '  - type: artifact',
        '    name: one',
        '    files: [{path: nothere.txt}]', //                  5 col 20
        '    targets:',
        '      - registry: "{{ .Registry }}/lazyoci/one"',
        '        tags: ["{{ .Tag }}"]',
        '  - type: artifact',
        '    name: two',
        '    files: [{path: a.txt}]',
        '    targets:',
        '      - registry: "{{ .Registry }}/lazyoci/two"',
        '        tags: ["{{ .Nope }}"]', //                     14 col 16
      ].join('\n') + '\n',
    );
    const res = await build(ws);
    expectRefused(res, ws, 5, 20, 'nothere.txt');
    expectRefused(res, ws, 14, 16, '.Nope');
  });
});

describe('validate, -o json, -a and a missing .lazy', () => {
  it('lazyoci validate prints the same problems and exits 2', async () => {
    const ws = await workspace(() => SEVERAL_LOAD_PROBLEMS);
    const viaBuild = await build(ws);
    const viaValidate = await lazyoci(ws, ['validate', ws.project, '--tag', 'v1.0.0']);
    for (const [line, col, mention] of SEVERAL_LOAD_AT) expectRefused(viaValidate, ws, line, col, mention);
    expect(problemLines(viaValidate.stderr, ws.shown)).toEqual(problemLines(viaBuild.stderr, ws.shown));
  });

  it('validate reports template problems too', async () => {
    const ws = await workspace(() =>
      [
        'version: 1',
        'artifacts:',
        '  - type: artifact',
        '    files: [{path: a.txt}]',
        '    targets:',
        '      - registry: "{{ .Registry }}/lazyoci/invalid"',
        '        tags: ["{{ .Tag }}", "v-{{ .Nope }}"]',
      ].join('\n') + '\n',
    );
    expectRefused(await lazyoci(ws, ['validate', ws.project, '--tag', 'v1.0.0']), ws, 7, 30, '.Nope');
  });

  it('-o json prints {"error":{"code":"CONFIG","problems":[…]}} on stdout', async () => {
    const ws = await workspace(() => SEVERAL_LOAD_PROBLEMS);
    const res = await lazyoci(ws, ['-o', 'json', 'build', ws.project, '--tag', 'v1.0.0']);
    expect(res.code, res.stderr).toBe(2);
    expect(ws.counter.connections()).toBe(0);
    const parsed = JSON.parse(res.stdout) as {
      error: { code: string; problems: Array<{ file: string; line: number; col: number; message: string }> };
    };
    expect(parsed.error.code).toBe('CONFIG');
    expect(parsed.error.problems).toHaveLength(3);
    SEVERAL_LOAD_AT.forEach(([line, col, mention], i) => {
      const p = parsed.error.problems[i]!;
      expect(p).toMatchObject({ file: ws.shown, line, col });
      expect(p.message).toContain(mention);
      // the same problem as the text line on stderr
      expect(res.stderr.split('\n')).toContain(`${ws.shown}:${line}:${col}: ${p.message}`);
    });
  });

  it('-a with an unknown selector exits 2 with one line and sends nothing', async () => {
    const ws = await workspace(() =>
      ['version: 1', 'artifacts:', '  - type: artifact', '    name: one', '    files: [{path: a.txt}]', ...TARGET].join('\n') + '\n',
    );
    const res = await build(ws, ['-a', 'nosuch']);
    expect(res.code, res.stderr).toBe(2);
    const lines = res.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('nosuch');
    expect(res.stderr).not.toMatch(/^\s+at /m);
    expect(res.stdout).toBe('');
    expect(ws.counter.connections()).toBe(0);
  });

  it('no .lazy file exits 2 without a stack trace', async () => {
    const ws = await workspace(() => '');
    const empty = path.join(ws.root, 'empty');
    await mkdir(empty);
    const res = await runCli(['build', '--tag', 'v1.0.0'], { cwd: empty, env: { LAZYOCI_REGISTRY: ws.counter.host } });
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(/\.lazy/);
    expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(res.stderr).not.toMatch(/^\s+at /m);
    expect(res.stdout).toBe('');
    expect(ws.counter.connections()).toBe(0);
  });
});
