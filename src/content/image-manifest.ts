// Image manifests written by lazyoci itself: one fixed key order, so equal content
// always serialises to the same bytes and the same digest.
import type { ImageManifest } from '../oci/types.js';

export function encodeImageManifest(manifest: ImageManifest): Buffer {
  const ordered: ImageManifest = {
    schemaVersion: 2,
    mediaType: manifest.mediaType,
    ...(manifest.artifactType === undefined ? {} : { artifactType: manifest.artifactType }),
    config: manifest.config,
    layers: manifest.layers,
    ...(manifest.subject === undefined ? {} : { subject: manifest.subject }),
    ...(manifest.annotations === undefined || Object.keys(manifest.annotations).length === 0
      ? {}
      : { annotations: sortKeys(manifest.annotations) }),
  };
  return Buffer.from(JSON.stringify(ordered), 'utf8');
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
