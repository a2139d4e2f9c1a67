// The descriptors a manifest or index points at, which must exist before it does.
import { isIndexMediaType, isManifestMediaType } from '../oci/media-types.js';
import type { Descriptor, ImageIndex, ImageManifest } from '../oci/types.js';
import { parseManifestDocument } from '../oci/validate-manifest.js';

/** Children of a manifest or index, after its JSON has been checked (ContentError if malformed). */
export function manifestChildren(desc: Descriptor, bytes: Buffer): Descriptor[] {
  const doc = parseManifestDocument(desc, bytes);
  // The media type decided what was checked, so it decides what is read.
  if (isIndexMediaType(desc.mediaType)) return [...(doc as ImageIndex).manifests];
  const manifest = doc as ImageManifest;
  return [manifest.config, ...manifest.layers];
}

export function isGraphNode(desc: Descriptor): boolean {
  return isManifestMediaType(desc.mediaType);
}
