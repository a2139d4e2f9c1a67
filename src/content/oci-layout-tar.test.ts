import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeTar, type FixtureEntry } from '../../test/support/tar-fixture.js';
import { openOciLayout } from './oci-layout-reader.js';
import { readAll } from './store.js';

let work: string;
let privateTmp: string;
let savedTmp: string | undefined;
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-layout-tar-test-'));
  // A private TMPDIR (os.tmpdir() reads it on each call) shows what the reader writes.
  privateTmp = path.join(work, 'tmp');
  await mkdir(privateTmp);
  savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = privateTmp;
});
afterEach(async () => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  await rm(work, { recursive: true, force: true });
});

const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const blobName = (b: Buffer): string => `blobs/sha256/${sha(b).slice(7)}`;
const desc = (mediaType: string, b: Buffer): { mediaType: string; digest: string; size: number } => ({ mediaType, digest: sha(b), size: b.length });

/** index.json → image index → manifest → config + a small and a large (> 4 MiB) layer. */
function nestedLayout() {
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  const small = Buffer.from('small layer');
  const large = Buffer.alloc(5 << 20, 1);
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, config: desc('application/vnd.oci.image.config.v1+json', config), layers: [desc('x/small', small), desc('x/large', large)] }),
  );
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [{ ...desc(MANIFEST, manifest), platform: { os: 'linux', architecture: 'amd64' } }] }));
  const indexJson = JSON.stringify({ schemaVersion: 2, manifests: [{ ...desc(INDEX, index), annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] });
  return { config, small, large, manifest, index, indexJson };
}

async function tempFiles(): Promise<number[]> {
  const sizes: number[] = [];
  for (const dir of await readdir(privateTmp)) {
    for (const f of await readdir(path.join(privateTmp, dir))) sizes.push((await stat(path.join(privateTmp, dir, f))).size);
  }
  return sizes;
}

describe('openOciLayout on a tar', () => {
  it('extracts only the referenced blob too large to keep, not an unreferenced one before the index', async () => {
    const l = nestedLayout();
    const unreferenced = Buffer.alloc(8 << 20, 7);
    const file = path.join(work, 'layout.tar.gz');
    await writeTar(
      file,
      [
        { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
        { name: blobName(unreferenced), data: unreferenced },
        ...[l.config, l.small, l.large, l.manifest, l.index].map((b) => ({ name: blobName(b), data: b })),
        // Last, as some writers put it: nothing is known to be referenced until here.
        { name: 'index.json', data: l.indexJson },
      ],
      { gzip: true },
    );
    const content = await openOciLayout(file);
    try {
      expect(content.root.digest).toBe(sha(l.index));
      expect(await tempFiles()).toEqual([l.large.length]);
      for (const b of [l.index, l.manifest, l.config, l.small, l.large]) {
        // Compared by digest: vitest's deep equality is very slow on a 5 MiB buffer.
        expect(sha(await readAll(await content.source.fetch({ mediaType: 'x', digest: sha(b) as `sha256:${string}`, size: b.length })))).toBe(sha(b));
      }
      await expect(content.source.fetch({ mediaType: 'x', digest: sha(unreferenced) as `sha256:${string}`, size: unreferenced.length })).rejects.toThrow(
        /is missing blob/,
      );
    } finally {
      await content.close();
    }
    expect(await readdir(privateTmp)).toEqual([]);
  });

  it('follows blob links and reads manifests it did not keep in one more pass', async () => {
    const l = nestedLayout();
    const entries: FixtureEntry[] = [
      { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'index.json', data: l.indexJson },
      // The manifest's bytes live under another name; its blob name is a hard link.
      { name: 'store/m.json', data: l.manifest },
      { name: blobName(l.manifest), type: 'link', linkname: 'store/m.json' },
      ...[l.config, l.small, l.large, l.index].map((b) => ({ name: blobName(b), data: b })),
    ];
    const file = path.join(work, 'linked.tar');
    await writeTar(file, entries);
    const content = await openOciLayout(file);
    try {
      expect(await readAll(await content.source.fetch({ ...desc(MANIFEST, l.manifest), digest: sha(l.manifest) as `sha256:${string}` }))).toEqual(l.manifest);
    } finally {
      await content.close();
    }
  });

  it('refuses a referenced blob whose size or content is not its descriptor, without extracting it', async () => {
    const l = nestedLayout();
    const base = (large: FixtureEntry): FixtureEntry[] => [
      { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'index.json', data: l.indexJson },
      ...[l.config, l.small, l.manifest, l.index].map((b) => ({ name: blobName(b), data: b })),
      large,
    ];
    const bigger = path.join(work, 'bigger.tar');
    await writeTar(bigger, base({ name: blobName(l.large), data: Buffer.alloc(64 << 20) }));
    await expect(openOciLayout(bigger)).rejects.toThrow(`blob ${sha(l.large)} is ${64 << 20} bytes, but a descriptor says ${5 << 20}`);
    const changed = path.join(work, 'changed.tar');
    await writeTar(changed, base({ name: blobName(l.large), data: Buffer.alloc(5 << 20, 2) }));
    await expect(openOciLayout(changed)).rejects.toThrow(/does not hash to its name/);
    const missingManifest = path.join(work, 'missing.tar');
    await writeTar(missingManifest, base({ name: 'x', data: 'x' }).filter((e) => e.name !== blobName(l.manifest)));
    await expect(openOciLayout(missingManifest)).rejects.toThrow(`is missing blob ${sha(l.manifest)}`);
    expect(await readdir(privateTmp)).toEqual([]);
  });
});
