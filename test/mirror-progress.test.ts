// `lazyoci mirror` progress on stderr, as build, pull and copy show theirs: in a real
// pseudo-terminal (util-linux `script`) the live view is redrawn with the run's items
// and the terminal is given back; without a terminal plain lines go to stderr and stdout
// keeps only the result; under -q stderr stays empty.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLI_PATH, explain, json, recordCliRun, runCli, type CliResult } from './support/cli.js';
import { slow, startFaultProxy, type FaultProxy } from './support/fault-proxy.js';

const { http } = inject('registries');
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g;
const strip = (text: string): string => text.replace(ANSI, '');
const COLUMNS = 80;

interface Result {
  images: { source: string; target: string; digest?: string; status: string }[];
  summary: { images: Record<string, number> };
}

describe('mirror progress', () => {
  const id = randomBytes(4).toString('hex');
  const S = `${http.host}/mp/${id}/src`;
  let work: string;
  let proxy: FaultProxy;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-mirror-progress-'));
    // Three artifacts in the source registry; one big enough to be seen moving.
    for (const [name, size] of [['big', 24 << 20], ['one', 4096], ['two', 4096]] as const) {
      const file = path.join(work, `${name}.bin`);
      await writeFile(file, randomBytes(size));
      const pushed = await runCli(['push', file, `oci://${S}/${name}:1`], { cwd: work });
      expect(pushed.code, explain(pushed)).toBe(0);
    }
    // The target is behind a proxy that holds each manifest PUT, so frames are drawn while copies run.
    proxy = await startFaultProxy(http.url);
    proxy.setRule(slow((r) => r.method === 'PUT' && r.path.includes('/manifests/'), 700));
  }, 120_000);

  afterAll(async () => {
    await proxy?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  async function mirrorFile(name: string): Promise<string> {
    const target = `${proxy.host}/mp/${id}/${name}`;
    await writeFile(
      path.join(work, `${name}.yaml`),
      ['target:', `  url: ${target}`, '  insecure: true', 'upstreams: {}', 'images:', ...['big', 'one', 'two'].flatMap((n) => [`  - source: ${S}/${n}`, '    tags: ["1"]']), ''].join('\n'),
    );
    return target;
  }

  /** The CLI under `script` in an 80-column pseudo-terminal; `shellTail` redirects stdout. */
  async function runInPty(args: string[], shellTail = ''): Promise<CliResult> {
    const home = await mkdtemp(path.join(work, 'home-'));
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, DOCKER_CONFIG: home, XDG_CONFIG_HOME: home, TERM: 'xterm-256color' };
    const quoted = [process.execPath, CLI_PATH, ...args].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qfec', `stty rows 40 cols ${COLUMNS}; exec ${quoted}${shellTail}`, '/dev/null'], { cwd: work, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => out.push(c));
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c) => resolve(c ?? 1));
    });
    const result: CliResult = { code, stdout: Buffer.concat(out).toString('utf8'), stderr: '' };
    await recordCliRun(['(pty)', ...args], result);
    return result;
  }

  it('draws the live view in a terminal: running copies with bytes, items done of all, then gives the terminal back', async () => {
    const target = await mirrorFile('tty');
    const jsonFile = path.join(work, 'tty.json');
    const run = await runInPty(['mirror', '-c', 'tty.yaml', '-o', 'json'], ` > '${jsonFile}'`);
    expect(run.code, strip(run.stdout)).toBe(0);
    const result = JSON.parse(await readFile(jsonFile, 'utf8')) as Result;
    expect(result.images.map((i) => i.status)).toEqual(['copied', 'copied', 'copied']);

    const screen = strip(run.stdout);
    // Redrawn: several frames, each one synchronized update.
    expect(run.stdout.split('\u001b[?2026h').length - 1, screen).toBeGreaterThan(2);
    // A frame while copying: a running item with its bar and bytes, and the run's count.
    expect(screen).toMatch(new RegExp(`→ image ${target.replace(/[.]/g, '\\.')}/\\S+/src/(big|one|two):1`));
    expect(screen).toMatch(/[█░]{16}\s+\d+%\s+[\d.]+ (?:B|KiB|MiB) \/ (?:≥)?[\d.]+ (?:B|KiB|MiB)/);
    expect(screen).toMatch(/blobs: \d+ copied, \d+ skipped, \d+ mounted of/);
    expect(screen).toMatch(new RegExp(`mirror → ${target.replace(/[.]/g, '\\.')} [0-2]/3 items`));
    // Each finished item once, with its digest; the last count is all of them.
    for (const item of result.images) expect(screen).toContain(`✓ image ${item.target}\r\n  ${item.digest!.slice(0, 19)}`);
    expect(screen).toMatch(/3\/3 items/);
    expect(screen).toMatch(/✓ image .*big:1\r\n  sha256:[0-9a-f]{12} · 2 blobs copied, 24\.0 MiB/);
    for (const line of screen.split(/\r?\n/)) expect([...line].length, line).toBeLessThanOrEqual(COLUMNS);
    // The terminal is given back: the cursor shown again after the last frame, and nothing drawn after.
    const lastFrame = run.stdout.lastIndexOf('\u001b[?2026h');
    expect(run.stdout.indexOf('\u001b[?25h', lastFrame), screen).toBeGreaterThan(lastFrame);
    expect(run.stdout.slice(run.stdout.indexOf('\u001b[?25h', lastFrame))).not.toMatch(/\u001b\[2K|\u001b\[\?25l/);
  }, 120_000);

  it('without a terminal prints the progress lines to stderr only, stdout stays JSON, -q prints nothing', async () => {
    await mirrorFile('lines');
    const run = await runCli(['mirror', '-c', 'lines.yaml', '-o', 'json'], { cwd: work });
    expect(run.code, explain(run)).toBe(0);
    const result = json<Result>(run);
    expect(result.summary.images.copied).toBe(3);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('resolved 0 chart versions and 3 images');
    // The copy engine's lines, as `copy` prints them, and a numbered line per item.
    const big = result.images.find((i) => i.source === `${S}/big:1`)!.target;
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^copied sha256:[0-9a-f]{12} \\(24\\.0 MiB\\) to ${big.slice(0, -2)}$`)));
    expect(lines).toContainEqual(`tagged ${big}`);
    expect(lines.filter((l) => /^\[\d\/3\] copied image /.test(l)).map((l) => l.slice(0, 6))).toEqual(['[1/3] ', '[2/3] ', '[3/3] ']);
    for (const item of result.images) expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^\\[\\d/3\\] copied image ${item.target} ${item.digest!.slice(0, 19)}$`)));
    expect(run.stderr).not.toContain('\u001b');
    expect(run.stdout).not.toMatch(/resolved|copied sha256|\[\d\/3\]/);

    const quiet = await runCli(['-q', 'mirror', '-c', 'lines.yaml', '-o', 'json'], { cwd: work });
    expect(quiet.code, explain(quiet)).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(json<Result>(quiet).images.map((i) => i.status)).toEqual(['skipped', 'skipped', 'skipped']);

    // -q silences progress, never a failure: its line alone, numbered.
    await writeFile(path.join(work, 'absent.yaml'), ['target:', `  url: ${proxy.host}/mp/${id}/absent`, '  insecure: true', 'upstreams: {}', 'images:', `  - source: ${S}/absent`, '    tags: ["1"]', ''].join('\n'));
    const failed = await runCli(['-q', 'mirror', '-c', 'absent.yaml', '-o', 'json'], { cwd: work, env: { LAZYOCI_RETRY_BASE_MS: '10' } });
    expect(failed.code, explain(failed)).toBe(1);
    expect(failed.stderr).toMatch(new RegExp(`^\\[1/1\\] failed image ${proxy.host}/mp/${id}/absent/\\S+/src/absent:1: .+\\n$`));
  }, 120_000);
});
