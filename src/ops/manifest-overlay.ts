// Manifests read once and kept in memory, and a fetcher that serves them from there:
// a service that has to look at a graph before copying it (for a total, or to rewrite
// it) hands the copy engine an overlay, so no manifest is fetched twice.
import type { Readable } from 'node:stream';
import { MemoryStore } from '../content/memory-store.js';
import { describeLimit } from '../content/read-capped.js';
import { readAll, type Fetcher, type MountableFetcher, type MountSource } from '../content/store.js';
import { ContentError } from '../errors/index.js';
import { DEFAULT_CONCURRENCY, MANIFEST_LIMIT } from '../copy/copy-graph.js';
import { createLimiter, type Limiter } from '../copy/limiter.js';
import { isGraphNode, manifestChildren } from '../copy/manifest-children.js';
import { mountSourceOf } from '../copy/mount.js';
import type { Descriptor } from '../oci/types.js';

/**
 * The most manifest bytes one cache holds. Real graphs hold a few MiB at most (an index
 * of a thousand platforms is about 2 MiB); a hostile index can name tens of thousands of
 * 4 MiB manifests, which would otherwise all be held at once.
 */
export const MANIFESTS_HELD_LIMIT = 128 << 20;

/**
 * The manifests of the source graph, fetched once and kept in memory for the copy.
 * At most `concurrency` fetches run at once, however many children an index names
 * (an index of thousands must not open thousands of connections).
 */
export class ManifestCache {
  readonly #source: Fetcher;
  readonly #limit: Limiter;
  readonly #heldLimit: number;
  readonly #pending = new Map<string, Promise<Buffer>>();
  /** Declared sizes of the manifests fetched or being fetched. */
  #held = 0;
  readonly memory = new MemoryStore();

  constructor(source: Fetcher, concurrency = DEFAULT_CONCURRENCY, heldLimit = MANIFESTS_HELD_LIMIT) {
    this.#source = source;
    this.#limit = createLimiter(concurrency);
    this.#heldLimit = heldLimit;
  }

  /** Count a manifest against the limit by the size its parent declares (checked on arrival). */
  #reserve(desc: Descriptor): void {
    this.#held += desc.size;
    if (this.#held > this.#heldLimit) {
      throw new ContentError(
        `the manifests of this graph add up to more than ${describeLimit(this.#heldLimit)} (at ${desc.digest}), the most lazyoci holds in memory; nothing was copied`,
      );
    }
  }

  async read(desc: Descriptor): Promise<Buffer> {
    if (await this.memory.exists(desc)) return readAll(await this.memory.fetch(desc));
    let pending = this.#pending.get(desc.digest);
    if (pending === undefined) {
      this.#reserve(desc);
      pending = this.#limit(async () => {
        const bytes = await readAll(await this.#source.fetch(desc), MANIFEST_LIMIT, `manifest ${desc.digest}`);
        this.memory.addBytes({ mediaType: desc.mediaType, digest: desc.digest, size: desc.size }, bytes);
        return bytes;
      });
      this.#pending.set(desc.digest, pending);
      pending.then(
        () => this.#pending.delete(desc.digest),
        () => this.#pending.delete(desc.digest),
      );
    }
    return pending;
  }

  /** Read the manifests `bytes` (the document `desc`) points to, `concurrency` at a time. */
  async readChildren(desc: Descriptor, bytes: Buffer): Promise<void> {
    await Promise.all(manifestChildren(desc, bytes).filter(isGraphNode).map((child) => this.read(child)));
  }
}

/** Reads the documents held in memory from there and everything else from the source. */
export class OverlayFetcher implements MountableFetcher {
  readonly #memory: MemoryStore;
  readonly #base: Fetcher;
  readonly mountSource: MountSource | undefined;

  constructor(memory: MemoryStore, base: Fetcher) {
    this.#memory = memory;
    this.#base = base;
    // Blobs are never held in memory here, so they can still be mounted from the source repository.
    this.mountSource = mountSourceOf(base);
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    return (await this.#memory.exists(desc)) ? this.#memory.fetch(desc) : this.#base.fetch(desc);
  }
}
