// `lazyoci copy` as a service: copy or retag what a reference names, a multi-platform
// index in full, stamping scoped annotations on the way, through the one copy engine.
import { parseManifestDocument } from '../oci/validate-manifest.js';
import type { Fetcher, MountSource, Target } from '../content/store.js';
import { copyGraph } from '../copy/copy-graph.js';
import type { CopyEventHandler } from '../copy/events.js';
import { ContentError, UsageError } from '../errors/index.js';
import { isIndexMediaType, isManifestMediaType } from '../oci/media-types.js';
import type { Descriptor, Digest } from '../oci/types.js';
import { formatReference, formatRepository, type Reference } from '../ref/reference.js';
import type { FetchedManifest } from '../registry/client/manifests.js';
import { graphBlobBytes, graphTotal, type GraphTotal } from './graph-total.js';
import { ManifestCache, OverlayFetcher } from './manifest-overlay.js';
import { copyReferrers, type CopiedReferrer } from './copy-referrers.js';
import type { DiscoverSource } from './discover.js';
import { isReferrerStore } from './index-referrer.js';

function isDiscoverSource(source: CopySource): source is CopySource & DiscoverSource {
  const s = source as Partial<DiscoverSource>;
  return typeof s.referrers === 'function' && typeof s.fallbackIndex === 'function';
}

/** Annotations to set, split by where they go (seed: `index:` / `manifest:` prefixes). */
export interface ScopedAnnotations {
  index: Record<string, string>;
  manifest: Record<string, string>;
}

/** Where a copy reads from: a remote repository (or anything that resolves references). */
export type CopySource = Fetcher & {
  readonly name: string;
  readonly mountSource?: MountSource;
  fetchManifest(reference: string): Promise<FetchedManifest>;
};

export interface CopyArtifactOptions {
  source: Reference;
  /** Must carry a tag. */
  dest: Reference;
  annotations?: ScopedAnnotations;
  /** Largest total of config and layer bytes allowed; not applied to a same-repository retag. */
  maxSize?: number;
  concurrency?: number;
  signal?: AbortSignal;
  onEvent?: CopyEventHandler;
  /** The size of what is copied, reported before the copy (not for a retag, which moves no blob). */
  onTotal?: (total: GraphTotal) => void;
  /** Copy the referrers of the copied manifests too (recursively), listed as the destination supports. */
  referrers?: boolean;
  /** Something went wrong that does not fail the copy (a refused clean-up of a replaced referrers index). */
  onWarning?: (message: string) => void;
  /** Least wait before a written fallback index is read back (tests shorten it). */
  settleMs?: number;
}

export interface CopyArtifactResult {
  /** Destination reference with its tag. */
  image: string;
  digest: Digest;
  tag: string;
  source: string;
  mediaType: string;
  /** Source and destination are one repository: no blob moves. */
  retag: boolean;
  /** `index:` keys given for a single image, which has no index to carry them. */
  ignoredIndexAnnotations: string[];
  /** Total config + layer bytes, when it was computed (for --max-size). */
  size?: number;
  /** With `referrers`: what followed the graph. */
  referrers?: CopiedReferrer[];
}

const ANNOTATION_SCOPES = ['index:', 'manifest:'] as const;

/** `[index:|manifest:]KEY=VALUE` flags → annotations per scope; unscoped keys go on manifests. */
export function parseAnnotationFlags(values: readonly string[]): ScopedAnnotations {
  const out: ScopedAnnotations = { index: {}, manifest: {} };
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq === -1) throw new UsageError(`--annotation "${value}": expected KEY=VALUE`);
    let key = value.slice(0, eq);
    let scope: keyof ScopedAnnotations = 'manifest';
    for (const prefix of ANNOTATION_SCOPES) {
      if (key.startsWith(prefix)) {
        scope = prefix === 'index:' ? 'index' : 'manifest';
        key = key.slice(prefix.length);
        break;
      }
    }
    if (key.trim() === '') throw new UsageError(`--annotation "${value}": the key is empty`);
    out[scope][key] = value.slice(eq + 1);
  }
  return out;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  k: 1024,
  ki: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
};

/** `1GiB`, `500MB`, `1048576` → bytes. KB/MB/GB are powers of 1000, KiB/MiB/GiB (and K/M/G) of 1024. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = SIZE_UNITS[(m?.[2] ?? '').toLowerCase()];
  if (m === null || unit === undefined) {
    throw new UsageError(`invalid size "${text}": use bytes or a number with KB, MB, GB, KiB, MiB or GiB`);
  }
  const bytes = Math.floor(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new UsageError(`invalid size "${text}": must be a positive number of bytes`);
  return bytes;
}

interface Doc {
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

function parseDoc(desc: Descriptor, bytes: Buffer): Doc {
  // Checked like every registry document; the raw object keeps fields the types do not name.
  parseManifestDocument(desc, bytes);
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as unknown;
    if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) return doc as Doc;
  } catch {
    // reported below
  }
  throw new ContentError(`manifest ${desc.digest} is not a JSON object`);
}

/** Add or overwrite `extra` on the document; false when every value was already there. */
function annotate(doc: Doc, extra: Record<string, string>): boolean {
  const entries = Object.entries(extra);
  if (entries.every(([k, v]) => doc.annotations?.[k] === v)) return false;
  doc.annotations = { ...(doc.annotations ?? {}), ...extra };
  return true;
}

/**
 * Rewrite `desc` with the annotations; only documents that change are re-serialised,
 * so untouched manifests keep their exact bytes and digests.
 */
async function rewrite(
  cache: ManifestCache,
  desc: Descriptor,
  bytes: Buffer,
  annotations: ScopedAnnotations,
  top: boolean,
): Promise<Descriptor> {
  const doc = parseDoc(desc, bytes);
  let changed = false;
  if (isIndexMediaType(desc.mediaType)) {
    if (Object.keys(annotations.manifest).length > 0 && Array.isArray(doc.manifests)) {
      const children: Descriptor[] = [];
      for (const child of doc.manifests) {
        if (!isManifestMediaType(child.mediaType)) {
          children.push(child);
          continue;
        }
        const next = await rewrite(cache, child, await cache.read(child), annotations, false);
        // A changed child gets a new digest and size; every other descriptor field stays.
        if (next.digest !== child.digest) changed = true;
        children.push(next.digest === child.digest ? child : { ...child, digest: next.digest, size: next.size });
      }
      doc.manifests = children;
    }
    if (top && annotate(doc, annotations.index)) changed = true;
  } else if (annotate(doc, annotations.manifest)) {
    changed = true;
  }
  if (!changed) return desc;
  const added = cache.memory.addContent(desc.mediaType, Buffer.from(JSON.stringify(doc)));
  return { ...desc, digest: added.digest, size: added.size };
}

function describeSize(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (bytes < 1024) return `${bytes} bytes`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]} (${bytes} bytes)`;
}

function sameRepository(a: Reference, b: Reference): boolean {
  return a.registry === b.registry && a.repository === b.repository;
}

export async function copyArtifact(source: CopySource, dest: Target, opts: CopyArtifactOptions): Promise<CopyArtifactResult> {
  const tag = opts.dest.tag;
  if (tag === undefined) throw new UsageError(`destination ${formatReference(opts.dest)} needs a tag (host/repository:tag)`);
  const annotations = opts.annotations ?? { index: {}, manifest: {} };
  if (opts.referrers === true) {
    if (Object.keys(annotations.index).length + Object.keys(annotations.manifest).length > 0) {
      throw new UsageError('--referrers cannot be combined with --annotation: new annotations change the digests the referrers name as their subject');
    }
    if (!isReferrerStore(dest) || !isDiscoverSource(source)) throw new UsageError('--referrers copies between registry repositories only');
  }
  const sourceName = formatReference(opts.source);
  const retag = sameRepository(opts.source, opts.dest);

  // A digest, when given, is what is copied; a tag beside it is only a label.
  const fetched = await source.fetchManifest(opts.source.digest ?? opts.source.tag ?? 'latest');
  const cache = new ManifestCache(source, opts.concurrency);
  cache.memory.addBytes(fetched.descriptor, fetched.bytes);
  const original = fetched.descriptor;
  const isIndex = isIndexMediaType(original.mediaType);

  const readsChildren =
    (!retag && (opts.maxSize !== undefined || opts.onTotal !== undefined)) || (isIndex && Object.keys(annotations.manifest).length > 0);
  // An index's manifests are read together, `concurrency` at a time, rather than one by one.
  if (readsChildren) await cache.readChildren(original, fetched.bytes);

  let size: number | undefined;
  if (opts.maxSize !== undefined && !retag) {
    // The cache always reads, so there always is a figure.
    size = (await graphBlobBytes(original, fetched.bytes, (desc) => cache.read(desc))) ?? 0;
    if (size > opts.maxSize) {
      throw new ContentError(
        `${sourceName} is ${describeSize(size)} of config and layers, more than the --max-size of ${describeSize(opts.maxSize)}; ` +
          'nothing was copied; the error is not retryable',
        { hint: 'raise --max-size, or copy a smaller artifact' },
      );
    }
  }

  const effective: ScopedAnnotations = isIndex ? annotations : { index: {}, manifest: annotations.manifest };
  const root = await rewrite(cache, original, fetched.bytes, effective, true);
  if (opts.onTotal !== undefined && !retag) {
    // The manifests read here stay in the cache, and the copy reads them from there.
    const total = await graphTotal(root, await cache.read(root), (desc) => cache.read(desc));
    if (total !== undefined) opts.onTotal(total);
  }

  await copyGraph(new OverlayFetcher(cache.memory, source), root, dest, [tag], {
    ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    ...(opts.onEvent === undefined ? {} : { onEvent: opts.onEvent }),
  });

  let referrers: CopiedReferrer[] | undefined;
  if (opts.referrers === true && isReferrerStore(dest) && isDiscoverSource(source)) {
    // Referrers may name the index or any manifest in it (attach --all-platforms).
    const subjects: Digest[] = [root.digest];
    if (isIndex) {
      const index = parseDoc(root, await cache.read(root));
      for (const child of index.manifests ?? []) if (isManifestMediaType(child.mediaType)) subjects.push(child.digest);
    }
    referrers = await copyReferrers(source, dest, subjects, {
      ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      ...(opts.onEvent === undefined ? {} : { onEvent: opts.onEvent }),
      ...(opts.onWarning === undefined ? {} : { onWarning: opts.onWarning }),
      ...(opts.settleMs === undefined ? {} : { settleMs: opts.settleMs }),
    });
  }

  return {
    ...(referrers === undefined ? {} : { referrers }),
    image: `${formatRepository(opts.dest)}:${tag}`,
    digest: root.digest,
    tag,
    source: sourceName,
    mediaType: root.mediaType,
    retag,
    ignoredIndexAnnotations: isIndex ? [] : Object.keys(annotations.index),
    ...(size === undefined ? {} : { size }),
  };
}
