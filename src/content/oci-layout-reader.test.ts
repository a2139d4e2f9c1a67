import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeTinyLayout } from '../../test/support/oci-layout-fixture.js';
import { writeTar, type FixtureEntry } from '../../test/support/tar-fixture.js';
import { UsageError } from '../errors/index.js';
import { openOciLayout, pickManifest } from './oci-layout-reader.js';
import { readAll } from './store.js';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-layout-reader-test-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const d = (c: string): string => `sha256:${c.repeat(64)}`;

/** Every file of a layout directory as tar entries. */
async function layoutEntries(dir: string, index: string): Promise<FixtureEntry[]> {
  const { readdir } = await import('node:fs/promises');
  const entries: FixtureEntry[] = [
    { name: 'oci-layout', data: await readFile(path.join(dir, 'oci-layout')) },
    { name: 'index.json', data: index },
  ];
  for (const name of await readdir(path.join(dir, 'blobs', 'sha256'))) {
    entries.push({ name: `blobs/sha256/${name}`, data: await readFile(path.join(dir, 'blobs', 'sha256', name)) });
  }
  return entries;
}

describe('pickManifest', () => {
  const index = (manifests: object[]): Buffer => Buffer.from(JSON.stringify({ schemaVersion: 2, manifests }));
  const named = (c: string, name?: string): object => ({
    mediaType: MANIFEST,
    digest: d(c),
    size: 10,
    ...(name === undefined ? {} : { annotations: { 'org.opencontainers.image.ref.name': name } }),
  });

  it('takes the only manifest, or the one named', () => {
    expect(pickManifest(index([named('a')]), 'L').root).toEqual({ mediaType: MANIFEST, digest: d('a'), size: 10 });
    const two = index([named('a', 'v1'), named('b', 'v2')]);
    expect(pickManifest(two, 'L', 'v2')).toEqual({ root: { mediaType: MANIFEST, digest: d('b'), size: 10 }, refName: 'v2' });
  });
  it('lists the names when several are there and none was chosen, or the one chosen is absent', () => {
    const two = index([named('a', 'v1'), named('b', 'v2')]);
    expect(() => pickManifest(two, 'L')).toThrow(/L holds 2 manifests \(v1, v2\); choose one with --ref-name/);
    expect(() => pickManifest(two, 'L', 'v3')).toThrow(/no manifest named "v3"; names in it: v1, v2/);
  });
  it('answers to the containerd image name Docker writes beside ref.name', () => {
    const docker = index([{ ...named('a', 'latest'), annotations: { 'org.opencontainers.image.ref.name': 'latest', 'io.containerd.image.name': 'docker.io/library/x:latest' } }]);
    expect(pickManifest(docker, 'L', 'docker.io/library/x:latest').root.digest).toBe(d('a'));
  });
  it('refuses broken indexes and non-manifest roots', () => {
    expect(() => pickManifest(Buffer.from('{'), 'L')).toThrow(UsageError);
    expect(() => pickManifest(index([]), 'L')).toThrow(/lists no manifests/);
    expect(() => pickManifest(index([{ mediaType: 'text/plain', digest: d('a'), size: 1 }]), 'L')).toThrow(/not a manifest or index/);
    expect(() => pickManifest(index([{ mediaType: MANIFEST, digest: 'sha256:../../x', size: 1 }]), 'L')).toThrow(/lists no manifests/);
  });
});

describe('openOciLayout', () => {
  it('reads a layout directory and verifies blobs as they stream', async () => {
    const dir = path.join(work, 'layout');
    const tiny = await writeTinyLayout(dir, 'v1');
    const content = await openOciLayout(dir);
    expect(content.root).toEqual({ mediaType: MANIFEST, digest: tiny.manifestDigest, size: tiny.manifestSize });
    expect(content.refName).toBe('v1');
    expect(await readAll(await content.source.fetch(content.root))).toEqual(tiny.manifest);
    // A blob changed on disk after the index was written fails at the end of its stream.
    await writeFile(path.join(dir, 'blobs', 'sha256', tiny.layerDigest.slice(7)), 'changed');
    const layer = { mediaType: 'x', digest: tiny.layerDigest as `sha256:${string}`, size: tiny.layerSize };
    await expect(content.source.fetch(layer).then((s) => readAll(s))).rejects.toThrow(/does not match its descriptor/);
    await expect(content.source.fetch({ ...layer, digest: d('f') as `sha256:${string}` })).rejects.toThrow(/missing blob/);
    await content.close();
  });

  it('reads a layout tar (gzip too), extracting only layout files', async () => {
    const dir = path.join(work, 'layout');
    const tiny = await writeTinyLayout(dir, 'v1');
    const index = await readFile(path.join(dir, 'index.json'), 'utf8');
    for (const gzip of [false, true]) {
      const file = path.join(work, gzip ? 'layout.tar.gz' : 'layout.tar');
      await writeTar(file, [{ name: 'README', data: 'ignored' }, ...(await layoutEntries(dir, index))], { gzip });
      const content = await openOciLayout(file);
      try {
        expect(content.root.digest).toBe(tiny.manifestDigest);
        expect(await readAll(await content.source.fetch(content.root))).toEqual(tiny.manifest);
      } finally {
        await content.close();
      }
    }
  });

  it('refuses a layout tar whose blob does not hash to its name, or without oci-layout', async () => {
    const dir = path.join(work, 'layout');
    const tiny = await writeTinyLayout(dir, 'v1');
    const index = await readFile(path.join(dir, 'index.json'), 'utf8');
    const entries = (await layoutEntries(dir, index)).map((e) =>
      e.name === `blobs/sha256/${tiny.layerDigest.slice(7)}` ? { ...e, data: 'corrupt' } : e,
    );
    const corrupt = path.join(work, 'corrupt.tar');
    await writeTar(corrupt, entries);
    await expect(openOciLayout(corrupt)).rejects.toThrow(/does not hash to its name/);
    const noMarker = path.join(work, 'nomarker.tar');
    await writeTar(noMarker, entries.filter((e) => e.name !== 'oci-layout'));
    await expect(openOciLayout(noMarker)).rejects.toThrow(/has no oci-layout file/);
  });

  it('needs --ref-name when a layout directory holds two names', async () => {
    const dir = path.join(work, 'two');
    await writeTinyLayout(dir, 'v1');
    const second = await writeTinyLayout(dir, 'v2');
    await expect(openOciLayout(dir, { display: 'two/' })).rejects.toThrow(/two\/ holds 2 manifests \(v1, v2\)/);
    const picked = await openOciLayout(dir, { refName: 'v2' });
    expect(picked.root.digest).toBe(second.manifestDigest);
  });
});
