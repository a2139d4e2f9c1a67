// `browse manifest` as a service: fetch a manifest or index, tell its kind, and add up
// sizes (for an index, each platform's manifest is read to total its config and layers).
import { RegistryError } from '../errors/index.js';
import { parseManifestDocument } from '../oci/validate-manifest.js';
import { detectArtifactKind, type ArtifactKind } from '../oci/artifact-kind.js';
import { isIndexMediaType, MediaType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/types.js';
import { createLimiter } from '../copy/limiter.js';
import type { FetchedManifest } from '../registry/client/manifests.js';

/** Reads manifests by tag or digest: a remote repository. */
export interface ManifestSource {
  fetchManifest(reference: string): Promise<FetchedManifest>;
}

export interface ManifestDocument {
  schemaVersion?: number;
  mediaType?: string;
  artifactType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface IndexEntrySummary {
  descriptor: Descriptor;
  /** Its kind and manifest + config + layers size, when the manifest could be read. */
  kind?: ArtifactKind;
  totalSize?: number;
  /** Everything it is made of, digest → size, so blobs shared by platforms count once. */
  parts?: Map<string, number>;
}

export interface ManifestSummary {
  /** What was asked for, as given. */
  reference: string;
  descriptor: Descriptor;
  document: ManifestDocument;
  kind: ArtifactKind;
  /** image-spec 1.1: the artifactType, else (for a manifest) the config media type. */
  artifactType: string | undefined;
  /** This document plus everything below it that is known. */
  totalSize: number;
  /** Index entries, in order; absent for a manifest. */
  entries?: IndexEntrySummary[];
}

/** Child manifests read at once when totalling an index. */
const CHILD_CONCURRENCY = 4;

/** Checked like every registry document (schema, digests, sizes), then kept whole for display. */
function parseDocument(desc: Pick<Descriptor, 'digest' | 'mediaType'>, bytes: Buffer): ManifestDocument {
  parseManifestDocument(desc, bytes);
  return JSON.parse(bytes.toString('utf8')) as ManifestDocument;
}

export function manifestArtifactType(doc: ManifestDocument): string | undefined {
  if (typeof doc.artifactType === 'string' && doc.artifactType !== '') return doc.artifactType;
  // The referrers API reports the config media type when artifactType is unset (distribution-spec).
  const configType = doc.config?.mediaType;
  return typeof configType === 'string' && configType !== MediaType.empty ? configType : undefined;
}

/** The manifest and its config and layers, digest → size. */
function manifestParts(desc: Descriptor, doc: ManifestDocument): Map<string, number> {
  const parts = new Map<string, number>([[desc.digest, desc.size]]);
  for (const d of [doc.config, ...(doc.layers ?? [])]) {
    if (d !== undefined && typeof d.digest === 'string' && typeof d.size === 'number') parts.set(d.digest, d.size);
  }
  return parts;
}

function sumSizes(parts: Map<string, number>): number {
  let total = 0;
  for (const size of parts.values()) total += size;
  return total;
}

async function summariseEntry(source: ManifestSource, entry: Descriptor): Promise<IndexEntrySummary> {
  try {
    const child = await source.fetchManifest(entry.digest);
    const doc = parseDocument(child.descriptor, child.bytes);
    // A nested index counts only its own bytes: its children are another level down.
    const parts = isIndexMediaType(child.descriptor.mediaType)
      ? new Map([[child.descriptor.digest, child.descriptor.size]])
      : manifestParts(child.descriptor, doc);
    return { descriptor: entry, kind: detectArtifactKind(doc), totalSize: sumSizes(parts), parts };
  } catch (err) {
    // An index may name a manifest the registry no longer has; show the rest.
    if (err instanceof RegistryError && err.status === 404) return { descriptor: entry };
    throw err;
  }
}

export async function inspectManifest(source: ManifestSource, reference: string, tagOrDigest: string): Promise<ManifestSummary> {
  const fetched = await source.fetchManifest(tagOrDigest);
  const document = parseDocument(fetched.descriptor, fetched.bytes);
  const descriptor = fetched.descriptor;
  const kind = detectArtifactKind(document);
  const summary: ManifestSummary = {
    reference,
    descriptor,
    document,
    kind,
    artifactType: manifestArtifactType(document),
    totalSize: descriptor.size,
  };
  if (isIndexMediaType(descriptor.mediaType) || (document.config === undefined && Array.isArray(document.manifests))) {
    const limit = createLimiter(CHILD_CONCURRENCY);
    summary.artifactType = typeof document.artifactType === 'string' ? document.artifactType : undefined;
    const entries = await Promise.all((document.manifests ?? []).map((m) => limit(() => summariseEntry(source, m))));
    const all = new Map<string, number>([[descriptor.digest, descriptor.size]]);
    for (const e of entries) for (const [digest, size] of e.parts ?? [[e.descriptor.digest, e.descriptor.size]]) all.set(digest, size);
    summary.entries = entries;
    summary.totalSize = sumSizes(all);
  } else {
    summary.totalSize = sumSizes(manifestParts(descriptor, document));
  }
  return summary;
}
