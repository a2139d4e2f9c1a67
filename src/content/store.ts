// Small capability interfaces every store composes (remote repository, OCI layout, memory).
// Functions take the narrowest one they need (design rule 1).
import type { Readable } from 'node:stream';
import { ContentError } from '../errors/index.js';
import type { Descriptor } from '../oci/types.js';
import { describeLimit, readCapped } from './read-capped.js';

/** Reads content by descriptor. */
export interface Fetcher {
  fetch(desc: Descriptor): Promise<Readable>;
}

/** Answers whether content is already present. */
export interface ExistenceChecker {
  exists(desc: Descriptor): Promise<boolean>;
}

/** Opens content afresh each call, so an upload can be restarted. */
export interface ContentOpener {
  (): Readable;
  /**
   * The same bytes as chunks whose memory is reused (oci/file-chunks.ts): each is valid
   * only until the next is pulled. Only a consumer done with every chunk before it asks
   * for the next may use this; one that keeps chunks (say, to gather them into larger
   * pieces) must use the stream.
   */
  transient?: () => AsyncIterable<Buffer>;
}

/** A store that can read some content as reused-memory chunks (see ContentOpener). */
export interface TransientFetcher {
  /** Undefined when this content has no such form (bytes held in memory, say). */
  transientChunks(desc: Descriptor): (() => AsyncIterable<Buffer>) | undefined;
}

export function isTransientFetcher(value: object): value is TransientFetcher {
  return typeof (value as Partial<TransientFetcher>).transientChunks === 'function';
}

/** Stores content by descriptor; the store verifies digest and size. */
export interface Pusher {
  push(desc: Descriptor, open: ContentOpener): Promise<void>;
}

/** Writes a manifest under a tag in one step (a registry's `PUT /manifests/<tag>`). */
export interface ReferencePusher {
  pushReference(desc: Descriptor, manifest: Buffer, reference: string): Promise<void>;
}

export type Storage = Fetcher & ExistenceChecker & Pusher;

/** Where a copy can land: a store that can also be tagged. */
export type Target = Storage & ReferencePusher & {
  /** How the target names itself in events and output, e.g. `ghcr.io/o/app`. */
  readonly name: string;
  /**
   * True when having a manifest says nothing about the content below it (an OCI layout
   * anyone can edit): the copy engine then checks every descendant. A registry keeps its
   * graphs whole, so its existing manifests end the walk.
   */
  readonly graphsMayBeIncomplete?: boolean;
  /**
   * Get ready to transfer while the caller is still busy with something else (hashing
   * files): a registry is found and logged in to, so the first transfer starts at once.
   * Never fails: whatever went wrong fails the first real request the same way.
   */
  prepare?(): Promise<void>;
};

/** A repository on a registry, named the way references normalise them. */
export interface MountSource {
  readonly registry: string;
  readonly repository: string;
}

/** A target that can take a blob from another repository without the bytes moving. */
export interface Mounter {
  /** Whether `from` is another repository on this target's registry. */
  canMountFrom(from: MountSource): boolean;
  /** True when the registry mounted the blob; false means "upload it instead". */
  mount(desc: Descriptor, from: MountSource): Promise<boolean>;
}

/** A fetcher whose content lives in a registry repository (directly or behind an overlay). */
export interface MountableFetcher extends Fetcher {
  readonly mountSource: MountSource | undefined;
}

/**
 * A whole stream in memory, refusing (and destroying the stream) as soon as it passes
 * `limit`. `what` names the content in the error ("image config sha256:…").
 */
export async function readAll(stream: Readable, limit = Number.POSITIVE_INFINITY, what = 'content'): Promise<Buffer> {
  const { bytes, complete } = await readCapped(stream, limit);
  if (!complete) throw new ContentError(`${what} is larger than ${describeLimit(limit)}, the most lazyoci reads into memory for it`);
  return bytes;
}
