// Text views of a build: the closing summary and plain progress lines for stderr.
import { LazyOciError } from '../errors/index.js';
import type { ArtifactResult, BuildEvent } from '../ops/build.js';
import { copyEventLine } from './copy-event-text.js';
import { formatBytes } from './format.js';
import { terminalSafe as safe } from './terminal-safe.js';

export function buildSummaryText(results: ArtifactResult[], mode: { dryRun: boolean; noPush: boolean }): string {
  const lines: string[] = [];
  const verb = mode.dryRun ? 'would push' : mode.noPush ? 'not pushed' : 'pushed';
  for (const artifact of results) {
    lines.push(`${safe(artifact.name)} (${artifact.type})`);
    for (const t of artifact.targets) {
      if (t.error !== undefined) lines.push(`  ✗ ${safe(t.reference)}  ${safe(t.error)}`);
      else if (t.digest === null) lines.push(`  · ${safe(t.reference)}  digest ${safe(t.note ?? 'not computed')}`);
      else lines.push(`  ${t.pushed ? '✓' : '·'} ${safe(t.reference)}  ${safe(t.digest)}  ${t.pushed ? pushedText(t) : verb}`);
    }
  }
  return lines.join('\n');
}

/** `pushed`, plus how the blobs got there when any was mounted. */
function pushedText(t: ArtifactResult['targets'][number]): string {
  if (t.mounted === undefined || t.mounted === 0) return 'pushed';
  return `pushed (${t.uploaded ?? 0} uploaded, ${t.mounted} mounted, ${t.skipped ?? 0} already there)`;
}

/** One plain progress line, or undefined for events that have none (byte counts). */
export function buildEventLine(event: BuildEvent): string | undefined {
  switch (event.type) {
    case 'packaging':
    case 'target-done':
      return undefined;
    case 'not-packaged':
      return `${safe(event.artifact)}: digest ${safe(event.note)}`;
    case 'packaged':
      return `${safe(event.artifact)}: packaged ${event.blobs} blob${event.blobs === 1 ? '' : 's'}, ${formatBytes(event.size)}, ${safe(event.digest)}`;
    case 'target-failed': {
      const hint = event.error instanceof LazyOciError && event.error.hint !== undefined ? `\n  hint: ${safe(event.error.hint)}` : '';
      return `${safe(event.artifact)}: ${safe(event.target)} failed: ${safe(event.error.message)}${hint}`;
    }
    case 'copy': {
      const line = copyEventLine(event.event, 'uploaded');
      return line === undefined ? undefined : `${safe(event.artifact)}: ${line}`;
    }
  }
}
