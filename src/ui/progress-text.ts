// The words and figures of the progress view, kept apart from ink so they can be
// tested as plain strings and stay within 80 columns.
import type { BlobCounts, TransferSnapshot } from './transfer-progress.js';
import { formatBytes } from './format.js';

/** How bytes moved, as the plain lines say it too. */
export type TransferVerb = 'uploaded' | 'pulled' | 'copied';

export const BAR_WIDTH = 16;

/** Filled and empty parts of a bar, apart so the view can colour them differently. */
export function barParts(fraction: number, width = BAR_WIDTH): { filled: string; empty: string } {
  const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const n = Math.floor(clamped * width);
  return { filled: '█'.repeat(n), empty: '░'.repeat(width - n) };
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/** `<1s`, `45s`, `3:07`, `1:02:03`. */
export function formatEta(seconds: number): string {
  if (seconds < 1) return '<1s';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  const pad = (n: number): string => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

export function formatDuration(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : formatEta(ms / 1000);
}

/** Done fraction; against the bytes seen so far while the total is not known. */
export function doneFraction(s: TransferSnapshot): number {
  const total = s.totalBytes ?? s.seenBytes;
  return total === 0 ? 0 : s.doneBytes / total;
}

/** `48%  24.0 MiB / 50.0 MiB  5.1 MiB/s  ETA 5s`; `≥` marks a total still growing. */
export function transferFigures(s: TransferSnapshot): string {
  const parts: string[] = [];
  const total = s.totalBytes === undefined ? `≥${formatBytes(s.seenBytes)}` : formatBytes(s.totalBytes);
  parts.push(`${String(Math.floor(doneFraction(s) * 100)).padStart(3)}%`);
  parts.push(`${formatBytes(s.doneBytes)} / ${total}`);
  parts.push(s.rate === undefined ? '–' : formatRate(s.rate));
  if (s.etaSeconds !== undefined) parts.push(`ETA ${formatEta(s.etaSeconds)}`);
  return parts.join('  ');
}

/** `blobs: 2 uploaded, 1 skipped, 0 mounted of 3`. */
export function blobFigures(b: BlobCounts, verb: TransferVerb): string {
  const of = b.total ?? b.seen;
  return `blobs: ${b.transferred} ${verb}, ${b.skipped} skipped, ${b.mounted} mounted of ${b.total === undefined ? `≥${of}` : of}`;
}

/** The closing figures of a finished transfer: `blobs: … · 40.0 MiB in 2.1 s`. */
export function doneFigures(s: TransferSnapshot, verb: TransferVerb): string {
  const bytes = s.totalBytes ?? s.doneBytes;
  return `${blobFigures(s.blobs, verb)} · ${formatBytes(bytes)} in ${formatDuration(s.elapsedMs)}`;
}
