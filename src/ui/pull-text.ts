// Plain progress lines for `lazyoci pull` on stderr.
import type { CopyEvent } from '../copy/events.js';
import type { PullResult } from '../push/pull.js';
import { formatBytes } from './output.js';
import { shortDigest } from './manifest-text.js';

export function pullEventLine(event: CopyEvent, source: string): string {
  const d = event.descriptor;
  switch (event.type) {
    case 'copied':
      return `pulled ${shortDigest(d.digest)} (${formatBytes(d.size)}) from ${source}`;
    case 'mounted':
      return `${shortDigest(d.digest)} mounted from ${event.from} into ${event.target}`;
    case 'skipped':
      return `${shortDigest(d.digest)} already in the layout, skipped`;
    case 'exists':
      return `${shortDigest(d.digest)} and everything it references already in the layout, nothing to download`;
    case 'tagged':
      return `named ${shortDigest(d.digest)} "${event.tag}" in ${event.target}`;
  }
}

export function pullSummaryLine(r: PullResult): string {
  if (r.copied === 0) return `all content already present in ${r.dest}; nothing downloaded`;
  return `${r.copied} written, ${r.skipped} already present`;
}

/** -o json|yaml: `reference`, `digest`, `mediaType`, `dest` (spec §4), then the details. */
export function pullData(r: PullResult): PullResult {
  return {
    reference: r.reference,
    digest: r.digest,
    mediaType: r.mediaType,
    dest: r.dest,
    tag: r.tag,
    ...(r.platform === undefined ? {} : { platform: r.platform }),
    copied: r.copied,
    skipped: r.skipped,
  };
}

export function pullText(r: PullResult): string {
  return `pulled ${r.reference} → ${r.dest} (${r.digest})`;
}
