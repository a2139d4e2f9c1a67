// One plain line per copy-engine event, shared by build, push, pull and copy.
import type { CopyEvent } from '../copy/events.js';
import { formatBytes, shortDigest as short } from './format.js';
import { terminalSafe as safe } from './terminal-safe.js';

/** A digest as shown: abbreviated, and escaped, since an index can name any string. */
function shortDigest(digest: string): string {
  return safe(short(digest));
}

/**
 * `verb` says which way bytes moved: uploaded (build, push), pulled, copied. Transfer
 * starts and byte counts have no line of their own; the terminal view shows them.
 */
export function copyEventLine(event: CopyEvent, verb: 'uploaded' | 'pulled' | 'copied'): string | undefined {
  const d = event.descriptor;
  switch (event.type) {
    case 'copied':
      return `${verb} ${shortDigest(d.digest)} (${formatBytes(d.size)}) to ${safe(event.target)}`;
    case 'mounted':
      return `mounted ${shortDigest(d.digest)} (${formatBytes(d.size)}) from ${safe(event.from)} into ${safe(event.target)}`;
    case 'skipped':
      return `${shortDigest(d.digest)} already in ${safe(event.target)}`;
    case 'exists':
      return `${safe(event.target)} already has ${shortDigest(d.digest)} and everything it references; writing tags only`;
    case 'started':
    case 'progress':
      return undefined;
    case 'tagged':
      return `tagged ${safe(event.target)}:${safe(event.tag)}`;
  }
}
