// Text views of `browse files` and `browse config`: `ls -l`-like file lists with the
// layer that wrote each path, the layer table with wasted space, and the image config.
import type { EntryType, LayerEntry } from '../content/layer-entries.js';
import type { ChangeKind } from '../content/layer-merge.js';
import type { ImageConfigSummary } from '../ops/image-config.js';
import type { ImageFiles, WastedSpace } from '../ops/inspect-files.js';
import { formatBytes, shortDigest } from './format.js';
import { formatTable } from './table.js';

const TYPE_LETTER: Record<EntryType, string> = { file: '-', dir: 'd', symlink: 'l', hardlink: 'h', char: 'c', block: 'b', fifo: 'p', other: '?' };

/** `drwxr-xr-x`, with s/S and t/T for setuid, setgid and sticky; `h` marks a hard link. */
export function modeString(type: EntryType, mode: number): string {
  const bit = (mask: number, ch: string): string => (mode & mask ? ch : '-');
  const special = (exec: number, flag: number, set: string): string => (mode & flag ? (mode & exec ? set : set.toUpperCase()) : bit(exec, 'x'));
  return (
    TYPE_LETTER[type] +
    bit(0o400, 'r') + bit(0o200, 'w') + special(0o100, 0o4000, 's') +
    bit(0o40, 'r') + bit(0o20, 'w') + special(0o10, 0o2000, 's') +
    bit(0o4, 'r') + bit(0o2, 'w') + special(0o1, 0o1000, 't')
  );
}

/** A path as listed: absolute, with where a link points. */
export function entryName(entry: Pick<LayerEntry, 'path' | 'type' | 'linkTarget'>): string {
  const name = entry.path === '.' ? '/' : `/${entry.path}`;
  if (entry.type === 'symlink') return `${name} -> ${entry.linkTarget ?? ''}`;
  if (entry.type === 'hardlink') return `${name} link to /${entry.linkTarget ?? ''}`;
  return name;
}

const MARK: Record<ChangeKind, string> = { added: '+', changed: '~', removed: '-', unchanged: ' ' };

export function wastedLine(w: WastedSpace): string {
  return `wasted: ${formatBytes(w.bytes)} of ${formatBytes(w.totalBytes)} in files (${w.percent.toFixed(1)}%), in files a later layer replaced or deleted`;
}

function layerTable(files: ImageFiles): string {
  const rows = [['LAYER', 'DIGEST', 'SIZE', 'FILES', 'CONTENT', 'WASTED']];
  for (const l of files.layers) rows.push([String(l.index), shortDigest(l.digest), formatBytes(l.size), String(l.entries), formatBytes(l.fileBytes), formatBytes(l.wastedBytes)]);
  return formatTable(rows);
}

export function filesText(files: ImageFiles): string {
  const head = `${files.reference}${files.platform === undefined ? '' : ` (${files.platform})`} ${shortDigest(files.digest)}`;
  if (files.layer !== undefined) {
    const l = files.layers[files.layer.index]!;
    const rows = files.layer.changes.map((c) => [MARK[c.change], modeString(c.type, c.mode), `${c.uid}:${c.gid}`, c.type === 'file' || c.type === 'hardlink' ? String(c.size) : '', entryName(c)]);
    return [
      `${head} layer ${l.index} ${shortDigest(l.digest)} (${formatBytes(l.size)}): + added, ~ changed, - removed`,
      rows.length === 0 ? '(empty layer)' : formatTable(rows),
    ].join('\n');
  }
  const rows = (files.files ?? []).map((f) => [modeString(f.type, f.mode), `${f.uid}:${f.gid}`, f.type === 'file' || f.type === 'hardlink' ? String(f.size) : '', String(f.layer), entryName(f)]);
  return [
    head,
    formatTable([['MODE', 'OWNER', 'SIZE', 'LAYER', 'PATH'], ...rows]),
    '',
    layerTable(files),
    wastedLine(files.wasted),
  ].join('\n');
}

function quoteArgs(args: readonly string[]): string {
  return args.length === 0 ? '' : JSON.stringify(args);
}

export function configText(c: ImageConfigSummary): string {
  const head: string[][] = [
    ['reference', c.reference],
    ['digest', c.digest],
    ...(c.platform !== undefined ? [['platform', c.platform]] : c.os !== undefined ? [['platform', [c.os, c.architecture, c.variant].filter(Boolean).join('/')]] : []),
    ...(c.created === undefined ? [] : [['created', c.created]]),
    ...(c.author === undefined ? [] : [['author', c.author]]),
    ['entrypoint', quoteArgs(c.entrypoint)],
    ['cmd', quoteArgs(c.cmd)],
    ['user', c.user ?? ''],
    ['working dir', c.workingDir ?? ''],
    ['exposed ports', c.exposedPorts.join(', ')],
    ...(c.volumes.length === 0 ? [] : [['volumes', c.volumes.join(', ')]]),
    ...(c.stopSignal === undefined ? [] : [['stop signal', c.stopSignal]]),
  ];
  const parts = [formatTable(head)];
  if (c.env.length > 0) parts.push('', 'env:', formatTable(c.env.map((e) => [e]), { indent: '  ' }));
  const labels = Object.entries(c.labels);
  if (labels.length > 0) parts.push('', 'labels:', formatTable(labels.map(([k, v]) => [k, v]), { indent: '  ' }));
  const rows = c.history.map((h) => [
    h.layer === undefined ? '-' : String(h.layer.index),
    h.layer === undefined ? '' : formatBytes(h.layer.size),
    h.created ?? '',
    h.createdBy ?? h.comment ?? '',
  ]);
  parts.push('', 'history:', rows.length === 0 ? '  (none recorded)' : formatTable([['LAYER', 'SIZE', 'CREATED', 'CREATED BY'], ...rows], { indent: '  ' }));
  if (c.unattributedLayers.length > 0) parts.push(`  layers with no history step: ${c.unattributedLayers.join(', ')}`);
  return parts.join('\n');
}
