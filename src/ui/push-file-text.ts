// Plain progress lines and results for `lazyoci push FILE REF`.
import type { PushFileResult } from '../ops/push-file.js';
import type { PushedLayer, PushFilesResult } from '../ops/push-files.js';
import { terminalSafe as safe } from './terminal-safe.js';

/** -o json|yaml: `reference`, `digest`, `mediaType` (spec §4). */
export function pushFileData(r: PushFileResult): { reference: string; digest: string; mediaType: string } {
  return { reference: r.reference, digest: r.digest, mediaType: r.mediaType };
}

export function pushFileText(file: string): (r: { reference: string; digest: string }) => string {
  return (r) => `pushed ${safe(file)} → ${safe(r.reference)} (${safe(r.digest)})`;
}

export interface PushFilesData {
  reference: string;
  digest: string;
  mediaType: string;
  artifactType: string;
  layers: PushedLayer[];
}

/** -o json|yaml of a files push: the push-file fields, the artifactType, and each layer. */
export function pushFilesData(r: PushFilesResult): PushFilesData {
  return {
    reference: r.reference,
    digest: r.digest,
    mediaType: r.mediaType,
    artifactType: r.artifactType,
    layers: r.layers.map((l) => ({ title: l.title, digest: l.digest, size: l.size, mediaType: l.mediaType })),
  };
}

export function pushFilesText(files: string): (r: PushFilesData) => string {
  return (r) => `pushed ${safe(files)} → ${safe(r.reference)} (${safe(r.digest)}, ${r.layers.length} file${r.layers.length === 1 ? '' : 's'}, ${safe(r.artifactType)})`;
}
