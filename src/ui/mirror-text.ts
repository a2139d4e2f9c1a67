// Text views of `lazyoci mirror`: a progress line per finished item, the result table
// with a summary and every failure, and the `--why IMAGE` answer.
import type { ImageItem, MirrorEvent, MirrorResult } from '../ops/mirror/mirror.js';
import { terminalSafe as safe } from './terminal-safe.js';

function shortDigest(digest: string | undefined): string {
  return digest === undefined ? '' : digest.slice(0, 19);
}

/**
 * A plain progress line: the plan resolved, or one item ended, numbered `[done/total]`
 * (the copy engine's own lines come from copy-event-text.ts). Starts have no line.
 */
export function mirrorEventLine(event: MirrorEvent, progress?: { done: number; total: number | undefined }): string | undefined {
  if (event.type === 'resolved') return `resolved ${event.charts} chart version${event.charts === 1 ? '' : 's'} and ${event.images} image${event.images === 1 ? '' : 's'}`;
  if (event.type !== 'item') return undefined;
  const tail = event.status === 'failed' ? `: ${safe(event.error ?? 'failed')}` : ` ${shortDigest(event.digest)}`;
  const at = progress === undefined ? '' : `[${progress.done}/${progress.total ?? '?'}] `;
  return `${at}${event.status} ${event.kind} ${safe(event.target || event.source)}${tail}`;
}

function counts(c: MirrorResult['summary']['charts'], dryRun: boolean): string {
  if (dryRun) return `${c.planned} planned${c.failed > 0 ? `, ${c.failed} failed` : ''}`;
  return `${c.copied} copied, ${c.skipped} already there, ${c.failed} failed`;
}

export function mirrorText(r: MirrorResult): string {
  const lines: string[] = [];
  const where = r.layout ?? r.target;
  if (r.charts.length > 0) {
    lines.push(`charts → ${safe(where)}`);
    for (const c of r.charts) {
      lines.push(`  ${c.status.padEnd(8)} ${safe(c.target || `${c.chart} ${c.version}`)}  ${shortDigest(c.digest)}  ← ${safe(c.source)}`);
    }
  }
  if (r.images.length > 0) {
    lines.push(`images → ${safe(where)}`);
    for (const i of r.images) {
      lines.push(`  ${i.status.padEnd(8)} ${safe(i.target || i.source)}  ${shortDigest(i.digest)}  ← ${safe(i.source)}${i.platforms === undefined ? '' : ` [${i.platforms.join(', ')}]`}`);
    }
  }
  const failures = [
    ...r.charts.filter((c) => c.status === 'failed').map((c) => `  chart ${safe(c.key)} ${safe(c.version)}: ${safe(c.error ?? 'failed')}`),
    ...r.images.filter((i) => i.status === 'failed').map((i) => `  image ${safe(i.source)}: ${safe(i.error ?? 'failed')}`),
  ];
  if (failures.length > 0) lines.push(`failed (${failures.length}):`, ...failures);
  lines.push(`${r.dryRun ? 'dry run, nothing sent: ' : ''}charts ${counts(r.summary.charts, r.dryRun)}; images ${counts(r.summary.images, r.dryRun)}`);
  return lines.join('\n');
}

export function whyText(image: string, matches: ImageItem[]): string {
  const lines: string[] = [];
  for (const m of matches) {
    lines.push(`${safe(m.source)} → ${safe(m.target)}`);
    for (const where of m.foundIn) lines.push(`  ${safe(where)}`);
  }
  return lines.length > 0 ? lines.join('\n') : `${safe(image)}: not used by any chart or image set`;
}
