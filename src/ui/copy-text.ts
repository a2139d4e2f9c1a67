// Text views of `lazyoci copy`: progress lines for stderr, the result line, the -o json shape.
import type { CopyEvent } from '../copy/events.js';
import type { CopyArtifactResult } from '../push/copy-artifact.js';
import { shortDigest } from './manifest-text.js';
import { formatBytes } from './output.js';

export function copyEventLine(event: CopyEvent): string {
  const d = event.descriptor;
  switch (event.type) {
    case 'copied':
      return `copied ${shortDigest(d.digest)} (${formatBytes(d.size)}) to ${event.target}`;
    case 'mounted':
      return `mounted ${shortDigest(d.digest)} (${formatBytes(d.size)}) from ${event.from}`;
    case 'skipped':
      return `${shortDigest(d.digest)} already in ${event.target}`;
    case 'exists':
      return `${event.target} already has ${shortDigest(d.digest)}; writing the tag only`;
    case 'tagged':
      return `tagged ${event.target}:${event.tag}`;
  }
}

/** The stable -o json|yaml shape (spec §4): exactly image, digest and tag. */
export function copyData(r: CopyArtifactResult): { image: string; digest: string; tag: string } {
  return { image: r.image, digest: r.digest, tag: r.tag };
}

export function copyText(r: { image: string; digest: string; source: string }): string {
  return `copied ${r.source} → ${r.image} (${r.digest})`;
}
