// The details pane's sub-views, one tab each. A tab turns what was loaded into lines;
// a new view (layer files, referrers, request log) is one more entry in DETAIL_TABS.
// Every string that came from a registry goes through terminalSafe here.
import type { TagDetails } from '../../ops/browse/load-details.js';
import { formatBytes } from '../format.js';
import { terminalSafe } from '../terminal-safe.js';

export type LineTone = 'heading' | 'key' | 'dim' | 'error' | undefined;

export interface Line {
  text: string;
  tone?: LineTone;
}

export interface DetailTab {
  id: string;
  title: string;
  /** Shown for these details (a chart has no image config, an image no files). */
  applies(details: TagDetails): boolean;
  lines(details: TagDetails): Line[];
}

const safe = (value: unknown): string => terminalSafe(String(value));

function field(name: string, value: unknown): Line[] {
  if (value === undefined || value === '') return [];
  return [{ text: `${name.padEnd(13)} ${safe(value)}`, tone: 'key' }];
}

function section(title: string, body: Line[]): Line[] {
  return body.length === 0 ? [] : [{ text: '' }, { text: title, tone: 'heading' }, ...body];
}

function textLines(text: string): Line[] {
  return text.split('\n').map((l) => ({ text: terminalSafe(l.replace(/\r$/, '')) }));
}

function annotationLines(annotations: Record<string, string> | undefined): Line[] {
  return Object.entries(annotations ?? {}).map(([k, v]) => ({ text: `  ${safe(k)}: ${safe(v)}` }));
}

function overview(d: TagDetails): Line[] {
  const s = d.summary;
  const doc = s.document;
  const lines: Line[] = [
    ...field('kind', s.kind),
    ...field('digest', s.descriptor.digest),
    ...field('media type', s.descriptor.mediaType),
    ...field('artifactType', s.artifactType),
    ...field('size', `${formatBytes(s.totalSize)} (manifest ${formatBytes(s.descriptor.size)})`),
  ];
  if (s.entries !== undefined) {
    lines.push(
      ...section(
        `Platforms (${s.entries.length})`,
        s.entries.map((e) => {
          const p = e.descriptor.platform;
          const name = p === undefined ? '-' : `${p.os}/${p.architecture}${p.variant === undefined ? '' : `/${p.variant}`}`;
          const size = e.totalSize === undefined ? '?' : formatBytes(e.totalSize);
          return { text: `  ${safe(name).padEnd(20)} ${safe(e.kind ?? '?').padEnd(11)} ${size.padStart(9)}  ${safe(e.descriptor.digest)}` };
        }),
      ),
    );
  }
  if (doc.config !== undefined) {
    lines.push(...section('Config', [{ text: `  ${safe(doc.config.mediaType)}  ${formatBytes(doc.config.size)}  ${safe(doc.config.digest)}` }]));
  }
  if (doc.subject !== undefined) {
    lines.push(...section('Subject', [{ text: `  ${safe(doc.subject.mediaType)}  ${safe(doc.subject.digest)}` }]));
  }
  lines.push(...section('Annotations', annotationLines(doc.annotations)));
  if (d.problems.length > 0) lines.push(...section('Could not read', d.problems.map((p) => ({ text: `  ${safe(p)}`, tone: 'error' as const }))));
  return lines;
}

function layers(d: TagDetails): Line[] {
  const list = d.summary.document.layers ?? [];
  return [
    { text: `${list.length} layer${list.length === 1 ? '' : 's'}`, tone: 'heading' },
    ...list.flatMap((l, i) => [
      { text: `${String(i + 1).padStart(3)}  ${formatBytes(l.size).padStart(9)}  ${safe(l.mediaType)}` },
      { text: `      ${safe(l.digest)}`, tone: 'dim' as const },
      ...annotationLines(l.annotations).map((a) => ({ text: `    ${a.text}`, tone: 'dim' as const })),
    ]),
  ];
}

function imageConfig(d: TagDetails): Line[] {
  const c = d.config!;
  const list = (items: string[] | undefined): Line[] => (items ?? []).map((v) => ({ text: `  ${safe(v)}` }));
  return [
    ...field('platform', c.os === undefined ? undefined : `${c.os}/${c.architecture ?? '?'}`),
    ...field('created', c.created),
    ...field('user', c.user),
    ...field('working dir', c.workingDir),
    ...field('entrypoint', c.entrypoint === undefined ? undefined : JSON.stringify(c.entrypoint)),
    ...field('cmd', c.cmd === undefined ? undefined : JSON.stringify(c.cmd)),
    ...field('ports', c.exposedPorts?.join(', ')),
    ...section('Env', list(c.env)),
    ...section('Labels', annotationLines(c.labels)),
    ...section(
      `History (${c.history.length})`,
      c.history.map((h) => ({ text: `  ${h.emptyLayer === true ? '     ' : 'layer'}  ${safe(h.createdBy ?? h.comment ?? '')}`, ...(h.emptyLayer === true ? { tone: 'dim' as const } : {}) })),
    ),
  ];
}

function files(d: TagDetails): Line[] {
  const list = d.files ?? [];
  if (list.length === 0) return [{ text: 'no layer has a file name (org.opencontainers.image.title)', tone: 'dim' }];
  return list.map((f) => ({ text: `${formatBytes(f.size).padStart(9)}  ${safe(f.title)}  ${safe(f.mediaType)}` }));
}

function raw(d: TagDetails): Line[] {
  return textLines(d.raw);
}

// Platforms, Layers, image Files, Config, Referrers and Requests are drawn by the views in
// inside/InsideView.tsx once their data is read; their lines here stand in until then.
const looking = (what: string) => (): Line[] => [{ text: `${what}…`, tone: 'dim' }];

export const DETAIL_TABS: DetailTab[] = [
  { id: 'overview', title: 'Overview', applies: () => true, lines: overview },
  { id: 'platforms', title: 'Platforms', applies: (d) => (d.summary.entries?.length ?? 0) > 0, lines: overview },
  { id: 'config', title: 'Config', applies: (d) => d.config !== undefined, lines: imageConfig },
  { id: 'layers', title: 'Layers', applies: (d) => (d.summary.document.layers?.length ?? 0) > 0, lines: layers },
  { id: 'image-files', title: 'Files', applies: (d) => d.summary.kind === 'image' && (d.summary.document.layers?.length ?? 0) > 0, lines: looking('reading the layers') },
  { id: 'chart', title: 'Chart', applies: (d) => d.chart?.chartYaml !== undefined, lines: (d) => textLines(d.chart!.chartYaml!) },
  { id: 'values', title: 'Values', applies: (d) => d.chart?.valuesYaml !== undefined, lines: (d) => textLines(d.chart!.valuesYaml!) },
  { id: 'files', title: 'Files', applies: (d) => d.files !== undefined, lines: files },
  { id: 'referrers', title: 'Referrers', applies: () => true, lines: looking('referrers: looking') },
  { id: 'requests', title: 'Requests', applies: () => true, lines: looking('requests') },
  { id: 'raw', title: 'JSON', applies: () => true, lines: raw },
];

export function tabsFor(details: TagDetails): DetailTab[] {
  return DETAIL_TABS.filter((t) => t.applies(details));
}
