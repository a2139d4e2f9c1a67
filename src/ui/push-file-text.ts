// Plain progress lines and results for `lazyoci push FILE REF`.
import type { CopyEvent } from '../copy/events.js';
import type { PushFileResult } from '../push/push-file.js';
import { formatBytes } from './output.js';
import { shortDigest } from './manifest-text.js';

export function pushFileEventLine(event: CopyEvent): string {
  const d = event.descriptor;
  switch (event.type) {
    case 'copied':
      return `uploaded ${shortDigest(d.digest)} (${formatBytes(d.size)}) to ${event.target}`;
    case 'skipped':
      return `${shortDigest(d.digest)} already in ${event.target}, skipped`;
    case 'exists':
      return `${shortDigest(d.digest)} and everything it references already in ${event.target}, nothing to upload`;
    case 'mounted':
      return `mounted ${shortDigest(d.digest)} (${formatBytes(d.size)}) from ${event.from}`;
    case 'tagged':
      return `tagged ${shortDigest(d.digest)} as ${event.tag}`;
  }
}

/** -o json|yaml: `reference`, `digest`, `mediaType` (spec §4). */
export function pushFileData(r: PushFileResult): { reference: string; digest: string; mediaType: string } {
  return { reference: r.reference, digest: r.digest, mediaType: r.mediaType };
}

export function pushFileText(file: string): (r: { reference: string; digest: string }) => string {
  return (r) => `pushed ${file} → ${r.reference} (${r.digest})`;
}
