// Text views of `lazyoci copy`: progress lines for stderr, the result line, the -o json shape.
import type { CopyArtifactResult } from '../ops/copy-artifact.js';
import { terminalSafe as safe } from './terminal-safe.js';

/** The stable -o json|yaml shape (spec §4): image, digest and tag; `referrers` only with --referrers. */
export function copyData(r: CopyArtifactResult): { image: string; digest: string; tag: string; referrers?: CopyArtifactResult['referrers'] } {
  return { image: r.image, digest: r.digest, tag: r.tag, ...(r.referrers === undefined ? {} : { referrers: r.referrers }) };
}

export function copyText(r: { image: string; digest: string; source: string; referrers?: CopyArtifactResult['referrers'] }): string {
  const line = `copied ${safe(r.source)} → ${safe(r.image)} (${safe(r.digest)})`;
  if (r.referrers === undefined) return line;
  const via = { api: 'referrers API', fallback: 'fallback tag', 'cosign-tag': 'cosign tag' } as const;
  return [
    `${line} with ${r.referrers.length} referrer${r.referrers.length === 1 ? '' : 's'}`,
    ...r.referrers.map((x) => `  ${safe(x.artifactType ?? '')} ${safe(x.digest)} → ${safe(x.subject)} (${via[x.via]})`),
  ].join('\n');
}
