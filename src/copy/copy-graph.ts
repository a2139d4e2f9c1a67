// THE copy engine: moves the graph under a root descriptor from one store to another.
// Children before parents, each digest once, what the destination has is skipped,
// blob transfers bounded by `concurrency`, blobs mounted across repositories of one
// registry when both sides allow it; the root is written last, under its tags.
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isTransientFetcher, readAll, type ContentOpener, type Fetcher, type MountSource, type Target } from '../content/store.js';
import { CancelledError, ContentError } from '../errors/index.js';
import type { Descriptor, Digest } from '../oci/types.js';
import type { CopyEvent, CopyEventHandler } from './events.js';
import { isGraphNode, manifestChildren } from './manifest-children.js';
import { createLimiter, type Limiter } from './limiter.js';
import { mountPlan, mountPlanFor } from './mount.js';

export interface CopyOptions {
  /** Blob transfers running at once. */
  concurrency?: number;
  onEvent?: CopyEventHandler;
  signal?: AbortSignal;
  /**
   * Another repository known to hold a blob (say, pushed earlier in the same build), to
   * mount from when the source itself is not one. Asked only for blobs the destination
   * lacks; a declined mount falls back to an upload.
   */
  mountFrom?: (desc: Descriptor) => MountSource | undefined;
}

export const DEFAULT_CONCURRENCY = 4;
/** Manifests are small; a larger one is refused rather than buffered. */
export const MANIFEST_LIMIT = 4 << 20;

/**
 * Copy `root` and everything it references from `src` to `dst`, then write the root
 * under every tag. When the destination already has the root, the graph below it is
 * complete by the registry's own guarantee, so only the tags are written (spec §5) —
 * unless the destination says it gives no such guarantee (an OCI layout).
 */
export async function copyGraph(
  src: Fetcher,
  root: Descriptor,
  dst: Target,
  tags: readonly string[],
  options: CopyOptions = {},
): Promise<void> {
  await new CopySession(src, dst, options).copy(root, tags);
}

/**
 * One copy from `src` to `dst`, whose blobs may be started before the root is known:
 * a packager that is still hashing files hands each finished blob to `prefetch`, so
 * uploads overlap the hashing of the rest, and `copy` then reuses that work.
 */
export class CopySession {
  readonly #src: Fetcher;
  readonly #dst: Target;
  readonly #emit: CopyEventHandler;
  readonly #limit: Limiter;
  readonly #signal: AbortSignal | undefined;
  readonly #mounting: ReturnType<typeof mountPlan>;
  readonly #mountFrom: CopyOptions['mountFrom'];
  readonly #done = new Map<Digest, Promise<void>>();

  constructor(src: Fetcher, dst: Target, options: CopyOptions = {}) {
    this.#src = src;
    this.#dst = dst;
    this.#emit = options.onEvent ?? (() => undefined);
    this.#limit = createLimiter(options.concurrency ?? DEFAULT_CONCURRENCY);
    this.#signal = options.signal;
    // Mount only when the source is a repository on the destination's registry (spec §5).
    this.#mounting = mountPlan(src, dst);
    this.#mountFrom = options.mountFrom;
  }

  /**
   * Start moving one blob now. The result is kept for `copy`, which waits for it; a
   * failure surfaces there (and is not reported twice here).
   */
  prefetch(desc: Descriptor): void {
    if (isGraphNode(desc)) return;
    this.#node(desc).catch(() => undefined);
  }

  /** Wait for every transfer started so far, ignoring failures (for a packager that gave up). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.#done.values());
  }

  async copy(root: Descriptor, tags: readonly string[]): Promise<void> {
    const rootBytes = await readAll(await this.#src.fetch(root), MANIFEST_LIMIT);
    const dst = this.#dst;
    if (this.#done.size === 0 && (await dst.exists(root))) {
      // Repairs what is missing or damaged below a root the destination only seems to have.
      if (dst.graphsMayBeIncomplete === true) await this.#children(root, rootBytes);
      this.#emit({ type: 'exists', target: dst.name, descriptor: root });
    } else {
      await this.#children(root, rootBytes);
      // Without a tag the root would never be written; store it by digest instead.
      if (tags.length === 0) {
        await dst.push(root, () => Readable.from([rootBytes]));
        this.#emit({ type: 'copied', target: dst.name, descriptor: root });
      }
    }
    this.#checkCancelled();
    for (const tag of tags) {
      await dst.pushReference(root, rootBytes, tag);
      this.#emit({ type: 'tagged', target: dst.name, descriptor: root, tag });
    }
  }

  #checkCancelled(): void {
    if (this.#signal?.aborted === true) throw new CancelledError('cancelled');
  }

  #node(desc: Descriptor): Promise<void> {
    let pending = this.#done.get(desc.digest);
    if (pending === undefined) {
      pending = isGraphNode(desc) ? this.#manifest(desc) : this.#limit(() => this.#blob(desc));
      this.#done.set(desc.digest, pending);
    }
    return pending;
  }

  async #children(desc: Descriptor, bytes: Buffer): Promise<void> {
    await Promise.all(manifestChildren(desc, bytes).map((child) => this.#node(child)));
  }

  /**
   * Each request for a manifest takes a slot of the same limiter as blobs (an index of
   * thousands must not send thousands at once), but no slot is held while its children
   * are copied: they need slots themselves.
   */
  async #manifest(desc: Descriptor): Promise<void> {
    this.#checkCancelled();
    const dst = this.#dst;
    if (await this.#limit(() => dst.exists(desc))) {
      // A layout's manifest does not vouch for what is under it: its blobs are checked too.
      if (dst.graphsMayBeIncomplete === true) {
        await this.#children(desc, await this.#limit(async () => readAll(await this.#src.fetch(desc), MANIFEST_LIMIT)));
      }
      this.#emit({ type: 'skipped', target: dst.name, descriptor: desc });
      return;
    }
    const bytes = await this.#limit(async () => readAll(await this.#src.fetch(desc), MANIFEST_LIMIT));
    await this.#children(desc, bytes);
    await this.#limit(() => dst.push(desc, () => Readable.from([bytes])));
    this.#emit({ type: 'copied', target: dst.name, descriptor: desc });
  }

  async #blob(desc: Descriptor): Promise<void> {
    this.#checkCancelled();
    const dst = this.#dst;
    if (await dst.exists(desc)) {
      this.#emit({ type: 'skipped', target: dst.name, descriptor: desc });
      return;
    }
    const mounting = this.#mounting ?? mountPlanFor(this.#mountFrom?.(desc), dst);
    if (mounting !== undefined && (await mounting.mounter.mount(desc, mounting.from))) {
      this.#emit({ type: 'mounted', target: dst.name, descriptor: desc, from: `${mounting.from.registry}/${mounting.from.repository}` });
      return;
    }
    this.#checkCancelled();
    this.#emit({ type: 'started', target: dst.name, descriptor: desc });
    await dst.push(desc, countingOpener(this.#src, desc, (event) => this.#emit(event), dst.name));
    this.#emit({ type: 'copied', target: dst.name, descriptor: desc });
  }
}

/** Progress is reported at most this often per blob (plus once at the end). */
const PROGRESS_STEP = 1 << 20;

/** Counts bytes for progress events; each open (an upload restart) counts from 0. */
function progressCounter(desc: Descriptor, emit: (event: CopyEvent) => void, target: string): (length: number) => void {
  let bytes = 0;
  let reported = 0;
  return (length) => {
    bytes += length;
    if (bytes - reported >= PROGRESS_STEP || bytes === desc.size) {
      reported = bytes;
      emit({ type: 'progress', target, descriptor: desc, bytes });
    }
  };
}

/** The source sent more than its descriptor says: refused as it arrives, never stored. */
function tooLong(desc: Descriptor, bytes: number): ContentError {
  return new ContentError(`content for ${desc.digest} is larger than its ${desc.size} bytes: the source sent ${bytes} or more`);
}

/**
 * The opener a push gets: the source's stream, adapted from its async fetch (keeping
 * backpressure), and, where the source has it, its reused-memory chunks. Both report
 * the bytes read through them and stop a source that sends more than its size.
 */
function countingOpener(src: Fetcher, desc: Descriptor, emit: (event: CopyEvent) => void, target: string): ContentOpener {
  const open: ContentOpener = () => {
    const count = progressCounter(desc, emit, target);
    let seen = 0;
    const out = new Transform({
      highWaterMark: 1 << 20,
      transform(chunk: Buffer, _enc, cb) {
        seen += chunk.length;
        if (seen > desc.size) {
          cb(tooLong(desc, seen));
          return;
        }
        count(chunk.length);
        cb(null, chunk);
      },
    });
    src.fetch(desc).then(
      (stream) => {
        // pipeline, not pipe: when the consumer gives up (a full disk, a failed check, a
        // refused upload) and destroys `out`, the source's body is destroyed with it.
        // Left paused, a response body keeps its request pending forever.
        pipeline(stream, out).catch(() => undefined);
      },
      (err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))),
    );
    return out;
  };
  const chunks = isTransientFetcher(src) ? src.transientChunks(desc) : undefined;
  if (chunks !== undefined) {
    open.transient = async function* counted() {
      const count = progressCounter(desc, emit, target);
      let seen = 0;
      for await (const chunk of chunks()) {
        seen += chunk.length;
        if (seen > desc.size) throw tooLong(desc, seen);
        count(chunk.length);
        yield chunk;
      }
    };
  }
  return open;
}
