// Text views of `lazyoci attach` and `lazyoci discover`: result lines, the referrers
// tree, and the -o json shapes.
import type { AttachResult } from '../ops/attach.js';
import type { DiscoverResult, ReferrerNode } from '../ops/discover.js';
import { terminalSafe as safe } from './terminal-safe.js';

export function attachData(r: AttachResult): AttachResult {
  return r;
}

export function attachText(r: AttachResult): string {
  return r.attached
    .map((a) => {
      const on = a.subject.platform === undefined ? safe(r.reference) : `${safe(r.reference)} [${safe(a.subject.platform)}]`;
      const how = a.via === 'api' ? 'listed by the registry (referrers API)' : `listed in the fallback tag ${safe(a.tag ?? '')}`;
      return `attached ${safe(a.artifactType)} ${safe(a.digest)} to ${on} (${safe(a.subject.digest)}); ${how}`;
    })
    .join('\n');
}

export function discoverData(r: DiscoverResult): DiscoverResult {
  return r;
}

const SOURCE_LABEL: Record<ReferrerNode['source'], string> = { api: 'api', fallback: 'fallback tag', cosign: 'cosign tag' };

function nodeLine(n: ReferrerNode): string {
  const type = n.artifactType ?? n.mediaType;
  const from = n.tag === undefined ? SOURCE_LABEL[n.source] : `${SOURCE_LABEL[n.source]} ${n.tag}`;
  const marks = [n.cycle === true ? 'seen above, not expanded' : '', n.depthLimited === true ? 'depth limit' : ''].filter((m) => m !== '');
  return `${safe(type)} ${safe(n.digest)} ${n.size} B (${safe(from)})${marks.length === 0 ? '' : ` [${marks.join(', ')}]`}`;
}

function annotationLines(n: ReferrerNode, indent: string): string[] {
  return Object.entries(n.annotations ?? {}).map(([k, v]) => `${indent}${safe(k)}=${safe(v)}`);
}

/** `-o tree`: the subject, then each referrer under what it refers to, with annotations. */
export function discoverTree(r: DiscoverResult): string {
  const lines = [`${safe(r.reference)} ${safe(r.subject.digest)}`];
  const draw = (nodes: readonly ReferrerNode[], prefix: string): void => {
    nodes.forEach((n, i) => {
      const last = i === nodes.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${nodeLine(n)}`);
      const inner = `${prefix}${last ? '    ' : '│   '}`;
      lines.push(...annotationLines(n, `${inner}${n.referrers.length > 0 ? '│ ' : '  '}`));
      draw(n.referrers, inner);
    });
  };
  draw(r.referrers, '');
  if (r.referrers.length === 0) lines.push('(no referrers)');
  lines.push(...r.notes.map((n) => `note: ${safe(n)}`));
  return lines.join('\n');
}

/** Text: one line per referrer, indented by level. */
export function discoverText(r: DiscoverResult): string {
  const lines = [`referrers of ${safe(r.reference)} (${safe(r.subject.digest)}), ${r.api ? 'from the referrers API' : 'from the fallback tag (no referrers API)'}:`];
  const list = (nodes: readonly ReferrerNode[], depth: number): void => {
    for (const n of nodes) {
      lines.push(`${'  '.repeat(depth)}${nodeLine(n)}`);
      list(n.referrers, depth + 1);
    }
  };
  list(r.referrers, 1);
  if (r.referrers.length === 0) lines.push('  (none)');
  lines.push(...r.notes.map((n) => `note: ${safe(n)}`));
  return lines.join('\n');
}
