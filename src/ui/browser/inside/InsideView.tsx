// The details tabs drawn by the ready-made views (LayerList, FileTree, FilePreview,
// ConfigHistory, ReferrersTree, RequestLog) from the state use-inside.ts keeps. A tab
// this does not draw is left to its lines (detail-tabs.ts).
import { Box, Text } from 'ink';
import { useEffect, type ReactElement } from 'react';
import type { TagDetails } from '../../../ops/browse/load-details.js';
import type { RequestRecord } from '../../../registry/transport/request-log.js';
import { formatBytes } from '../../format.js';
import { terminalSafe as safe } from '../../terminal-safe.js';
import { ColorContext, Tint } from '../../Tint.js';
import type { Theme } from '../themes.js';
import { ConfigHistory } from '../views/ConfigHistory.js';
import { FilePreview } from '../views/FilePreview.js';
import { FileTree } from '../views/FileTree.js';
import { LayerList, windowStart, type LayerListItem } from '../views/LayerList.js';
import { ReferrersTree } from '../views/ReferrersTree.js';
import { RequestLog } from '../views/RequestLog.js';
import { collapsedOf, initiallyOpen } from './tree-model.js';
import type { Inside } from './use-inside.js';

export interface InsideViewProps {
  tab: string;
  details: TagDetails;
  inside: Inside;
  records: readonly RequestRecord[];
  /** Rows of the pane below the tab bar. */
  rows: number;
  /** The details' scroll offset (j/k in the Config and Referrers tabs). */
  scroll?: number;
  /** How far a taller-than-the-pane view can scroll, for the keys. */
  onScrollLimit?: (max: number) => void;
  theme: Theme;
}

export function layerItems(details: TagDetails, inside: Inside): LayerListItem[] {
  const { config, files } = inside.state;
  const steps = new Map((config.data?.history ?? []).flatMap((h) => (h.layer === undefined ? [] : [[h.layer.index, h.createdBy ?? h.comment] as const])));
  return (details.summary.document.layers ?? []).map((l, index) => {
    const read = files.data?.layers[index];
    const createdBy = steps.get(index);
    return {
      index,
      digest: l.digest,
      mediaType: l.mediaType,
      size: l.size,
      ...(createdBy === undefined ? {} : { createdBy }),
      ...(read === undefined ? {} : { fileBytes: read.fileBytes, wastedBytes: read.wastedBytes }),
    };
  });
}

function Dim({ children }: { children: string }) {
  return <Tint dim>{children}</Tint>;
}

function filesHeading(inside: Inside): string {
  const { files, treeLayer } = inside.state;
  const count = files.data?.layers.length ?? 0;
  if (treeLayer !== undefined) return `layer ${treeLayer} (of 0–${count - 1}): + added  ~ changed  - removed · Esc: all layers`;
  const w = files.data?.wasted;
  return `whole image, ${count} layer${count === 1 ? '' : 's'} applied${w === undefined || w.bytes === 0 ? '' : ` · wasted ${formatBytes(w.bytes)} (${w.percent.toFixed(0)}%)`} · o: first lines`;
}

/** Referrer rows drawn at most (a registry can list thousands). */
const MAX_REFERRER_ROWS = 2000;

function countNodes(nodes: readonly { referrers: readonly unknown[] }[]): number {
  return nodes.reduce((n, node) => n + 1 + countNodes(node.referrers as { referrers: unknown[] }[]), 0);
}

/** A view taller than the pane, moved up by the scroll offset (kept within its lines). */
function Scrolled({ lines, rows, scroll, onScrollLimit, children }: { lines: number; rows: number; scroll: number; onScrollLimit?: ((max: number) => void) | undefined; children: ReactElement }) {
  const limit = Math.max(0, lines - rows);
  useEffect(() => onScrollLimit?.(limit));
  const top = Math.min(scroll, limit);
  return (
    <Box flexDirection="column" flexShrink={0} marginTop={-top}>
      {children}
    </Box>
  );
}

function Body({ tab, details, inside, records, rows, scroll = 0, onScrollLimit }: InsideViewProps): ReactElement | undefined {
  const s = inside.state;
  switch (tab) {
    case 'layers': {
      const items = layerItems(details, inside);
      const read = s.files.data;
      const heading = `${items.length} layer${items.length === 1 ? '' : 's'}${read === undefined ? '' : ` · files ${formatBytes(read.wasted.totalBytes)} · wasted ${formatBytes(read.wasted.bytes)}`}${details.summary.kind === 'image' ? ' · Enter: its files' : ''}`;
      return (
        <Box flexDirection="column">
          <Dim>{heading}</Dim>
          <LayerList layers={items} selected={Math.min(s.layerCursor, items.length - 1)} height={rows - 1} />
        </Box>
      );
    }
    case 'image-files': {
      if (s.files.error !== undefined) return <Tint color="red">{safe(s.files.error)}</Tint>;
      const model = inside.tree();
      if (model === undefined) {
        const p = s.files.progress;
        return <Dim>{p === undefined ? 'reading the layers…' : `reading layer ${p.index + 1} of ${p.count}…`}</Dim>;
      }
      if (s.preview !== undefined) {
        const h = s.preview.head;
        return (
          <FilePreview
            path={`/${s.preview.path}`}
            {...(h === undefined ? {} : { content: h.content, size: h.size, truncated: h.truncated })}
            {...(s.preview.error === undefined ? {} : { error: s.preview.error })}
            maxLines={Math.max(1, rows - 2)}
          />
        );
      }
      // The cursor starts on the first row.
      const selected = s.treePath ?? model.root.children[0]?.path;
      return (
        <Box flexDirection="column">
          <Dim>{filesHeading(inside)}</Dim>
          <FileTree entries={model.entries} collapsed={collapsedOf(model, s.open ?? initiallyOpen(model))} {...(selected === undefined ? {} : { selected })} height={rows - 1} />
        </Box>
      );
    }
    case 'config': {
      const c = s.config.data;
      if (c === undefined) return undefined;
      const labels = Object.keys(c.labels).length;
      const lines = 8 + (c.env.length === 0 ? 0 : c.env.length + 1) + (labels === 0 ? 0 : labels + 1) + Math.max(1, c.history.length);
      return <Scrolled lines={lines} rows={rows} scroll={scroll} onScrollLimit={onScrollLimit}><ConfigHistory config={c} historyLines={c.history.length} /></Scrolled>;
    }
    case 'platforms': {
      const entries = details.summary.entries ?? [];
      const at = Math.min(s.platformCursor, entries.length - 1);
      const start = windowStart(entries.length, at, rows - 1);
      return (
        <Box flexDirection="column">
          <Dim>{`${entries.length} platform${entries.length === 1 ? '' : 's'} · Enter: its manifest, Esc: back`}</Dim>
          {entries.slice(start, start + rows - 1).map((e, i) => {
            const p = e.descriptor.platform;
            const name = p === undefined ? '-' : `${p.os}/${p.architecture}${p.variant === undefined ? '' : `/${p.variant}`}`;
            const selected = start + i === at;
            return (
              <Text key={e.descriptor.digest + String(i)} wrap="truncate-end" inverse={selected}>
                {selected ? '>' : ' '} {safe(name).padEnd(20)} {safe(e.kind ?? '?').padEnd(8)} {(e.totalSize === undefined ? '?' : formatBytes(e.totalSize)).padStart(9)} {safe(e.descriptor.digest)}
              </Text>
            );
          })}
        </Box>
      );
    }
    case 'referrers': {
      const r = s.referrers.data;
      const lines = r === undefined ? 1 : 2 + countNodes(r.referrers) + r.notes.length;
      return (
        <Scrolled lines={lines} rows={rows} scroll={scroll} onScrollLimit={onScrollLimit}>
          <ReferrersTree {...(r === undefined ? {} : { result: r })} {...(s.referrers.error === undefined ? {} : { error: s.referrers.error })} maxRows={MAX_REFERRER_ROWS} />
        </Scrolled>
      );
    }
    case 'requests':
      return <RequestLog records={records} height={Math.max(1, rows - 1)} />;
    default:
      return undefined;
  }
}

/** The tab drawn by a view, or undefined for a tab of lines. */
export function insideView(props: InsideViewProps): ReactElement | undefined {
  const body = Body(props);
  if (body === undefined) return undefined;
  return (
    <ColorContext.Provider value={props.theme.plain !== true}>
      <Box flexDirection="column" height={props.rows} overflow="hidden">
        <Box flexDirection="column" flexShrink={0}>
          {body}
        </Box>
      </Box>
    </ColorContext.Provider>
  );
}
