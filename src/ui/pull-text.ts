// Plain progress lines for `lazyoci pull` on stderr.
import { join } from 'node:path';
import type { PullFilesResult, SkippedLayer } from '../ops/pull-files.js';
import type { PullResult } from '../ops/pull.js';
import { terminalSafe as safe } from './terminal-safe.js';
import type { TagMove } from '../content/oci-layout-store.js';

export function pullSummaryLine(r: PullResult): string {
  if (r.copied === 0) return `all content already present in ${safe(r.dest)}; nothing downloaded`;
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
  return `pulled ${safe(r.reference)} → ${safe(r.dest)} (${safe(r.digest)})`;
}

/** `warning: DEST: tag v1 now points to sha256:… (was sha256:…, from host/a:v1)`. */
export function tagMovedWarning(move: TagMove): string {
  const from = move.previousSource === undefined ? '' : `, from ${move.previousSource}`;
  return safe(`warning: ${move.layout}: tag ${move.tag} now points to ${move.digest} (was ${move.previous}${from})`);
}

/** -o json|yaml of `pull --format files`: where each file went, and the layers left out. */
export function pullFilesData(r: PullFilesResult): PullFilesResult & { format: 'files' } {
  return {
    reference: r.reference,
    digest: r.digest,
    mediaType: r.mediaType,
    ...(r.artifactType === undefined ? {} : { artifactType: r.artifactType }),
    ...(r.platform === undefined ? {} : { platform: r.platform }),
    dest: r.dest,
    format: 'files',
    files: r.files.map((f) => ({ path: f.path, digest: f.digest, size: f.size, mediaType: f.mediaType })),
    skipped: r.skipped.map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType })),
  };
}

export function pullFilesText(r: PullFilesResult): string {
  return r.files.map((f) => `${safe(join(r.dest, f.path))} (${safe(f.digest)})`).join('\n');
}

/** `note: skipped layer sha256:… (type, N bytes): it has no file name`. */
export function skippedLayerNote(l: SkippedLayer): string {
  return safe(`note: skipped layer ${l.digest} (${l.mediaType}, ${l.size} bytes): it has no org.opencontainers.image.title to name a file`);
}
