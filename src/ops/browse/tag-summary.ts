// One row of the browser's tag list: kind, digest, size and platforms, from the one
// manifest request a row may cost (an index's children are not read here: its
// platforms are in the index itself; its size waits for the details view).
import { detectArtifactKind, type ArtifactKind } from '../../oci/artifact-kind.js';
import { isIndexMediaType } from '../../oci/media-types.js';
import { formatPlatform } from '../../oci/platform.js';
import type { Descriptor } from '../../oci/types.js';
import { parseManifestDocument } from '../../oci/validate-manifest.js';
import type { FetchedManifest } from '../../registry/client/manifests.js';
import type { ManifestDocument } from '../inspect-manifest.js';

/** Reads a manifest by tag; `signal` gives the request up (the row left the screen). */
export interface SummarySource {
  fetchManifest(reference: string, signal?: AbortSignal): Promise<FetchedManifest>;
}

export interface TagSummary {
  kind: ArtifactKind;
  digest: string;
  /** Manifest + config + layers; for an index, absent (its children are not read). */
  size?: number;
  platforms: string[];
}

function sumOf(descriptors: (Descriptor | undefined)[]): number {
  let total = 0;
  for (const d of descriptors) if (d !== undefined && typeof d.size === 'number') total += d.size;
  return total;
}

export async function summariseTag(source: SummarySource, tag: string, signal?: AbortSignal): Promise<TagSummary> {
  const fetched = await source.fetchManifest(tag, signal);
  parseManifestDocument(fetched.descriptor, fetched.bytes);
  const doc = JSON.parse(fetched.bytes.toString('utf8')) as ManifestDocument;
  const kind = detectArtifactKind(doc);
  if (isIndexMediaType(fetched.descriptor.mediaType) || (doc.config === undefined && Array.isArray(doc.manifests))) {
    const platforms = (doc.manifests ?? []).flatMap((m) =>
      m.platform !== undefined && m.platform.os !== 'unknown' ? [formatPlatform(m.platform)] : [],
    );
    return { kind, digest: fetched.descriptor.digest, platforms: [...new Set(platforms)] };
  }
  return { kind, digest: fetched.descriptor.digest, size: fetched.descriptor.size + sumOf([doc.config, ...(doc.layers ?? [])]), platforms: [] };
}
