// The digest cache and early uploads end to end (issue 6): a cold push uploads while it
// still hashes and leaves a correct graph; a re-push with the cache reads and hashes
// nothing and writes only tags; a changed file is noticed and pushed.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from './support/cli.js';
import { copyToLayout, inspectRaw, verifyLayoutBlobs } from './support/skopeo.js';

const http = inject('registries').http;
const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const BIG = 24 << 20; // above the early-upload threshold (16 MiB hashed)

interface BuildJson {
  targets: { reference: string; digest: string; pushed: boolean }[];
}

async function requestLines(from: number): Promise<{ all: string[]; lines: string[] }> {
  const all = (await readFile(http.logFile, 'utf8')).split('\n');
  return { all, lines: all.slice(from) };
}

describe('lazyoci build with the digest cache', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-digest-cache-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('pushes cold while hashing, re-pushes from the cache with tags only, and notices a changed file', async () => {
    const id = Math.random().toString(36).slice(2, 8);
    const repo = `it/${id}/cache`;
    const dir = await mkdtemp(path.join(work, 'p-'));
    const cacheHome = path.join(work, `cache-${id}`);
    const big = Buffer.alloc(BIG, 1);
    big.write('first version', 0);
    await writeFile(path.join(dir, 'big.bin'), big);
    await writeFile(path.join(dir, 'small.txt'), 'small\n');
    await utimes(path.join(dir, 'big.bin'), 1_700_000_000, 1_700_000_000);
    const lazy = (tags: string) => `version: 1
artifacts:
  - type: artifact
    mediaType: application/vnd.example.cache.v1
    files: [{ path: big.bin }, { path: small.txt }]
    targets: [{ registry: "${http.host}/${repo}", tags: [${tags}] }]
`;
    const env = { XDG_CACHE_HOME: cacheHome };

    // Cold: nothing is known, so blobs are uploaded as they are hashed; the manifest last.
    await writeFile(path.join(dir, '.lazy'), lazy('t0'));
    const start = (await requestLines(0)).all.length;
    const cold = await runCli(['build', '-o', 'json'], { cwd: dir, env });
    expect(cold.code, cold.stderr).toBe(0);
    const coldDigest = (JSON.parse(cold.stdout) as BuildJson[])[0]!.targets[0]!.digest;
    const coldLog = await requestLines(start);
    // The access log's own lines ("METHOD /path HTTP/1.1"), one per request.
    const ours = coldLog.lines.filter((l) => l.includes(`/v2/${repo}/`));
    const blobPuts = ours.map((l, i) => (/"PUT \/v2\/[^"]*\/blobs\/uploads\//.test(l) ? i : -1)).filter((i) => i >= 0);
    const manifestPut = ours.findIndex((l) => /"PUT \/v2\/[^"]*\/manifests\/t0/.test(l));
    expect(blobPuts).toHaveLength(3);
    expect(manifestPut).toBeGreaterThan(Math.max(...blobPuts));
    expect(ours.some((l) => /"HEAD \/v2\/[^"]*\/manifests\//.test(l))).toBe(false); // no root to ask for yet
    const layout = path.join(work, `layout-${id}`);
    await copyToLayout(`${http.host}/${repo}:t0`, layout, 'x', { tls: 'skip', preserveDigests: true });
    const blobs = await verifyLayoutBlobs(layout);
    expect(blobs.get(sha256(big))).toBe(BIG);
    expect(sha256(await inspectRaw(`${http.host}/${repo}:t0`, { tls: 'skip' }))).toBe(coldDigest);
    const cacheFile = path.join(cacheHome, 'lazyoci', 'digests.json');
    const cached = JSON.parse(await readFile(cacheFile, 'utf8')) as { files: Record<string, { digest: string }> };
    expect(cached.files[path.join(dir, 'big.bin')]?.digest).toBe(sha256(big));

    // Warm: the same content to three new tags. Root HEAD, then tags; no blob request.
    await writeFile(path.join(dir, '.lazy'), lazy('t1, t2, t3'));
    const cacheBefore = await stat(cacheFile);
    const warmStart = (await requestLines(0)).all.length;
    const warm = await runCli(['build', '-o', 'json'], { cwd: dir, env });
    expect(warm.code, warm.stderr).toBe(0);
    expect((JSON.parse(warm.stdout) as BuildJson[])[0]!.targets.map((t) => t.digest)).toEqual([coldDigest, coldDigest, coldDigest]);
    const warmLog = (await requestLines(warmStart)).lines.filter((l) => l.includes(`/v2/${repo}/`));
    expect(warmLog.filter((l) => l.includes('/blobs/'))).toEqual([]);
    expect(warmLog.filter((l) => /"PUT \/v2\/[^"]*\/manifests\//.test(l))).toHaveLength(3);
    expect(warmLog.filter((l) => /"HEAD \/v2\/[^"]*\/manifests\//.test(l))).toHaveLength(1);
    // Every answer came from the cache, so it was not written again.
    expect((await stat(cacheFile)).mtimeMs).toBe(cacheBefore.mtimeMs);

    // Changed in place, same size, old mtime put back: hashed again and pushed.
    big.write('second version', 0);
    await writeFile(path.join(dir, 'big.bin'), big);
    await utimes(path.join(dir, 'big.bin'), 1_700_000_000, 1_700_000_000);
    await writeFile(path.join(dir, '.lazy'), lazy('t4'));
    const changed = await runCli(['build', '-o', 'json'], { cwd: dir, env });
    expect(changed.code, changed.stderr).toBe(0);
    const changedDigest = (JSON.parse(changed.stdout) as BuildJson[])[0]!.targets[0]!.digest;
    expect(changedDigest).not.toBe(coldDigest);
    const manifest = JSON.parse((await inspectRaw(`${http.host}/${repo}:t4`, { tls: 'skip' })).toString('utf8')) as { layers: { digest: string }[] };
    expect(manifest.layers[0]!.digest).toBe(sha256(big));
  });
});

describe('--concurrency', () => {
  it('bounds blob transfers: with 1, each upload ends before the next begins; bad values are usage errors', async () => {
    const id = Math.random().toString(36).slice(2, 8);
    const repo = `it/${id}/serial`;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-concurrency-'));
    try {
      for (const name of ['a', 'b', 'c']) await writeFile(path.join(dir, `${name}.txt`), `${name}\n`.repeat(1000));
      await writeFile(
        path.join(dir, '.lazy'),
        `version: 1
artifacts:
  - type: artifact
    files: [{ path: a.txt }, { path: b.txt }, { path: c.txt }]
    targets: [{ registry: "${http.host}/${repo}", tags: [t] }]
`,
      );
      const start = (await requestLines(0)).all.length;
      const run = await runCli(['build', '--concurrency', '1'], { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
      const steps = (await requestLines(start)).lines
        .filter((l) => l.includes(`/v2/${repo}/blobs/`) && /"(HEAD|POST|PUT) /.test(l))
        .map((l) => /"(HEAD|POST|PUT) /.exec(l)![1]);
      // Four blobs (the empty config and three files), strictly one after another.
      expect(steps.join(' ')).toBe(Array(4).fill('HEAD POST PUT').join(' '));

      for (const bad of ['0', '33', 'two']) {
        const refused = await runCli(['build', '--concurrency', bad], { cwd: dir });
        expect(refused.code).toBe(2);
        expect(refused.stderr).toContain("option '--concurrency <n>' argument");
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
