import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../content/memory-store.js';
import { readAll, type ContentOpener, type Target } from '../content/store.js';
import { ContentError, UsageError } from '../errors/index.js';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor, Digest, ImageIndex, ImageManifest } from '../oci/types.js';
import { parseReference } from '../ref/reference.js';
import { copyArtifact, parseAnnotationFlags, parseSize, type CopySource } from './copy-artifact.js';

/** A memory store that also resolves tags, standing in for a source repository. */
function memorySource(store: MemoryStore, tags: Record<string, Descriptor>): CopySource {
  return {
    name: 'mem/src',
    fetch: (d) => store.fetch(d),
    async fetchManifest(reference) {
      const desc = tags[reference] ?? ({ mediaType: MediaType.imageManifest, digest: reference as Digest, size: 0 } as Descriptor);
      const bytes = await readAll(await store.fetch(desc));
      return { descriptor: { mediaType: desc.mediaType, digest: desc.digest, size: bytes.length }, bytes };
    },
  };
}

class MemoryTarget implements Target {
  readonly name = 'mem/dst';
  readonly store = new MemoryStore();
  readonly tags = new Map<string, Buffer>();
  exists = (d: Descriptor) => this.store.exists(d);
  fetch = (d: Descriptor) => this.store.fetch(d);
  push = (d: Descriptor, open: ContentOpener) => this.store.push(d, open);
  async pushReference(d: Descriptor, bytes: Buffer, reference: string): Promise<void> {
    this.store.addBytes(d, bytes);
    this.tags.set(reference, bytes);
  }
}

function fixture() {
  const store = new MemoryStore();
  const config = store.addContent(MediaType.imageConfig, Buffer.from('{"os":"linux","architecture":"amd64"}'));
  const layers = ['a', 'b'].map((l) => store.addContent(MediaType.imageLayerTarGzip, Buffer.alloc(100, l)));
  const children = layers.map((layer, i) => {
    const doc: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.imageManifest,
      config,
      layers: [layer],
      annotations: { 'org.example.keep': `k${i}`, 'org.example.desc': 'old' },
    };
    const d = store.addContent(MediaType.imageManifest, Buffer.from(JSON.stringify(doc)));
    return { ...d, platform: { os: 'linux', architecture: i === 0 ? 'amd64' : 'arm64' }, annotations: { note: `n${i}` } };
  });
  const index = store.addContent(
    MediaType.imageIndex,
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.imageIndex, manifests: children, annotations: { top: 't' } })),
  );
  return { store, config, layers, children, index };
}

const src = parseReference('reg.example/app:v1');
const dest = parseReference('reg.example/other:v2');

describe('copyArtifact', () => {
  it('puts manifest keys on every child and index keys on the index, keeping the rest of each document', async () => {
    const f = fixture();
    const dst = new MemoryTarget();
    const result = await copyArtifact(memorySource(f.store, { v1: f.index }), dst, {
      source: src,
      dest,
      annotations: parseAnnotationFlags(['index:org.example.release=1', 'manifest:org.example.desc=x', 'org.example.plain=y']),
    });
    const bytes = dst.tags.get('v2')!;
    const index = JSON.parse(bytes.toString('utf8')) as ImageIndex;
    expect(result).toMatchObject({ image: 'reg.example/other:v2', tag: 'v2', retag: false, ignoredIndexAnnotations: [] });
    expect(result.digest).not.toBe(f.index.digest);
    expect(index.annotations).toEqual({ top: 't', 'org.example.release': '1' });
    expect(index.manifests).toHaveLength(2);
    for (const [i, child] of index.manifests.entries()) {
      const original = f.children[i]!;
      expect(child.digest).not.toBe(original.digest);
      expect(child).toEqual({ ...original, digest: child.digest, size: child.size });
      const doc = JSON.parse((await readAll(await dst.store.fetch(child))).toString('utf8')) as ImageManifest;
      expect(doc.annotations).toEqual({ 'org.example.keep': `k${i}`, 'org.example.desc': 'x', 'org.example.plain': 'y' });
      expect(doc.layers).toEqual([f.layers[i]]);
    }
    expect(await dst.store.exists(f.config)).toBe(true);
  });

  it('keeps the exact bytes of children when only the index changes, and of everything without annotations', async () => {
    const f = fixture();
    const dst = new MemoryTarget();
    await copyArtifact(memorySource(f.store, { v1: f.index }), dst, { source: src, dest, annotations: parseAnnotationFlags(['index:a=b']) });
    const index = JSON.parse(dst.tags.get('v2')!.toString('utf8')) as ImageIndex;
    expect(index.manifests.map((m) => m.digest)).toEqual(f.children.map((c) => c.digest));

    const plain = new MemoryTarget();
    const result = await copyArtifact(memorySource(f.store, { v1: f.index }), plain, { source: src, dest });
    expect(result.digest).toBe(f.index.digest);
    // Values already present change nothing either.
    const same = await copyArtifact(memorySource(f.store, { v1: f.index }), new MemoryTarget(), {
      source: src,
      dest,
      annotations: parseAnnotationFlags(['index:top=t']),
    });
    expect(same.digest).toBe(f.index.digest);
  });

  it('ignores index keys on a single image and reports them', async () => {
    const f = fixture();
    const child = f.children[0]!;
    const dst = new MemoryTarget();
    const result = await copyArtifact(memorySource(f.store, { v1: child }), dst, {
      source: src,
      dest,
      annotations: parseAnnotationFlags(['index:org.example.release=1', 'org.example.plain=y']),
    });
    expect(result.ignoredIndexAnnotations).toEqual(['org.example.release']);
    const doc = JSON.parse(dst.tags.get('v2')!.toString('utf8')) as ImageManifest;
    expect(doc.annotations).toEqual({ 'org.example.keep': 'k0', 'org.example.desc': 'old', 'org.example.plain': 'y' });
  });

  it('refuses more than --max-size (shared blobs counted once) before writing anything, except for a retag', async () => {
    const f = fixture();
    const total = f.config.size + 200;
    const dst = new MemoryTarget();
    const run = (maxSize: number, to = dest) => copyArtifact(memorySource(f.store, { v1: f.index }), dst, { source: src, dest: to, maxSize });
    const err = await run(total - 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentError);
    expect((err as ContentError).exitCode).toBe(1);
    expect((err as Error).message).toContain(`is ${total} bytes`);
    expect((err as Error).message).toContain(`--max-size of ${total - 1} bytes`);
    expect((err as Error).message).toContain('not retryable');
    expect(dst.tags.size).toBe(0);
    expect(await dst.store.exists(f.config)).toBe(false);

    expect((await run(total)).size).toBe(total);
    const retag = await run(1, parseReference('reg.example/app:v3'));
    expect(retag.retag).toBe(true);
    expect(dst.tags.has('v3')).toBe(true);
  });

  it('wants a tag on the destination', async () => {
    const f = fixture();
    await expect(
      copyArtifact(memorySource(f.store, { v1: f.index }), new MemoryTarget(), { source: src, dest: parseReference('reg.example/x') }),
    ).rejects.toBeInstanceOf(UsageError);
  });
});

describe('copy flags', () => {
  it('splits annotations by scope; unscoped keys go on manifests; later values win', () => {
    expect(parseAnnotationFlags(['index:a=1', 'manifest:b=2', 'c=3=4', 'x:y=', 'c=5'])).toEqual({
      index: { a: '1' },
      manifest: { b: '2', c: '5', 'x:y': '' },
    });
    expect(() => parseAnnotationFlags(['novalue'])).toThrow(UsageError);
    expect(() => parseAnnotationFlags(['index:=1'])).toThrow(UsageError);
  });

  it('reads sizes in bytes, decimal and binary units', () => {
    expect(parseSize('1GiB')).toBe(1024 ** 3);
    expect(parseSize('500MB')).toBe(500_000_000);
    expect(parseSize('1048576')).toBe(1048576);
    expect(parseSize('1.5 KiB')).toBe(1536);
    expect(parseSize('2g')).toBe(2 * 1024 ** 3);
    for (const bad of ['', 'lots', '-1', '0', '1XB']) expect(() => parseSize(bad)).toThrow(UsageError);
  });
});
