// `lazyoci attach REF FILE…`: push files as an artifact whose `subject` is REF's manifest
// (or each platform's manifest of an index), then make it discoverable: the referrers
// API where the registry has one, else the `<alg>-<hex>` fallback index.
import type { Target } from '../content/store.js';
import { DigestCache } from '../content/digest-cache.js';
import { copyGraph } from '../copy/copy-graph.js';
import type { CopyEventHandler } from '../copy/events.js';
import { ContentError, UsageError } from '../errors/index.js';
import { isIndexMediaType, MediaType } from '../oci/media-types.js';
import { availablePlatforms, formatPlatform, parsePlatform, selectPlatform } from '../oci/platform.js';
import type { Descriptor, Digest, ImageIndex, ImageManifest } from '../oci/types.js';
import { parseManifestDocument } from '../oci/validate-manifest.js';
import { formatReference, type Reference } from '../ref/reference.js';
import type { FetchedManifest } from '../registry/client/manifests.js';
import { indexReferrer, type ReferrerStore } from './index-referrer.js';
import { packageArtifact } from './package-artifact.js';
import { asPlannedArtifact, checkFiles, type PushFilesInput } from './push-files.js';

/** A repository to attach in: read the subject, push the artifact, keep the index. */
export type AttachTarget = Target & ReferrerStore & { fetchManifest(reference: string): Promise<FetchedManifest> };

export type AttachEvent =
  | { type: 'attached'; subject: Digest; platform?: string; digest: Digest; via: 'api' | 'fallback'; tag?: string }
  | { type: 'warning'; message: string };

export interface AttachOptions {
  /** The subject: a tag or digest of a manifest or index. */
  reference: Reference;
  files: PushFilesInput[];
  artifactType: string;
  annotations?: Record<string, string>;
  /** Attach to this platform's manifest of an index. */
  platform?: string;
  /** Attach to every platform's manifest of an index (one artifact each). */
  allPlatforms?: boolean;
  concurrency?: number;
  signal?: AbortSignal;
  onEvent?: (event: AttachEvent) => void;
  onCopyEvent?: CopyEventHandler;
  /** Least wait before a written fallback index is read back (tests shorten it). */
  settleMs?: number;
}

export interface AttachedArtifact {
  subject: { digest: Digest; mediaType: string; platform?: string };
  digest: Digest;
  mediaType: string;
  artifactType: string;
  size: number;
  via: 'api' | 'fallback';
  /** The fallback tag, when that is how it is found. */
  tag?: string;
}

export interface AttachResult {
  reference: string;
  attached: AttachedArtifact[];
}

interface Subject {
  descriptor: Descriptor;
  platform?: string;
}

/** The manifests to attach to: REF's own, or platform manifests of its index. */
function pickSubjects(ref: string, fetched: FetchedManifest, opts: AttachOptions): Subject[] {
  const root: Descriptor = fetched.descriptor;
  if (opts.platform === undefined && opts.allPlatforms !== true) return [{ descriptor: root }];
  if (!isIndexMediaType(root.mediaType)) {
    throw new UsageError(`${ref} is a single manifest, not an index: drop ${opts.allPlatforms === true ? '--all-platforms' : '--platform'}`);
  }
  const index = parseManifestDocument(root, fetched.bytes) as ImageIndex;
  // Build attestations ride in indexes as "unknown/unknown" entries: not a platform.
  const platforms = index.manifests.filter((m) => m.platform !== undefined && m.platform.os !== 'unknown');
  if (opts.allPlatforms === true) {
    if (platforms.length === 0) throw new UsageError(`${ref} is an index without platform entries; attach to it without --all-platforms`);
    return platforms.map((m) => ({ descriptor: m, platform: formatPlatform(m.platform!) }));
  }
  const wanted = parsePlatform(opts.platform!);
  const picked = selectPlatform(platforms, wanted);
  if (picked === undefined) {
    throw new UsageError(`${ref} has no ${formatPlatform(wanted)} manifest (it has ${availablePlatforms(platforms).join(', ') || 'none'})`);
  }
  return [{ descriptor: picked, platform: formatPlatform(picked.platform!) }];
}

export async function attach(target: AttachTarget, opts: AttachOptions): Promise<AttachResult> {
  if (opts.files.length === 0) throw new UsageError('attach needs at least one file');
  if (opts.platform !== undefined && opts.allPlatforms === true) throw new UsageError('--platform and --all-platforms exclude each other');
  if (opts.platform !== undefined) parsePlatform(opts.platform);
  await checkFiles(opts.files, opts.artifactType);
  const ref = formatReference(opts.reference);

  const fetched = await target.fetchManifest(opts.reference.digest ?? opts.reference.tag ?? 'latest');
  const subjects = pickSubjects(ref, fetched, opts);
  // Refused before anything is pushed: a fallback tag holding something else stays as it is.
  for (const subject of subjects) {
    const existing = await target.fallbackIndex(subject.descriptor.digest);
    if (existing.state === 'not-index') {
      throw new ContentError(
        `${target.name}:${existing.tag} holds a ${existing.descriptor.mediaType} (${existing.descriptor.digest}), not the image index of referrers; lazyoci leaves it alone and attached nothing`,
        { hint: `the tag ${existing.tag} is reserved for the referrers of ${subject.descriptor.digest} (OCI distribution-spec referrers tag schema); move what it holds elsewhere` },
      );
    }
  }
  const planned = asPlannedArtifact({ files: opts.files, artifactType: opts.artifactType, ...(opts.annotations === undefined ? {} : { annotations: opts.annotations }) });
  const digests = DigestCache.inMemory();
  const attached: AttachedArtifact[] = [];
  for (const subject of subjects) {
    const packaged = await packageArtifact(planned, {
      env: {},
      digests,
      subject: subject.descriptor,
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
    let existed = false;
    await copyGraph(packaged.store, packaged.root, target, [], {
      ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      onEvent: (event) => {
        if (event.type === 'exists') existed = true;
        opts.onCopyEvent?.(event);
      },
    });
    const indexed = await indexReferrer(target, subject.descriptor.digest, packaged.root, packaged.manifest, {
      existed,
      onWarning: (message) => opts.onEvent?.({ type: 'warning', message }),
      ...(opts.settleMs === undefined ? {} : { settleMs: opts.settleMs }),
    });
    const manifest = JSON.parse(packaged.manifest.toString('utf8')) as ImageManifest;
    const entry: AttachedArtifact = {
      subject: { digest: subject.descriptor.digest, mediaType: subject.descriptor.mediaType, ...(subject.platform === undefined ? {} : { platform: subject.platform }) },
      digest: packaged.root.digest,
      mediaType: packaged.root.mediaType,
      artifactType: manifest.artifactType ?? MediaType.unknownArtifact,
      size: packaged.root.size,
      via: indexed.via,
      ...(indexed.tag === undefined ? {} : { tag: indexed.tag }),
    };
    attached.push(entry);
    opts.onEvent?.({
      type: 'attached',
      subject: entry.subject.digest,
      ...(subject.platform === undefined ? {} : { platform: subject.platform }),
      digest: entry.digest,
      via: entry.via,
      ...(entry.tag === undefined ? {} : { tag: entry.tag }),
    });
  }
  return { reference: ref, attached };
}
