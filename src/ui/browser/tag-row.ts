// One line of the tags list: tag, kind, short digest, size, platforms, in fixed columns.
import type { RowState } from '../../ops/browse/row-loader.js';
import type { TagSummary } from '../../ops/browse/tag-summary.js';
import { formatBytes } from '../format.js';
import { terminalSafe } from '../terminal-safe.js';

export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text.padEnd(width);
  return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
}

/** Fits from the end: a long repository path keeps its last, telling, part (`…/team/app`). */
export function fitEnd(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text.padEnd(width);
  return width === 1 ? '…' : `…${text.slice(text.length - width + 1)}`;
}

const KIND = 8;
const SIZE = 8;
/** Kinds as the narrow column shows them; the details pane spells them out. */
const SHORT_KIND: Record<string, string> = { signature: 'sig', attestation: 'attest' };

export function tagColumnWidth(width: number): number {
  return Math.max(10, Math.min(32, Math.floor(width * 0.28)));
}

/** Hex digits of the digest shown: 12 as container tools do, 8 on a narrow screen. */
function digestWidth(width: number): number {
  return width >= 90 ? 12 : 8;
}

function platformsText(platforms: string[], room: number): string {
  const all = platforms.join(',');
  if (all.length <= room || platforms.length <= 1) return all;
  return `${platforms.length} platforms`;
}

export function tagRow(tag: string, state: RowState<TagSummary> | undefined, width: number): string {
  const tagWidth = tagColumnWidth(width);
  const name = fit(terminalSafe(tag), tagWidth);
  if (state === undefined || state.status === 'loading') return fit(`${name} ${state === undefined ? '' : '…'}`, width);
  if (state.status === 'failed') return fit(`${name} ! ${state.error}`, width);
  const s = state.value;
  const size = s.size === undefined ? '-' : formatBytes(s.size);
  const dw = digestWidth(width);
  const digest = s.digest.replace(/^sha256:/, '').slice(0, dw);
  const used = tagWidth + 1 + KIND + 1 + dw + 1 + SIZE + 1;
  return fit(`${name} ${fit(SHORT_KIND[s.kind] ?? s.kind, KIND)} ${digest} ${size.padStart(SIZE)} ${terminalSafe(platformsText(s.platforms, width - used))}`, width);
}

export function tagHeader(width: number): string {
  return fit(`${fit('TAG', tagColumnWidth(width))} ${fit('KIND', KIND)} ${fit('DIGEST', digestWidth(width))} ${'SIZE'.padStart(SIZE)} PLATFORMS`, width);
}
