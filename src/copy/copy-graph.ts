// THE copy engine: moves the graph under a root descriptor from one store to another.
// Children before parents, each digest once, what the destination has is skipped,
// blob transfers bounded by `concurrency`, blobs mounted across repositories of one
// registry when both sides allow it; the root is written last, under its tags.
import { PassThrough, Readable } from 'node:stream';
import { readAll, type Fetcher, type Target } from '../content/store.js';
import { CancelledError } from '../errors/index.js';
import type { Descriptor, Digest } from '../oci/types.js';
import type { CopyEventHandler } from './events.js';
import { isGraphNode, manifestChildren } from './manifest-children.js';
import { createLimiter } from './limiter.js';
import { mountPlan } from './mount.js';

export interface CopyOptions {
  /** Blob transfers running at once. */
  concurrency?: number;
  onEvent?: CopyEventHandler;
  signal?: AbortSignal;
}

export const DEFAULT_CONCURRENCY = 4;
/** Manifests are small; a larger one is refused rather than buffered. */
const MANIFEST_LIMIT = 4 << 20;

/**
 * Copy `root` and everything it references from `src` to `dst`, then write the root
 * under every tag. When the destination already has the root, the graph below it is
 * complete by the registry's own guarantee, so only the tags are written (spec §5).
 */
export async function copyGraph(
  src: Fetcher,
  root: Descriptor,
  dst: Target,
  tags: readonly string[],
  options: CopyOptions = {},
): Promise<void> {
  const emit = options.onEvent ?? (() => undefined);
  const limit = createLimiter(options.concurrency ?? DEFAULT_CONCURRENCY);
  const rootBytes = await readAll(await src.fetch(root), MANIFEST_LIMIT);
  const checkCancelled = (): void => {
    if (options.signal?.aborted === true) throw new CancelledError('cancelled');
  };

  // Mount only when the source is a repository on the destination's registry (spec §5).
  const mounting = mountPlan(src, dst);

  if (await dst.exists(root)) {
    emit({ type: 'exists', target: dst.name, descriptor: root });
  } else {
    const done = new Map<Digest, Promise<void>>();

    const copyNode = (desc: Descriptor): Promise<void> => {
      let pending = done.get(desc.digest);
      if (pending === undefined) {
        pending = copyOne(desc);
        done.set(desc.digest, pending);
      }
      return pending;
    };

    const copyChildren = async (desc: Descriptor, bytes: Buffer): Promise<void> => {
      await Promise.all(manifestChildren(desc, bytes).map(copyNode));
    };

    const copyOne = async (desc: Descriptor): Promise<void> => {
      checkCancelled();
      if (isGraphNode(desc)) {
        if (await dst.exists(desc)) {
          emit({ type: 'skipped', target: dst.name, descriptor: desc });
          return;
        }
        const bytes = await readAll(await src.fetch(desc), MANIFEST_LIMIT);
        await copyChildren(desc, bytes);
        await dst.push(desc, () => bufferStream(bytes));
        emit({ type: 'copied', target: dst.name, descriptor: desc });
        return;
      }
      await limit(async () => {
        checkCancelled();
        if (await dst.exists(desc)) {
          emit({ type: 'skipped', target: dst.name, descriptor: desc });
          return;
        }
        if (mounting !== undefined && (await mounting.mounter.mount(desc, mounting.from))) {
          emit({ type: 'mounted', target: dst.name, descriptor: desc, from: `${mounting.from.registry}/${mounting.from.repository}` });
          return;
        }
        checkCancelled();
        await dst.push(desc, () => syncOpen(src, desc));
        emit({ type: 'copied', target: dst.name, descriptor: desc });
      });
    };

    await copyChildren(root, rootBytes);
    // Without a tag the root would never be written; store it by digest instead.
    if (tags.length === 0) {
      await dst.push(root, () => bufferStream(rootBytes));
      emit({ type: 'copied', target: dst.name, descriptor: root });
    }
  }

  checkCancelled();
  for (const tag of tags) {
    await dst.pushReference(root, rootBytes, tag);
    emit({ type: 'tagged', target: dst.name, descriptor: root, tag });
  }
}

function bufferStream(bytes: Buffer): Readable {
  return Readable.from([bytes]);
}

/** Adapt an async fetch to the synchronous opener a push expects, keeping backpressure. */
function syncOpen(src: Fetcher, desc: Descriptor): Readable {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  src.fetch(desc).then(
    (stream) => {
      stream.on('error', (err) => out.destroy(err));
      stream.pipe(out);
    },
    (err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  return out;
}
