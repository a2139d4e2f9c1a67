// Text views of `lazyoci copy`: progress lines for stderr, the result line, the -o json shape.
import type { CopyArtifactResult } from '../ops/copy-artifact.js';
import { terminalSafe as safe } from './terminal-safe.js';

/** The stable -o json|yaml shape (spec §4): exactly image, digest and tag. */
export function copyData(r: CopyArtifactResult): { image: string; digest: string; tag: string } {
  return { image: r.image, digest: r.digest, tag: r.tag };
}

export function copyText(r: { image: string; digest: string; source: string }): string {
  return `copied ${safe(r.source)} → ${safe(r.image)} (${safe(r.digest)})`;
}
