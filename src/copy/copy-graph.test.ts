import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { digestBytes } from '../oci/digest.js';
import { FILE_CHUNK_SIZE } from '../oci/file-chunks.js';
import { MemoryStore } from '../content/memory-store.js';
import { readAll, type ContentOpener, type Target } from '../content/store.js';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/types.js';
import { copyGraph, CopySession } from './copy-graph.js';
import type { CopyEvent } from './events.js';
import type { Mounter, MountSource } from '../content/store.js';

/** A memory target that records every call and can mount from a "repository" it knows. */
class RecordingTarget implements Target, Mounter {
  readonly name = 'reg.example/dst';
  readonly store = new MemoryStore();
  readonly calls: string[] = [];
  constructor(
    readonly shelf: MemoryStore,
    readonly declines: Set<string> = new Set(),
  ) {}
  canMountFrom(from: MountSource): boolean {
    return from.registry === 'reg.example' && from.repository !== 'dst';
  }
  async mount(desc: Descriptor, from: MountSource): Promise<boolean> {
    this.calls.push(`mount ${desc.digest} from ${from.repository}`);
    if (this.declines.has(desc.digest)) return false;
    this.store.addBytes(desc, await readAll(await this.shelf.fetch(desc)));
    return true;
  }
  async exists(desc: Descriptor): Promise<boolean> {
    this.calls.push(`exists ${desc.digest}`);
    return this.store.exists(desc);
  }
  fetch(desc: Descriptor) {
    return this.store.fetch(desc);
  }
  async push(desc: Descriptor, open: ContentOpener): Promise<void> {
    this.calls.push(`push ${desc.digest}`);
    await this.store.push(desc, open);
  }
  async pushReference(desc: Descriptor, manifest: Buffer, reference: string): Promise<void> {
    this.calls.push(`tag ${reference}`);
    this.store.addBytes(desc, manifest);
  }
}

function image(store: MemoryStore, label: string, shared: Descriptor): Descriptor {
  const layer = store.addContent(MediaType.imageLayerTarGzip, Buffer.from(`layer ${label}`));
  const manifest = { schemaVersion: 2, mediaType: MediaType.imageManifest, config: shared, layers: [layer] };
  return store.addContent(MediaType.imageManifest, Buffer.from(JSON.stringify(manifest)));
}

function twoImageIndex(): { src: MemoryStore & { mountSource?: MountSource }; root: Descriptor; config: Descriptor } {
  const src: MemoryStore & { mountSource?: MountSource } = new MemoryStore();
  const config = src.addContent(MediaType.imageConfig, Buffer.from('{"os":"linux"}'));
  const a = image(src, 'a', config);
  const b = image(src, 'b', config);
  const root = src.addContent(
    MediaType.imageIndex,
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.imageIndex, manifests: [a, b] })),
  );
  return { src, root, config };
}

describe('copyGraph with a mounting destination', () => {
  it('mounts each blob once instead of pushing it, children before the tagged root', async () => {
    const { src, root, config } = twoImageIndex();
    src.mountSource = { registry: 'reg.example', repository: 'src' };
    const dst = new RecordingTarget(src);
    const events: CopyEvent[] = [];
    await copyGraph(src, root, dst, ['v1'], { onEvent: (e) => events.push(e) });

    const mounts = dst.calls.filter((c) => c.startsWith('mount'));
    expect(mounts).toHaveLength(3); // the shared config and two layers, each once
    expect(mounts.filter((c) => c.includes(config.digest))).toHaveLength(1);
    expect(dst.calls.filter((c) => c.startsWith('push'))).toHaveLength(2); // the two manifests only
    expect(dst.calls.at(-1)).toBe('tag v1');
    expect(events.filter((e) => e.type === 'mounted').every((e) => e.type === 'mounted' && e.from === 'reg.example/src')).toBe(true);
    expect(await dst.store.exists(root)).toBe(true);
  });

  it('uploads a blob the registry declines to mount', async () => {
    const { src, root, config } = twoImageIndex();
    src.mountSource = { registry: 'reg.example', repository: 'src' };
    const dst = new RecordingTarget(src, new Set([config.digest]));
    await copyGraph(src, root, dst, ['v1']);
    expect(dst.calls).toContain(`mount ${config.digest} from src`);
    expect(dst.calls).toContain(`push ${config.digest}`);
    expect(await dst.store.exists(config)).toBe(true);
  });

  it('does not mount from another registry, from itself, or from a source that is no repository', async () => {
    for (const mountSource of [{ registry: 'other.example', repository: 'src' }, { registry: 'reg.example', repository: 'dst' }, undefined]) {
      const { src, root } = twoImageIndex();
      if (mountSource !== undefined) src.mountSource = mountSource;
      const dst = new RecordingTarget(src);
      await copyGraph(src, root, dst, ['v1']);
      expect(dst.calls.some((c) => c.startsWith('mount'))).toBe(false);
      expect(dst.calls.filter((c) => c.startsWith('push'))).toHaveLength(5);
    }
  });

  it('writes the root by digest when no tag is given', async () => {
    const { src, root } = twoImageIndex();
    const dst = new RecordingTarget(src);
    await copyGraph(src, root, dst, []);
    expect(dst.calls.at(-1)).toBe(`push ${root.digest}`);
    expect(await dst.store.exists(root)).toBe(true);
  });
});

describe('CopySession', () => {
  it('copies prefetched blobs once and, having started, skips the root check', async () => {
    const { src, root, config } = twoImageIndex();
    const dst = new RecordingTarget(src);
    const events: CopyEvent[] = [];
    const session = new CopySession(src, dst, { onEvent: (e) => events.push(e) });
    session.prefetch(config);
    session.prefetch(config);
    await session.copy(root, ['v1']);

    expect(dst.calls.filter((c) => c === `push ${config.digest}`)).toHaveLength(1);
    expect(dst.calls).not.toContain(`exists ${root.digest}`);
    expect(dst.calls.filter((c) => c.startsWith('push'))).toHaveLength(5);
    expect(dst.calls.at(-1)).toBe('tag v1');
    // Each upload reports its start and its bytes before it is done.
    const forConfig = events.filter((e) => e.descriptor.digest === config.digest).map((e) => e.type);
    expect(forConfig).toEqual(['started', 'progress', 'copied']);
    const progress = events.find((e) => e.type === 'progress' && e.descriptor.digest === config.digest);
    expect(progress).toMatchObject({ bytes: config.size });
  });

  it('reports a failed prefetch from copy, and settle waits for it quietly', async () => {
    const { src, root, config } = twoImageIndex();
    const dst = new RecordingTarget(src);
    const failing: Target = Object.assign(Object.create(dst) as RecordingTarget, {
      push: async (desc: Descriptor, open: ContentOpener) => {
        if (desc.digest === config.digest) throw new Error('registry said no');
        await dst.push(desc, open);
      },
    });
    const session = new CopySession(src, failing);
    session.prefetch(config);
    await session.settle();
    await expect(session.copy(root, ['v1'])).rejects.toThrow('registry said no');
    expect(dst.calls).not.toContain('tag v1');
  });
});

describe('copy engine openers', () => {
  it('offer a file source as reused-memory chunks too, counted for progress like the stream', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lazyoci-copy-'));
    try {
      const data = Buffer.alloc(3 * FILE_CHUNK_SIZE + 5, 9);
      await writeFile(join(dir, 'blob'), data);
      const src = new MemoryStore();
      const layer: Descriptor = { mediaType: MediaType.octetStream, digest: digestBytes(data), size: data.length };
      src.addFile(layer, join(dir, 'blob'));
      const config = src.addContent(MediaType.imageConfig, Buffer.from('{}'));
      const root = src.addContent(MediaType.imageManifest, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.imageManifest, config, layers: [layer] })));
      const dst = new RecordingTarget(src);
      const seen: { digest: string; bytes: Buffer | undefined }[] = [];
      const capturing: Target = Object.assign(Object.create(dst) as RecordingTarget, {
        push: async (desc: Descriptor, open: ContentOpener) => {
          let bytes: Buffer | undefined;
          if (open.transient !== undefined) {
            const parts: Buffer[] = [];
            for await (const chunk of open.transient()) parts.push(Buffer.from(chunk));
            bytes = Buffer.concat(parts);
          }
          seen.push({ digest: desc.digest, bytes });
          await dst.push(desc, open);
        },
      });
      const events: CopyEvent[] = [];
      await copyGraph(src, root, capturing, ['v1'], { onEvent: (e) => events.push(e) });
      expect(seen.find((s) => s.digest === layer.digest)?.bytes?.equals(data)).toBe(true);
      expect(seen.find((s) => s.digest === config.digest)?.bytes).toBeUndefined(); // bytes in memory: stream only
      const progress = events.filter((e) => e.type === 'progress' && e.descriptor.digest === layer.digest).map((e) => (e.type === 'progress' ? e.bytes : 0));
      // The chunks (read once) and the stream (read again by the store) each count up to the size.
      expect(progress.filter((b) => b === data.length)).toHaveLength(2);
      expect(progress[0]).toBe(FILE_CHUNK_SIZE);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});


describe('a blob stream that goes wrong mid-copy', () => {
  /** One manifest over one layer of `size` bytes whose source sends far more, recording its fate. */
  function endlessSource(size = 8): { src: MemoryStore; root: Descriptor; layer: Descriptor; streams: Readable[]; ended: Set<Readable> } {
    const src = new MemoryStore();
    const layer: Descriptor = { mediaType: MediaType.imageLayerTarGzip, digest: digestBytes('layer'), size };
    const config = src.addContent(MediaType.imageConfig, Buffer.from('{}'));
    const root = src.addContent(MediaType.imageManifest, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.imageManifest, config, layers: [layer] })));
    const streams: Readable[] = [];
    const ended = new Set<Readable>();
    const fetch = src.fetch.bind(src);
    src.fetch = async (desc) => {
      if (desc.digest !== layer.digest) return fetch(desc);
      // 64 MiB at most, so that a test of a broken engine ends rather than spins.
      let left = 1024;
      const stream = new Readable({ read() { this.push(left-- > 0 ? Buffer.alloc(64 << 10, 0x61) : null); } });
      stream.on('end', () => ended.add(stream));
      streams.push(stream);
      return stream;
    };
    return { src, root, layer, streams, ended };
  }

  it('stops a source that sends more than its size, with an error naming the digest', async () => {
    const { src, root, layer, streams } = endlessSource();
    const dst = new RecordingTarget(new MemoryStore());
    // Capped, so that without the check this fails instead of reading forever.
    dst.push = async (_desc, open) => void (await readAll(open(), 1 << 20));
    await expect(copyGraph(src, root, dst, ['v1'])).rejects.toThrow(`content for ${layer.digest} is larger than its 8 bytes`);
    await new Promise((r) => setImmediate(r));
    expect(streams.every((s) => s.destroyed)).toBe(true);
  });

  it('destroys the source stream when the destination gives up on it (a full disk, a refused upload)', async () => {
    const { src, root, layer, streams, ended } = endlessSource(1 << 30);
    const dst = new RecordingTarget(new MemoryStore());
    dst.push = async (desc, open) => {
      if (desc.digest !== layer.digest) return dst.store.push(desc, open);
      const stream = open();
      await new Promise<void>((r) =>
        stream.once('data', () => {
          stream.pause();
          r();
        }),
      );
      stream.destroy(new Error('ENOSPC'));
      throw new Error('no space left on device');
    };
    await expect(copyGraph(src, root, dst, ['v1'])).rejects.toThrow('no space left on device');
    await new Promise((r) => setImmediate(r));
    expect(streams).toHaveLength(1);
    // Destroyed where it stood, not left paused nor read to its end.
    expect(streams[0]!.destroyed).toBe(true);
    expect(ended.size).toBe(0);
  });
});
