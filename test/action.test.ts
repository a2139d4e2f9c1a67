// The GitHub Action (action.yml → action/main.mjs), run the way the runner runs it: the
// entry under node with INPUT_* variables (upper-cased, dashes kept), GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY pointing at files, against the real registries of the test bed.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from './support/cli.js';
import { inspectRaw, listTags } from './support/skopeo.js';

const registries = inject('registries');
const ACTION_TIMEOUT_MS = 60_000;

interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const suffix = (): string => Math.random().toString(36).slice(2, 8);

/** The `name<<DELIMITER` blocks of a GITHUB_OUTPUT file; a name given twice is a failure. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const m = /^([A-Za-z0-9_-]+)<<(.+)$/.exec(lines[i]!);
    if (m === null) throw new Error(`not a heredoc output line: ${JSON.stringify(lines[i])}`);
    const end = lines.indexOf(m[2]!, i + 1);
    if (end < 0) throw new Error(`output ${m[1]} has no closing delimiter`);
    if (m[1]! in outputs) throw new Error(`output ${m[1]} written twice`);
    outputs[m[1]!] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return outputs;
}

describe('the GitHub Action', () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-action-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function project(lazy: string, files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(path.join(work, 'p-'));
    for (const [name, data] of Object.entries(files)) await writeFile(path.join(dir, name), data);
    await writeFile(path.join(dir, '.lazy'), lazy);
    return dir;
  }

  /** Runs the action's entry as the runner does: `node <main>` in the workspace. */
  async function runAction(
    inputs: Record<string, string>,
    opts: { cwd: string; entry?: string; env?: Record<string, string> },
  ): Promise<ActionRun> {
    const base = await mkdtemp(path.join(work, 'run-'));
    const outputFile = path.join(base, 'github_output');
    const summaryFile = path.join(base, 'step_summary');
    await Promise.all([writeFile(outputFile, ''), writeFile(summaryFile, ''), mkdir(path.join(base, 'home')), mkdir(path.join(base, 'docker'))]);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: path.join(base, 'home'),
      DOCKER_CONFIG: path.join(base, 'docker'),
      XDG_CONFIG_HOME: path.join(base, 'home', '.config'),
      NO_COLOR: '1',
      GITHUB_ACTIONS: 'true',
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      ...opts.env,
    };
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
    const entry = opts.entry ?? path.join(REPO_ROOT, 'action', 'main.mjs');
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [entry], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
      const timer = setTimeout(() => child.kill('SIGKILL'), ACTION_TIMEOUT_MS);
      child.on('error', reject);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve({ code: c ?? -1, stdout: out, stderr: err });
      });
    });
    return { code, stdout, stderr, outputs: parseOutputs(await readFile(outputFile, 'utf8')), summary: await readFile(summaryFile, 'utf8') };
  }

  const twoTags = (repo: string): string => `version: 1
artifacts:
  - type: artifact
    name: cfg
    mediaType: application/vnd.example.config.v1
    files:
      - path: config.json
        mediaType: application/vnd.example.config.v1+json
    targets:
      - registry: "{{ .Registry }}/${repo}"
        tags: ["{{ .Version }}", latest]
  - type: artifact
    name: notes
    files:
      - path: notes.txt
        mediaType: text/plain
    targets:
      - registry: "{{ .Registry }}/${repo}-notes"
        tags: ["{{ .Tag }}"]
`;

  it('pushes every artifact and hands back digest, references, digests, result and a summary table', async () => {
    const repo = `action/push-${suffix()}`;
    const dir = await project(twoTags(repo), { 'config.json': '{"a":1}\n', 'notes.txt': 'hello\n' });
    const run = await runAction({ registry: registries.http.host, tag: 'v1.4.0' }, { cwd: dir });
    expect(run.code, run.stderr).toBe(0);

    // skopeo, an independent client, reads what the outputs name.
    const cfg = sha256(await inspectRaw(`${registries.http.host}/${repo}:1.4.0`, { tls: 'skip' }));
    const notes = sha256(await inspectRaw(`${registries.http.host}/${repo}-notes:v1.4.0`, { tls: 'skip' }));
    expect(run.outputs.digest).toBe(cfg);
    expect(run.outputs.digests!.split('\n')).toEqual([cfg, notes]);
    expect(run.outputs.references!.split('\n')).toEqual([
      `${registries.http.host}/${repo}:1.4.0`,
      `${registries.http.host}/${repo}:latest`,
      `${registries.http.host}/${repo}-notes:v1.4.0`,
    ]);
    expect(await listTags(`${registries.http.host}/${repo}`, { tls: 'skip' })).toEqual(expect.arrayContaining(['1.4.0', 'latest']));

    // result: the -o json document, on one line.
    expect(run.outputs.result).not.toContain('\n');
    const result = JSON.parse(run.outputs.result!) as { name: string; size: number; targets: { reference: string; digest: string; pushed: boolean }[] }[];
    expect(result.map((a) => a.name)).toEqual(['cfg', 'notes']);
    expect(result.flatMap((a) => a.targets.map((t) => t.pushed))).toEqual([true, true, true]);

    // One row per reference: reference, digest, size of the whole artifact (manifest + config + layers).
    const manifest = JSON.parse((await inspectRaw(`${registries.http.host}/${repo}:1.4.0`, { tls: 'skip' })).toString('utf8')) as {
      config: { size: number };
      layers: { size: number }[];
    };
    const raw = await inspectRaw(`${registries.http.host}/${repo}:1.4.0`, { tls: 'skip' });
    const cfgSize = raw.length + manifest.config.size + manifest.layers.reduce((s, l) => s + l.size, 0);
    expect(result[0]!.size).toBe(cfgSize);
    expect(run.summary).toContain('| artifact | reference | digest | size | status |');
    expect(run.summary).toContain(`| cfg | ${registries.http.host}/${repo}:latest | \`${cfg}\` | ${cfgSize} B | pushed |`);
    expect(run.summary).toContain(`| notes | ${registries.http.host}/${repo}-notes:v1.4.0 | \`${notes}\` |`);
    expect(run.summary.split('\n').filter((l) => l.startsWith('| ') && l.includes('pushed'))).toHaveLength(3);
  });

  it('dry-run (INPUT_DRY-RUN) pushes nothing, still gives the digests; summary: false writes no summary', async () => {
    const repo = `action/dry-${suffix()}`;
    const dir = await project(twoTags(repo), { 'config.json': '{"a":1}\n', 'notes.txt': 'hello\n' });
    const run = await runAction({ registry: registries.http.host, tag: '2.0.0', 'dry-run': 'true', summary: 'false', artifact: 'cfg' }, { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.summary).toBe('');
    expect(run.outputs.references!.split('\n')).toEqual([`${registries.http.host}/${repo}:2.0.0`, `${registries.http.host}/${repo}:latest`]);
    expect(run.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.outputs.digests).toBe(run.outputs.digest);
    expect(JSON.parse(run.outputs.result!)[0].targets.every((t: { pushed: boolean }) => !t.pushed)).toBe(true);
    await expect(listTags(`${registries.http.host}/${repo}`, { tls: 'skip' })).rejects.toThrow();

    // The same push made for real gives the digest the dry run promised.
    const real = await runAction({ registry: registries.http.host, tag: '2.0.0', artifact: 'cfg', summary: 'false' }, { cwd: dir });
    expect(real.code, real.stderr).toBe(0);
    expect(real.outputs.digest).toBe(run.outputs.digest);
    expect(real.summary).toBe('');
  });

  it('path and file inputs pick the .lazy file; a path starting with "-" stays a path', async () => {
    const repo = `action/path-${suffix()}`;
    const dir = await project('version: 1\nartifacts: []\n', {});
    const sub = path.join(dir, '-sub');
    await mkdir(sub);
    await writeFile(path.join(sub, 'config.json'), '{}\n');
    await writeFile(path.join(sub, 'notes.txt'), 'n\n');
    await writeFile(path.join(sub, 'ci.lazy'), twoTags(repo));
    const byPath = await runAction({ registry: registries.http.host, tag: '1.0.0', 'dry-run': 'true', path: '-sub/ci.lazy' }, { cwd: dir });
    expect(byPath.code, byPath.stdout + byPath.stderr).toBe(0);
    expect(byPath.outputs.references!.split('\n')).toHaveLength(3);
    const byFile = await runAction({ registry: registries.http.host, tag: '1.0.0', 'dry-run': 'true', file: '-sub/ci.lazy' }, { cwd: dir });
    expect(byFile.code, byFile.stdout + byFile.stderr).toBe(0);
    expect(byFile.outputs.digests).toBe(byPath.outputs.digests);
  });

  it('username/password reach lazyoci through its environment only, masked first, and log in', async () => {
    const auth = registries.auth;
    const repo = `action/auth-${suffix()}`;
    const dir = await project(twoTags(repo), { 'config.json': '{"b":2}\n', 'notes.txt': 'x\n' });
    // Records the argv and environment names of every node process the action starts.
    const recorder = path.join(work, `argv-recorder-${suffix()}.cjs`);
    const record = path.join(work, `argv-${suffix()}`);
    await mkdir(record);
    await writeFile(
      recorder,
      `require('node:fs').writeFileSync(require('node:path').join(${JSON.stringify(record)}, String(process.pid)), JSON.stringify({ argv: process.argv, env: process.env }));\n`,
    );
    const run = await runAction(
      { registry: auth.host, tag: '1.0.0', username: auth.username!, password: auth.password!, summary: 'false' },
      { cwd: dir, env: { NODE_OPTIONS: `--require ${recorder}` } },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.outputs.references!.split('\n')).toHaveLength(3);

    // Masks come before any other line; the password appears nowhere else.
    const lines = run.stdout.split('\n');
    expect(lines.slice(0, 2).sort()).toEqual([`::add-mask::${auth.password}`, `::add-mask::${auth.username}`].sort());
    expect(lines.slice(2).join('\n')).not.toContain(auth.password!);
    expect(run.stderr).not.toContain(auth.password!);
    expect(JSON.stringify(run.outputs)).not.toContain(auth.password!);

    const processes = await Promise.all((await readdir(record)).map(async (f) => JSON.parse(await readFile(path.join(record, f), 'utf8')) as { argv: string[]; env: Record<string, string> }));
    const cli = processes.filter((p) => p.argv.some((a) => a.endsWith(path.join('dist', 'cli.js'))));
    expect(cli).toHaveLength(1);
    expect(cli[0]!.argv.join(' ')).not.toContain(auth.password!);
    expect(cli[0]!.env.LAZYOCI_PASSWORD).toBe(auth.password);
    expect(cli[0]!.env.LAZYOCI_USERNAME).toBe(auth.username);
    expect(cli[0]!.env.LAZYOCI_REGISTRY).toBe(auth.host);
    expect(Object.keys(cli[0]!.env).filter((k) => k.startsWith('INPUT_'))).toEqual([]);
  });

  it('a username without a password is refused before anything runs', async () => {
    const dir = await project('version: 1\nartifacts: []\n', {});
    const run = await runAction({ username: 'someone' }, { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('::error::inputs username and password go together');
    expect(run.outputs).toEqual({});
  });

  it('a bad boolean input is one error annotation naming the input', async () => {
    const dir = await project('version: 1\nartifacts: []\n', {});
    const run = await runAction({ 'dry-run': 'yes' }, { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n')).toEqual(['::error::input dry-run: expected true or false, got "yes"']);
  });

  it('an invalid .lazy fails the step with the error as an annotation and the error document as result', async () => {
    const dir = await project(twoTags('action/invalid'), { 'config.json': '{}', 'notes.txt': '' });
    const run = await runAction({ tag: '1.0.0' }, { cwd: dir }); // no registry input: .Registry is missing
    expect(run.code).toBe(1);
    const annotation = run.stdout.split('\n').find((l) => l.startsWith('::error::lazyoci build failed (exit 2)'));
    expect(annotation).toContain('LAZYOCI_REGISTRY');
    expect(JSON.parse(run.outputs.result!).error.code).toBeTruthy();
    expect(run.outputs.references).toBe('');
    // lazyoci's own output is read with workflow commands stopped; the annotation comes after.
    const stop = /^::stop-commands::(\S+)$/m.exec(run.stdout);
    expect(stop).not.toBeNull();
    const resume = run.stdout.indexOf(`\n::${stop![1]}::\n`);
    expect(resume).toBeGreaterThan(run.stdout.indexOf(stop![0]));
    expect(run.stdout.indexOf(annotation!)).toBeGreaterThan(resume);
  });

  it('a failed push fails the step, names the reference, and still reports what was pushed', async () => {
    const repo = `action/partial-${suffix()}`;
    // The second artifact's target is the auth registry, which refuses anonymous pushes.
    const lazy = `version: 1
artifacts:
  - type: artifact
    name: ok
    files: [{path: a.txt, mediaType: text/plain}]
    targets: [{registry: "${registries.http.host}/${repo}", tags: [one]}]
  - type: artifact
    name: refused
    files: [{path: a.txt, mediaType: text/plain}]
    targets: [{registry: "${registries.auth.host}/${repo}", tags: [two]}]
`;
    const dir = await project(lazy, { 'a.txt': 'a\n' });
    const run = await runAction({}, { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.outputs.references).toBe(`${registries.http.host}/${repo}:one`);
    expect(run.stdout).toContain(`::error::${registries.auth.host}/${repo}:two: `);
    expect(run.summary).toContain(`| ok | ${registries.http.host}/${repo}:one |`);
    expect(run.summary).toMatch(new RegExp(`\\| refused \\| ${registries.auth.host.replace(/\./g, '\\.')}/${repo}:two \\| .* \\| failed: `));
  });

  it('action.yml declares the inputs and outputs the entry reads and writes, run by node20', async () => {
    const meta = parseYaml(await readFile(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, unknown>;
      outputs: Record<string, unknown>;
      runs: { using: string; main: string };
    };
    expect(Object.keys(meta.inputs).sort()).toEqual(['artifact', 'dry-run', 'file', 'insecure', 'password', 'path', 'registry', 'summary', 'tag', 'username']);
    expect(Object.keys(meta.outputs).sort()).toEqual(['digest', 'digests', 'references', 'result']);
    expect(meta.runs).toEqual({ using: 'node20', main: 'action/main.mjs' });

    // The example workflow passes only inputs the action declares.
    const workflow = parseYaml(await readFile(path.join(REPO_ROOT, 'examples', 'github-workflow.yml'), 'utf8')) as {
      jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }>;
    };
    const step = Object.values(workflow.jobs).flatMap((j) => j.steps).find((s) => s.uses?.includes('/lazyoci@'));
    expect(step).toBeDefined();
    for (const name of Object.keys(step!.with ?? {})) expect(Object.keys(meta.inputs)).toContain(name);
  });

  it('a checkout of the action without dist/ builds the CLI once, then runs it', async () => {
    // A branch of the action, as the runner checks it out: sources, no dist/. The shared
    // node_modules stands in for `npm ci`, which the entry skips when node_modules exists.
    const checkout = await mkdtemp(path.join(work, 'checkout-'));
    for (const entry of ['action', 'scripts', 'src', 'schemas', 'package.json', 'tsconfig.json']) {
      await cp(path.join(REPO_ROOT, entry), path.join(checkout, entry), { recursive: true });
    }
    await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(checkout, 'node_modules'));
    const dir = await project(twoTags('action/fresh'), { 'config.json': '{"a":1}\n', 'notes.txt': 'hello\n' });
    const inputs = { registry: registries.http.host, tag: '1.4.0', 'dry-run': 'true' };
    const run = await runAction(inputs, { cwd: dir, entry: path.join(checkout, 'action', 'main.mjs') });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('::group::lazyoci: building the CLI');
    const expected = await runAction(inputs, { cwd: dir });
    expect(run.outputs.digests).toBe(expected.outputs.digests);

    const again = await runAction(inputs, { cwd: dir, entry: path.join(checkout, 'action', 'main.mjs') });
    expect(again.stdout).not.toContain('::group::');
  });

  it('without dist/ and without npm, the step fails with one clear error', async () => {
    const checkout = await mkdtemp(path.join(work, 'bare-'));
    await cp(path.join(REPO_ROOT, 'action'), path.join(checkout, 'action'), { recursive: true });
    const emptyPath = await mkdtemp(path.join(work, 'path-'));
    const dir = await project('version: 1\nartifacts: []\n', {});
    const run = await runAction({}, { cwd: dir, entry: path.join(checkout, 'action', 'main.mjs'), env: { PATH: emptyPath } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::error::cannot build lazyoci: npm ci: npm is not on PATH; use a release tag of the action/m);
    expect(run.outputs).toEqual({});
  });
});
