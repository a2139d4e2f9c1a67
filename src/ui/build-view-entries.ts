// A build snapshot as a list of rows in screen order, split into the finished prefix
// (printed once, above the live area, so a long build never outgrows the terminal)
// and the rows still changing.
import type { ArtifactSnapshot, TargetSnapshot } from './build-progress.js';

export type BuildEntry =
  | { kind: 'artifact'; key: string; artifact: ArtifactSnapshot }
  | { kind: 'target'; key: string; artifact: ArtifactSnapshot; target: TargetSnapshot };

function isFinal(entry: BuildEntry): boolean {
  if (entry.kind === 'artifact') return entry.artifact.state !== 'packaging';
  // A dry run never sends: its targets are done once the artifact is packaged.
  if (!entry.artifact.push) return entry.artifact.state !== 'packaging';
  return entry.target.final;
}

export function buildEntries(artifacts: readonly ArtifactSnapshot[]): BuildEntry[] {
  const entries: BuildEntry[] = [];
  artifacts.forEach((artifact, i) => {
    entries.push({ kind: 'artifact', key: `a${i}`, artifact });
    // When packaging failed no target was tried; the artifact's row says why.
    if (artifact.state === 'failed') return;
    artifact.targets.forEach((target, j) => entries.push({ kind: 'target', key: `a${i}t${j}`, artifact, target }));
  });
  return entries;
}

/**
 * Rows before the first unfinished one never change again; the rest are redrawn. The
 * last row always stays live: an empty live area would leave a blank line under the view.
 */
export function splitFinished(entries: readonly BuildEntry[]): { finished: BuildEntry[]; live: BuildEntry[] } {
  const first = entries.findIndex((e) => !isFinal(e));
  const at = Math.max(0, Math.min(first === -1 ? entries.length : first, entries.length - 1));
  return { finished: entries.slice(0, at), live: entries.slice(at) };
}
