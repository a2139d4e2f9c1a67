import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inspectLazyFile } from '../config/index.js';
import { readAll } from '../content/store.js';
import { digestBytes } from '../oci/digest.js';
import type { TemplateVariables } from '../template/index.js';
import { DigestCache } from '../content/digest-cache.js';
import { EARLY_UPLOAD_MIN_BYTES, packageArtifact } from './package-artifact.js';
import { planBuild } from './plan.js';

const vars: TemplateVariables = { values: { Tag: 't' }, missing: {} };

const LAZY = `version: 1
artifacts:
  - type: artifact
    mediaType: application/vnd.example.v1
    annotations: { z.last: "2", a.first: "1" }
    files:
      - { path: ./data/../data/b.bin, mediaType: application/x-b }
      - { path: a.txt }
    targets: [{ registry: r.example.com/x, tags: ["{{ .Tag }}"] }]
`;

describe('packageArtifact (files)', () => {
  const dirs: string[] = [];
  beforeEach(() => {
    dirs.length = 0;
  });
  afterEach(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  async function packageIn(mtime: Date) {
    const dir = await mkdtemp(join(tmpdir(), 'lazyoci-pkg-'));
    dirs.push(dir);
    await mkdir(join(dir, 'data'));
    await writeFile(join(dir, 'data', 'b.bin'), Buffer.alloc(70_000, 3));
    await writeFile(join(dir, 'a.txt'), 'hello\n');
    for (const f of ['data/b.bin', 'a.txt']) await utimes(join(dir, f), mtime, mtime);
    await writeFile(join(dir, '.lazy'), LAZY);
    const plan = await planBuild(await inspectLazyFile(join(dir, '.lazy'), { cwd: dir }), vars);
    return packageArtifact(plan.artifacts[0]!, { env: {} });
  }

  it('gives the same manifest bytes wherever and whenever the files were written', async () => {
    const a = await packageIn(new Date('2020-01-01T00:00:00Z'));
    const b = await packageIn(new Date('2024-06-30T12:00:00Z'));
    expect(a.manifest.equals(b.manifest)).toBe(true);
    expect(a.root).toEqual(b.root);
    expect(a.root.digest).toBe(digestBytes(a.manifest));
  });

  it('lays the manifest out as an image-spec 1.1 artifact, one titled layer per file', async () => {
    const p = await packageIn(new Date());
    const manifest = JSON.parse(p.manifest.toString('utf8'));
    expect(Object.keys(manifest)).toEqual(['schemaVersion', 'mediaType', 'artifactType', 'config', 'layers', 'annotations']);
    expect(manifest.artifactType).toBe('application/vnd.example.v1');
    expect(manifest.config).toEqual({
      mediaType: 'application/vnd.oci.empty.v1+json',
      digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
      size: 2,
      data: 'e30=',
    });
    expect(manifest.layers).toEqual([
      { mediaType: 'application/x-b', digest: digestBytes(Buffer.alloc(70_000, 3)), size: 70_000, annotations: { 'org.opencontainers.image.title': 'data/b.bin' } },
      { mediaType: 'application/octet-stream', digest: digestBytes('hello\n'), size: 6, annotations: { 'org.opencontainers.image.title': 'a.txt' } },
    ]);
    expect(Object.keys(manifest.annotations)).toEqual(['a.first', 'z.last']);
    expect(p.totalSize).toBe(2 + 70_000 + 6 + p.manifest.length);
    // Every descriptor can be read back from the store with the bytes it names.
    for (const desc of [...p.blobs, p.root]) {
      expect(digestBytes(await readAll(await p.store.fetch(desc)))).toBe(desc.digest);
    }
  });

  it('announces blobs for early upload only when it spends time hashing, and remembers digests', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lazyoci-pkg-'));
    dirs.push(dir);
    await mkdir(join(dir, 'data'));
    const big = Buffer.alloc(EARLY_UPLOAD_MIN_BYTES, 3);
    await writeFile(join(dir, 'data', 'b.bin'), big);
    await writeFile(join(dir, 'a.txt'), 'hello\n');
    await writeFile(join(dir, '.lazy'), LAZY);
    const plan = await planBuild(await inspectLazyFile(join(dir, '.lazy'), { cwd: dir }), vars);
    const digests = DigestCache.inMemory();
    const run = async () => {
      const announced: string[] = [];
      const p = await packageArtifact(plan.artifacts[0]!, {
        env: {},
        digests,
        onBlob: (desc, store) => {
          expect(store).toBeDefined();
          announced.push(desc.digest);
        },
      });
      return { p, announced };
    };

    const cold = await run();
    // Nothing was known: every blob, the empty config first, as soon as it was ready.
    expect(cold.announced).toEqual(cold.p.blobs.map((b) => b.digest));
    const warm = await run();
    // All remembered: the root is known at once, so nothing is announced.
    expect(warm.announced).toEqual([]);
    expect(warm.p.root).toEqual(cold.p.root);

    await writeFile(join(dir, 'a.txt'), 'changed\n');
    const small = await run();
    // Only a small file to hash: still nothing announced, the new root is known at once.
    expect(small.announced).toEqual([]);
    expect(small.p.blobs[2]!.digest).toBe(digestBytes('changed\n'));

    big[0] = 4;
    await writeFile(join(dir, 'data', 'b.bin'), big);
    const changed = await run();
    // The big file hashed again: the blobs held back until then are released with it.
    expect(changed.announced).toEqual(changed.p.blobs.map((b) => b.digest));
    expect(changed.p.blobs[1]!.digest).toBe(digestBytes(big));
  });
});
