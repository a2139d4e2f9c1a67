import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tarBytes, writeTar, type FixtureEntry } from '../../test/support/tar-fixture.js';
import { UsageError } from '../errors/index.js';
import { openDockerArchive } from './docker-archive.js';
import { readAll } from './store.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let work: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-docker-archive-test-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

interface Image {
  config: Buffer;
  layers: Buffer[];
  diffIds: string[];
}

async function image(contents: string[]): Promise<Image> {
  const layers = await Promise.all(contents.map((c, i) => tarBytes([{ name: `f${i}.txt`, data: c }])));
  const diffIds = layers.map((l) => `sha256:${sha(l)}`);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } }));
  return { config, layers, diffIds };
}

/** The layout of `docker save` before Docker 25: <id>/layer.tar, <config hex>.json. */
function legacyEntries(img: Image, repoTags: string[], prefix = ''): { entries: FixtureEntry[]; manifest: object } {
  const entries: FixtureEntry[] = [];
  const layerNames: string[] = [];
  img.layers.forEach((layer, i) => {
    const id = sha(Buffer.from(`${prefix}id${i}`));
    entries.push({ name: `${id}/`, type: 'directory' }, { name: `${id}/layer.tar`, data: layer }, { name: `${id}/VERSION`, data: '1.0' });
    layerNames.push(`${id}/layer.tar`);
  });
  const configName = `${sha(img.config)}.json`;
  entries.push({ name: configName, data: img.config });
  return { entries, manifest: { Config: configName, RepoTags: repoTags, Layers: layerNames } };
}

describe('openDockerArchive', () => {
  it('converts a legacy docker save tar: config byte for byte, uncompressed layers with digests = diff_ids', async () => {
    const img = await image(['one', 'two']);
    const { entries, manifest } = legacyEntries(img, ['example/app:v1']);
    // Real archives store a layer once and point other layer paths at it with a symlink.
    const layers = (manifest as { Layers: string[] }).Layers;
    const linked = { ...manifest, Layers: [layers[0], 'linked/layer.tar'] };
    const file = path.join(work, 'app.tar');
    await writeTar(file, [
      ...entries,
      { name: 'linked/layer.tar', type: 'symlink', linkname: `../${layers[1]}` },
      { name: 'manifest.json', data: JSON.stringify([linked]) },
    ]);

    const content = await openDockerArchive(file);
    try {
      const doc = JSON.parse(content.manifest.toString()) as {
        schemaVersion: number;
        mediaType: string;
        config: { mediaType: string; digest: string; size: number };
        layers: { mediaType: string; digest: string; size: number }[];
      };
      expect(Object.keys(doc)).toEqual(['schemaVersion', 'mediaType', 'config', 'layers']);
      expect(doc.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
      expect(doc.config).toEqual({ mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha(img.config)}`, size: img.config.length });
      expect(doc.layers.map((l) => l.digest)).toEqual(img.diffIds);
      expect(doc.layers.every((l) => l.mediaType === 'application/vnd.oci.image.layer.v1.tar')).toBe(true);
      expect(content.root.digest).toBe(`sha256:${sha(content.manifest)}`);
      expect(content.repoTags).toEqual(['example/app:v1']);
      expect(content.totalSize).toBe(img.config.length + img.layers[0]!.length + img.layers[1]!.length + content.manifest.length);
      expect(await readAll(await content.source.fetch(content.blobs[0]!))).toEqual(img.config);
      expect(await readAll(await content.source.fetch(content.blobs[2]!))).toEqual(img.layers[1]);
      expect(await readAll(await content.source.fetch(content.root))).toEqual(content.manifest);
    } finally {
      await content.close();
    }
    // Same archive, same digest: nothing time- or path-dependent goes into the manifest.
    const again = await openDockerArchive(file);
    await again.close();
    expect(again.root.digest).toBe(content.root.digest);
  });

  it('reads the blobs/sha256 layout of newer archives and marks gzip layers by their magic bytes', async () => {
    const img = await image(['zipped', 'plain']);
    const gz = gzipSync(img.layers[0]!);
    const entries: FixtureEntry[] = [
      { name: 'blobs/sha256/', type: 'directory' },
      { name: `blobs/sha256/${sha(gz)}`, data: gz },
      { name: `blobs/sha256/${sha(img.layers[1]!)}`, data: img.layers[1]! },
      { name: `blobs/sha256/${sha(img.config)}`, data: img.config },
      {
        name: 'manifest.json',
        data: JSON.stringify([{ Config: `blobs/sha256/${sha(img.config)}`, RepoTags: null, Layers: [`blobs/sha256/${sha(gz)}`, `blobs/sha256/${sha(img.layers[1]!)}`] }]),
      },
    ];
    const file = path.join(work, 'new.tar');
    await writeTar(file, entries);
    const content = await openDockerArchive(file);
    await content.close();
    expect(content.blobs.slice(1).map((b) => [b.mediaType, b.digest])).toEqual([
      ['application/vnd.oci.image.layer.v1.tar+gzip', `sha256:${sha(gz)}`],
      ['application/vnd.oci.image.layer.v1.tar', img.diffIds[1]],
    ]);
    expect(content.repoTags).toEqual([]);
  });

  it('extracts only the files manifest.json names: junk, a second image and a big unreferenced file stay in the archive', async () => {
    const img = await image(['one', 'two']);
    const other = await image(['other']);
    const { entries, manifest } = legacyEntries(img, ['example/app:v1']);
    const second = legacyEntries(other, ['example/other:v1'], 'o');
    const file = path.join(work, 'junk.tar.gz');
    await writeTar(
      file,
      [
        { name: 'junk/big.bin', data: Buffer.alloc(16 << 20) },
        ...Array.from({ length: 200 }, (_, i) => ({ name: `junk/${i}`, data: 'x' })),
        ...entries,
        ...second.entries,
        { name: 'manifest.json', data: JSON.stringify([manifest, second.manifest]) },
      ],
      { gzip: true },
    );
    const privateTmp = path.join(work, 'tmp');
    await mkdir(privateTmp);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = privateTmp;
    try {
      const content = await openDockerArchive(file, { repoTag: 'example/app:v1' });
      try {
        const [dir] = await readdir(privateTmp);
        const sizes = await Promise.all((await readdir(path.join(privateTmp, dir!))).map(async (f) => (await stat(path.join(privateTmp, dir!, f))).size));
        expect(sizes.sort((a, b) => a - b)).toEqual([img.config.length, ...img.layers.map((l) => l.length)].sort((a, b) => a - b));
      } finally {
        await content.close();
      }
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    expect(await readdir(privateTmp)).toEqual([]);
  });

  it('picks one of several images by RepoTag, however it is spelled, and lists them otherwise', async () => {
    const a = legacyEntries(await image(['a']), ['docker.io/library/alpine:latest'], 'a');
    const b = legacyEntries(await image(['b']), ['example/b:2'], 'b');
    const file = path.join(work, 'two.tar');
    await writeTar(file, [...a.entries, ...b.entries, { name: 'manifest.json', data: JSON.stringify([a.manifest, b.manifest]) }]);

    const err = await openDockerArchive(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/holds 2 images \(docker\.io\/library\/alpine:latest, example\/b:2\); choose one with --ref-name/);

    const alpine = await openDockerArchive(file, { repoTag: 'alpine' });
    await alpine.close();
    expect(alpine.repoTags).toEqual(['docker.io/library/alpine:latest']);
    const second = await openDockerArchive(file, { repoTag: 'example/b:2' });
    await second.close();
    expect(second.root.digest).not.toBe(alpine.root.digest);
    await expect(openDockerArchive(file, { repoTag: 'nope:1' })).rejects.toThrow(/no image tagged "nope:1"/);
  });

  it('refuses layers that do not match the config diff_ids, missing members and a missing manifest.json', async () => {
    const img = await image(['x']);
    const { entries, manifest } = legacyEntries(img, ['x:1']);
    const tampered = entries.map((e) => (e.name.endsWith('/layer.tar') ? { ...e, data: Buffer.from('tampered') } : e));
    const bad = path.join(work, 'bad.tar');
    await writeTar(bad, [...tampered, { name: 'manifest.json', data: JSON.stringify([manifest]) }]);
    await expect(openDockerArchive(bad)).rejects.toThrow(/rootfs\.diff_ids\[0\]/);

    const missing = path.join(work, 'missing.tar');
    await writeTar(missing, [{ name: 'manifest.json', data: JSON.stringify([{ ...manifest, Layers: ['nowhere/layer.tar'] }]) }, ...entries]);
    await expect(openDockerArchive(missing)).rejects.toThrow(/"nowhere\/layer\.tar", which is not in the archive/);

    const none = path.join(work, 'none.tar');
    await writeTar(none, entries);
    await expect(openDockerArchive(none)).rejects.toThrow(/has no manifest\.json/);

    const misnamed = path.join(work, 'misnamed.tar');
    await writeTar(misnamed, [
      ...entries.filter((e) => !e.name.endsWith('.json')),
      { name: `${'0'.repeat(64)}.json`, data: img.config },
      { name: 'manifest.json', data: JSON.stringify([{ ...manifest, Config: `${'0'.repeat(64)}.json` }]) },
    ]);
    await expect(openDockerArchive(misnamed)).rejects.toThrow(/does not hash to its name/);
  });
});
