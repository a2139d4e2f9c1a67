// The `mountFrom` option: a copy whose source is no repository (a build's memory store)
// mounts blobs the caller knows another repository of the destination's registry holds.
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../content/memory-store.js';
import { readAll, type ContentOpener, type Mounter, type MountSource, type Target } from '../content/store.js';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/types.js';
import { copyGraph } from './copy-graph.js';
import type { CopyEvent } from './events.js';

/** A memory "repository" reg.example/dst that can mount from reg.example/held, unless told to decline. */
class MountingTarget implements Target, Mounter {
  readonly name = 'reg.example/dst';
  readonly store = new MemoryStore();
  readonly calls: string[] = [];
  constructor(
    readonly held: MemoryStore,
    readonly declines = false,
  ) {}
  canMountFrom(from: MountSource): boolean {
    return from.registry === 'reg.example' && from.repository !== 'dst';
  }
  async mount(desc: Descriptor, from: MountSource): Promise<boolean> {
    this.calls.push(`mount ${desc.digest} from ${from.repository}`);
    if (this.declines) return false;
    this.store.addBytes(desc, await readAll(await this.held.fetch(desc)));
    return true;
  }
  async exists(desc: Descriptor): Promise<boolean> {
    return this.store.exists(desc);
  }
  fetch(desc: Descriptor) {
    return this.store.fetch(desc);
  }
  async push(desc: Descriptor, open: ContentOpener): Promise<void> {
    this.calls.push(`push ${desc.digest}`);
    await this.store.push(desc, open);
  }
  async pushReference(desc: Descriptor, manifest: Buffer): Promise<void> {
    this.store.addBytes(desc, manifest);
  }
}

function artifact(): { src: MemoryStore; root: Descriptor; shared: Descriptor; own: Descriptor } {
  const src = new MemoryStore();
  const shared = src.addContent(MediaType.octetStream, Buffer.from('pushed to reg.example/held earlier'));
  const own = src.addContent(MediaType.octetStream, Buffer.from('new in this copy'));
  const config = src.addContent(MediaType.empty, Buffer.from('{}'));
  const manifest = { schemaVersion: 2, mediaType: MediaType.imageManifest, config, layers: [shared, own] };
  const root = src.addContent(MediaType.imageManifest, Buffer.from(JSON.stringify(manifest)));
  return { src, root, shared, own };
}

describe('copyGraph with mountFrom', () => {
  it('mounts the blobs mountFrom names and uploads the rest', async () => {
    const { src, root, shared, own } = artifact();
    const dst = new MountingTarget(src);
    const events: CopyEvent[] = [];
    const held: MountSource = { registry: 'reg.example', repository: 'held' };
    await copyGraph(src, root, dst, ['v1'], { mountFrom: (d) => (d.digest === shared.digest ? held : undefined), onEvent: (e) => events.push(e) });
    expect(dst.calls).toContain(`mount ${shared.digest} from held`);
    expect(dst.calls).not.toContain(`push ${shared.digest}`);
    expect(dst.calls).toContain(`push ${own.digest}`);
    expect(events.find((e) => e.type === 'mounted')).toMatchObject({ descriptor: { digest: shared.digest }, from: 'reg.example/held' });
    expect(await dst.store.exists(shared)).toBe(true);
  });

  it('uploads when the registry declines, and never asks for a repository of another registry', async () => {
    const { src, root, shared } = artifact();
    const declining = new MountingTarget(src, true);
    await copyGraph(src, root, declining, ['v1'], { mountFrom: () => ({ registry: 'reg.example', repository: 'held' }) });
    expect(declining.calls).toContain(`mount ${shared.digest} from held`);
    expect(declining.calls).toContain(`push ${shared.digest}`);

    const elsewhere = new MountingTarget(src);
    await copyGraph(src, root, elsewhere, ['v1'], { mountFrom: () => ({ registry: 'other.example', repository: 'held' }) });
    expect(elsewhere.calls.some((c) => c.startsWith('mount'))).toBe(false);
  });
});
