// The live progress view in a real pseudo-terminal: the built CLI runs under util-linux
// `script`, so its stderr is a TTY, and what the terminal received is checked. The same
// build without a TTY prints plain lines, -q prints nothing, and the ink view is
// loaded only for the terminal (a module hook records every import of it).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLI_PATH, REPO_ROOT, recordCliRun, runCli, type CliResult } from './support/cli.js';
import { slow, startFaultProxy } from './support/fault-proxy.js';
import { inspectRaw } from './support/skopeo.js';

const { http } = inject('registries');

const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g;
const SGR = /\u001b\[[0-9;]*m/;
const strip = (text: string): string => text.replace(ANSI, '');
const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const COLUMNS = 80;

interface BuildJson {
  name: string;
  targets: { reference: string; digest: string; pushed: boolean }[];
}

describe('progress view in a real terminal', () => {
  let base: string;
  let project: string;
  let moduleLog: string;
  let hookOptions: string;
  const id = randomBytes(4).toString('hex');
  const repoOne = `${http.host}/tty/${id}/one`;
  const repoTwo = `${http.host}/tty/${id}/two`;

  beforeAll(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-tty-'));
    project = path.join(base, 'project');
    await mkdir(project);
    // Random, so no earlier test pushed the same blob, and big enough for several frames.
    await writeFile(path.join(project, 'payload.bin'), randomBytes(64 << 20));
    await writeFile(path.join(project, 'notes.txt'), 'release notes\n');
    await writeFile(
      path.join(project, '.lazy'),
      `version: 1
artifacts:
  - type: artifact
    name: bundle
    files: [{ path: payload.bin }, { path: notes.txt }]
    targets:
      - registry: "${repoOne}"
        tags: [v1, latest]
      - registry: "${repoTwo}"
        tags: [v1]
`,
    );
    // A resolve hook that notes each import of the view's module (ink and React are
    // bundled into it) or of ink itself (an unbundled build), to show when it is loaded.
    moduleLog = path.join(base, 'modules.log');
    await writeFile(
      path.join(base, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  if (/^(ink|react)$|live-view/.test(specifier)) appendFileSync(${JSON.stringify(moduleLog)}, specifier + '\\n');
  return next(specifier, context);
}
`,
    );
    await writeFile(
      path.join(base, 'register.mjs'),
      `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${path.join(base, 'hooks.mjs')}`)});\n`,
    );
    hookOptions = `--import=${path.join(base, 'register.mjs')}`;
  });

  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  async function modulesLoaded(): Promise<string[]> {
    try {
      const text = await readFile(moduleLog, 'utf8');
      await rm(moduleLog);
      return [...new Set(text.split('\n').filter(Boolean))];
    } catch {
      return [];
    }
  }

  /**
   * Run the CLI under `script` in an 80-column pseudo-terminal with an isolated
   * environment like runCli's, but colour allowed unless `env` says otherwise.
   * `shellTail` is appended to the command line (a redirection of stdout).
   */
  async function runInPty(args: string[], opts: { env?: Record<string, string>; shellTail?: string; unsized?: boolean } = {}): Promise<CliResult> {
    const home = await mkdtemp(path.join(base, 'home-'));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: home,
      DOCKER_CONFIG: home,
      XDG_CONFIG_HOME: home,
      TERM: 'xterm-256color',
      NODE_OPTIONS: hookOptions,
      ...opts.env,
    };
    const quoted = [process.execPath, CLI_PATH, ...args].map((a) => `'${a}'`).join(' ');
    const command = `${opts.unsized === true ? '' : `stty rows 40 cols ${COLUMNS}; `}exec ${quoted}${opts.shellTail ?? ''}`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: project, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => out.push(c));
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c) => resolve(c ?? 1));
    });
    // Both streams of the CLI went to the terminal: script's stdout holds them together.
    const result: CliResult = { code, stdout: Buffer.concat(out).toString('utf8'), stderr: '' };
    await recordCliRun(['(pty)', ...args], result);
    return result;
  }

  /** Start a shell command in a pseudo-terminal that a test types into (child.stdin) and reads. */
  async function spawnInPty(command: string) {
    const home = await mkdtemp(path.join(base, 'home-'));
    return spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, DOCKER_CONFIG: home, XDG_CONFIG_HOME: home, TERM: 'xterm-256color' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  it('draws the build with bars, then ✓ and the digest the registry holds, within 80 columns', async () => {
    const jsonFile = path.join(base, 'build.json');
    const run = await runInPty(['build', '-o', 'json'], { shellTail: ` > '${jsonFile}'` });
    expect(run.code, run.stdout).toBe(0);
    expect(await modulesLoaded(), strip(run.stdout)).not.toEqual([]);

    const built = JSON.parse(await readFile(jsonFile, 'utf8')) as BuildJson[];
    const digest = built[0]!.targets[0]!.digest;
    expect(built[0]!.targets.every((t) => t.pushed && t.digest === digest)).toBe(true);
    expect(sha256(await inspectRaw(`${repoOne}:v1`, { tls: 'skip' }))).toBe(digest);

    const screen = strip(run.stdout);
    expect(screen).toContain('bundle (artifact)');
    expect(screen).toMatch(/packaged 3 blobs, 64\.0 MiB/);
    expect(screen).toContain(`✓ ${repoOne} → v1, latest`);
    expect(screen).toContain(`✓ ${repoTwo} → v1`);
    expect(screen).toContain(`    ${digest}`);
    expect(screen).toMatch(/blobs: 3 uploaded, 0 skipped, 0 mounted of 3 · 64\.0 MiB in/);
    // A frame while the upload ran: a bar with bytes of the known total.
    expect(screen).toMatch(/[█░]{16}\s+\d+%\s+[\d.]+ (?:B|KiB|MiB) \/ (?:≥)?[\d.]+ MiB/);
    for (const line of screen.split(/\r?\n/)) expect([...line].length, line).toBeLessThanOrEqual(COLUMNS);
    // stdout was a file, yet the view on stderr is coloured: chalk follows stderr.
    expect(run.stdout).toMatch(SGR);
  });

  it('finishes the view before the summary goes to stdout, and writes no colour under NO_COLOR', async () => {
    const run = await runInPty(['build'], { env: { NO_COLOR: '1' } });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).not.toMatch(SGR);
    const summaryAt = run.stdout.indexOf(`✓ ${repoOne}:v1  sha256:`);
    expect(summaryAt).toBeGreaterThan(0);
    // Nothing of the view is redrawn after the summary starts; the cursor is back by then.
    expect(run.stdout.lastIndexOf('\u001b[2K')).toBeLessThan(summaryAt);
    expect(run.stdout.lastIndexOf('\u001b[?25h', summaryAt)).toBeGreaterThan(-1);
    // The second build finds everything there and uploads nothing.
    const screen = strip(run.stdout);
    expect(screen).toContain(`✓ ${repoTwo} → v1 already there; tags written`);
    expect(screen).toMatch(/blobs: 0 uploaded, 3 skipped, 0 mounted of 3/);
    expect(screen).not.toMatch(/blobs: [1-9]\d* uploaded/);
  });

  it('draws 80 columns wide on a terminal that reports no size', async () => {
    // A pseudo-terminal nobody sized says 0x0; drawn as is, every character got a line.
    const run = await runInPty(['build', '--tag', 'unsized'], { unsized: true });
    expect(run.code, run.stdout).toBe(0);
    const all = strip(run.stdout).split(/\r?\n/).filter((l) => l.trim() !== '');
    // The view's lines; the results summary (which starts with the bare artifact line) follows.
    const lines = all.slice(0, all.indexOf('bundle (artifact)'));
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.some((l) => /blobs: \d uploaded, \d skipped, 0 mounted of 3/.test(l))).toBe(true);
    expect(lines.filter((l) => [...l.trim()].length === 1)).toEqual([]);
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(COLUMNS);
    expect(run.stdout).not.toContain('\u001b[2J');
  });

  it('under -q prints nothing on the terminal, and does not load the view', async () => {
    await modulesLoaded();
    const run = await runInPty(['-q', 'build']);
    expect(run.code).toBe(0);
    expect(strip(run.stdout).trim()).toBe('');
    expect(await modulesLoaded()).toEqual([]);
  });

  it('draws a pull as one transfer ending in ✓ and the digest', async () => {
    const dest = path.join(base, 'pulled');
    const run = await runInPty(['pull', `${repoOne}:v1`, '--dest', dest]);
    expect(run.code, run.stdout).toBe(0);
    const digest = sha256(await inspectRaw(`${repoOne}:v1`, { tls: 'skip' }));
    const screen = strip(run.stdout);
    expect(screen).toContain(`✓ ${repoOne}:v1 → ${dest}`);
    expect(screen).toContain(`  ${digest}`);
    expect(screen).toMatch(/blobs: 3 pulled, 0 skipped, 0 mounted of 3 · 64\.0 MiB in/);
  });

  it('ends on Ctrl-C typed into the terminal with exit 130, the view closed and "cancelled"', async () => {
    const repo = `${http.host}/tty/${id}/cancel`;
    const dir = await mkdtemp(path.join(base, 'cancel-'));
    await writeFile(path.join(dir, 'big.bin'), randomBytes(256 << 20));
    await writeFile(
      path.join(dir, '.lazy'),
      `version: 1\nartifacts:\n  - type: artifact\n    files: [{ path: big.bin }]\n    targets: [{ registry: "${repo}", tags: [v1] }]\n`,
    );
    const child = await spawnInPty(`stty rows 40 cols ${COLUMNS}; exec '${process.execPath}' '${CLI_PATH}' build '${dir}'`);
    let out = '';
    let typed = false;
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      // Once a rate shows, an upload is running: type Ctrl-C, as a user would.
      if (!typed && /MiB\/s/.test(strip(out))) {
        typed = true;
        child.stdin.write('\u0003');
      }
    });
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
    await recordCliRun(['(pty)', 'build', dir], { code, stdout: out, stderr: '' });
    expect(typed, strip(out)).toBe(true);
    expect(code, strip(out)).toBe(130);
    const screen = strip(out);
    expect(screen).toMatch(/✗ .*\/cancel → v1 failed/);
    expect(screen.trimEnd().split(/\r?\n/).at(-1)).toBe('cancelled');
  });

  it('lays the view out again when the terminal is resized', async () => {
    // The resize signal reaches only the main thread; the view's own thread must be told.
    const proxy = await startFaultProxy(http.url);
    try {
      // The manifest PUT is held back, so the view is still on screen when the size changes.
      proxy.setRule(slow((r) => r.method === 'PUT' && r.path.includes('/manifests/'), 2500));
      const repo = `${proxy.host}/tty/${id}/resized-to-fifty-columns`;
      const dir = await mkdtemp(path.join(base, 'resize-'));
      await writeFile(path.join(dir, 'payload.bin'), randomBytes(8 << 20));
      await writeFile(
        path.join(dir, '.lazy'),
        `version: 1\nartifacts:\n  - type: artifact\n    name: resize\n    files: [{ path: payload.bin }]\n    targets: [{ registry: "${repo}", tags: [v1] }]\n`,
      );
      const jsonFile = path.join(dir, 'build.json');
      // The shell of the terminal starts the build, waits for a line typed into the
      // terminal, then makes the terminal 50 columns wide, as a user dragging its window.
      const child = await spawnInPty(
        `stty rows 40 cols ${COLUMNS}; '${process.execPath}' '${CLI_PATH}' build -o json '${dir}' > '${jsonFile}' & pid=$!; read go; stty cols 50; kill -WINCH $pid; wait $pid`,
      );
      let out = '';
      let typed = -1;
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        // The blobs are up and the manifest is held: resize now.
        if (typed < 0 && /blobs: 2 uploaded/.test(strip(out))) {
          typed = out.length;
          child.stdin.write('\n');
        }
      });
      const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
      await recordCliRun(['(pty)', 'build', dir], { code, stdout: out, stderr: '' });
      expect(code, strip(out)).toBe(0);
      expect(typed, strip(out)).toBeGreaterThan(0);
      const built = JSON.parse(await readFile(jsonFile, 'utf8')) as BuildJson[];
      expect(built[0]!.targets[0]!.pushed).toBe(true);
      // Before the resize the view was laid out for 80 columns, with lines wider than 50.
      const lineWidths = (text: string): number[] => strip(text).split(/\r?\n/).map((l) => [...l].length);
      expect(Math.max(...lineWidths(out.slice(0, typed)))).toBeGreaterThan(50);
      // Each frame is written as one synchronized update; the last, drawn after the
      // resize, fits 50 columns, and still shows the target done with its digest.
      const frames = out.slice(typed).split('\u001b[?2026h').slice(1);
      expect(frames.length).toBeGreaterThan(0);
      const last = frames.at(-1)!.split('\u001b[?2026l')[0]!;
      expect(strip(last)).toContain('✓');
      expect(strip(last)).toContain(built[0]!.targets[0]!.digest.slice(0, 30));
      for (const width of lineWidths(last)) expect(width, strip(last)).toBeLessThanOrEqual(50);
    } finally {
      await proxy.stop();
    }
  });

  it('prints plain lines without any escape code when stderr is not a terminal, nothing under -q, and never loads the view then', async () => {
    await modulesLoaded();
    const env = { NODE_OPTIONS: hookOptions };
    const plain = await runCli(['build', '--no-push'], { cwd: project, env });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(/^bundle: packaged 3 blobs, 64\.0 MiB, sha256:[0-9a-f]{64}$/m);
    expect(plain.stderr).not.toContain('\u001b');

    const pushed = await runCli(['build', '--tag', 'x'], { cwd: project, env });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).toMatch(/^bundle: tagged .*\/one:v1$/m);
    expect(pushed.stderr).not.toContain('\u001b');

    const quiet = await runCli(['-q', 'build'], { cwd: project, env });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');

    const version = await runCli(['--version'], { env });
    const validate = await runCli(['validate'], { cwd: project, env });
    expect([version.code, validate.code]).toEqual([0, 0]);
    expect(await modulesLoaded()).toEqual([]);
  });
});
