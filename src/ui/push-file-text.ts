// Plain progress lines and results for `lazyoci push FILE REF`.
import type { PushFileResult } from '../push/push-file.js';
import { terminalSafe as safe } from './terminal-safe.js';

/** -o json|yaml: `reference`, `digest`, `mediaType` (spec §4). */
export function pushFileData(r: PushFileResult): { reference: string; digest: string; mediaType: string } {
  return { reference: r.reference, digest: r.digest, mediaType: r.mediaType };
}

export function pushFileText(file: string): (r: { reference: string; digest: string }) => string {
  return (r) => `pushed ${safe(file)} → ${safe(r.reference)} (${safe(r.digest)})`;
}
