import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../content/memory-store.js';
import { ContentError } from '../errors/index.js';
import type { Fetcher } from '../content/store.js';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/types.js';
import { ManifestCache } from './manifest-overlay.js';

/** A source that answers slowly and counts fetches: in flight now, at most, and per digest. */
class SlowSource implements Fetcher {
  readonly store = new MemoryStore();
  inFlight = 0;
  maxInFlight = 0;
  readonly fetches = new Map<string, number>();

  async fetch(desc: Descriptor): Promise<Readable> {
    this.fetches.set(desc.digest, (this.fetches.get(desc.digest) ?? 0) + 1);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 2));
    this.inFlight--;
    return this.store.fetch(desc);
  }
}

function wideIndex(source: SlowSource, children: number): { index: Descriptor; bytes: Buffer; manifests: Descriptor[] } {
  const config = source.store.addContent(MediaType.imageConfig, Buffer.from('{}'));
  const manifests = Array.from({ length: children }, (_, i) =>
    source.store.addContent(
      MediaType.imageManifest,
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.imageManifest, config, layers: [], annotations: { n: String(i) } })),
    ),
  );
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.imageIndex, manifests }));
  return { index: source.store.addContent(MediaType.imageIndex, bytes), bytes, manifests };
}

describe('ManifestCache', () => {
  it('reads the children of a wide index at most `concurrency` at a time, each once', async () => {
    const source = new SlowSource();
    const { index, bytes, manifests } = wideIndex(source, 50);
    const cache = new ManifestCache(source, 3);
    // Two readers asking for the same children at once still cost one fetch each.
    await Promise.all([cache.readChildren(index, bytes), cache.readChildren(index, bytes)]);
    expect(source.maxInFlight).toBe(3);
    expect(source.fetches.size).toBe(50);
    expect([...source.fetches.values()].every((n) => n === 1)).toBe(true);
    for (const m of manifests) expect(await cache.memory.exists(m)).toBe(true);
  });

  it('refuses a graph whose manifests add up to more than it may hold, before fetching past the limit', async () => {
    const source = new SlowSource();
    const { index, bytes, manifests } = wideIndex(source, 50);
    const cache = new ManifestCache(source, 2, manifests[0]!.size * 10);
    const err = await cache.readChildren(index, bytes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentError);
    expect((err as Error).message).toMatch(/the manifests of this graph add up to more than .* the most lazyoci holds in memory/);
    expect(source.fetches.size).toBeLessThanOrEqual(10);
  });
});
