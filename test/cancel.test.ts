// Ctrl-C during a push through the built CLI: the upload is aborted, the run exits 130
// with one line "cancelled", and the registry holds no manifest and no tag (spec §5).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { open, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLI_PATH, REPO_ROOT, recordCliRun, type CliResult } from './support/cli.js';
import { listTags } from './support/skopeo.js';

const FILE_SIZE = 64 * 1024 * 1024;

/** Lines the registry's log gained since `from` bytes. */
async function logSince(file: string, from: number): Promise<string> {
  const text = await readFile(file);
  return text.subarray(from).toString('utf8');
}

describe('Ctrl-C during a push', () => {
  const { http } = inject('registries');
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-cancel-'));
    // Random bytes: nothing the registry could already hold, nothing compressible.
    const handle = await open(path.join(dir, 'big.bin'), 'w');
    for (let written = 0; written < FILE_SIZE; written += 1 << 22) await handle.write(randomBytes(1 << 22));
    await handle.close();
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('aborts the upload, exits 130 with "cancelled" and leaves no manifest or tag', async () => {
    const repo = `it/cancel-${randomBytes(4).toString('hex')}`;
    await writeFile(
      path.join(dir, '.lazy'),
      `version: 1
artifacts:
  - type: artifact
    name: big
    files:
      - path: big.bin
        mediaType: application/octet-stream
    targets:
      - registry: "${http.host}/${repo}"
        tags: [v1, latest]
`,
    );
    const logStart = (await stat(http.logFile)).size;
    const args = ['build', '--file', path.join(dir, '.lazy')];
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, DOCKER_CONFIG: dir, XDG_CONFIG_HOME: dir, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const exited = new Promise<number>((resolve) => {
      child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0)));
    });

    // Wait until the registry has seen this repository's blob upload begin (POST .../blobs/uploads/).
    let started = false;
    let finishedEarly = false;
    void exited.then(() => (finishedEarly = !started));
    while (!started && !finishedEarly) {
      const log = await logSince(http.logFile, logStart);
      started = log.split('\n').some((l) => l.includes(`/v2/${repo}/blobs/uploads/`));
      if (!started) await new Promise((r) => setTimeout(r, 5));
    }
    expect(finishedEarly, 'the CLI ended before its upload began').toBe(false);
    child.kill('SIGINT');

    const code = await exited;
    const result: CliResult = { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
    await recordCliRun(args, result);

    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr.trimEnd().split('\n').at(-1)).toBe('cancelled');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    // No manifest was PUT, so the repository has no tag (or does not exist at all).
    const log = await logSince(http.logFile, logStart);
    expect(log).not.toMatch(new RegExp(`"PUT /v2/${repo}/manifests/`));
    let tags: string[] = [];
    try {
      tags = await listTags(`${http.host}/${repo}`, { tls: 'skip' });
    } catch (e) {
      expect(String(e)).toMatch(/NAME_UNKNOWN|repository name not known|not found/i);
    }
    expect(tags).toEqual([]);
  });
});
