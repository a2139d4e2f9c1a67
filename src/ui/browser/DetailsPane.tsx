// The details pane: a tab bar over the lines of the chosen sub-view, scrolled.
import { Box, Text } from 'ink';
import { useLayoutEffect, type ReactElement } from 'react';
import type { DetailsState } from './browser-state.js';
import { tabsFor, type Line } from './detail-tabs.js';
import type { Rect } from './layout.js';
import { Pane } from './Pane.js';
import type { Theme } from './themes.js';

export interface DetailsPaneProps {
  rect: Rect;
  details: DetailsState;
  /** The reference shown, for the title. */
  reference?: string;
  focused: boolean;
  theme: Theme;
  /** A tab drawn by a view (inside/InsideView.tsx) instead of its lines; undefined for lines. */
  renderTab?: (tabId: string, rows: number) => ReactElement | undefined;
  /** How far the shown lines can scroll (a view's own Scrolled reports for it). */
  onScrollLimit?: (max: number) => void;
}

function toneColor(line: Line, theme: Theme): string | undefined {
  if (theme.plain === true) return undefined;
  if (line.tone === 'heading') return theme.accent;
  if (line.tone === 'dim') return theme.dim;
  if (line.tone === 'error') return theme.error;
  return undefined;
}

/** The tabs from the first one that keeps the shown tab within the width. */
function visibleTabs<T extends { title: string }>(tabs: T[], shown: T, width: number): T[] {
  const at = tabs.indexOf(shown);
  let start = 0;
  const used = (from: number) => tabs.slice(from, at + 1).reduce((n, t) => n + t.title.length + 2, 0);
  while (start < at && used(start) > width) start++;
  return tabs.slice(start);
}

/** The lines of a tab at most; the rest is never laid out. */
const MAX_LINES = 5000;

export function DetailsPane({ rect, details, reference, focused, theme, renderTab, onScrollLimit }: DetailsPaneProps) {
  const rows = Math.max(1, rect.height - 4);
  const tabs = details.data === undefined ? [] : tabsFor(details.data);
  const tab = tabs[Math.min(details.tab, tabs.length - 1)];
  const view = tab === undefined || details.data === undefined ? undefined : renderTab?.(tab.id, rows);
  const lines = tab === undefined || details.data === undefined || view !== undefined ? [] : tab.lines(details.data).slice(0, MAX_LINES);
  const limit = Math.max(0, lines.length - rows);
  // Before the views' own effects: a view that scrolls (inside/InsideView.tsx Scrolled) then
  // reports its limit; one that does not leaves scrolling unbounded.
  useLayoutEffect(() => onScrollLimit?.(view === undefined ? limit : Number.MAX_SAFE_INTEGER));
  const title = `4 Details${reference === undefined ? '' : ` ${reference}`}`;
  if (details.data === undefined) {
    const body = details.loading ? 'loading…' : details.error === undefined ? 'Enter on a tag shows its manifest here' : undefined;
    return (
      <Pane rect={rect} title={title} focused={focused} theme={theme}>
        {body === undefined ? null : <Text color={theme.plain === true ? undefined : theme.dim}>{body}</Text>}
        {details.error === undefined ? null : (
          <Box flexDirection="column">
            <Text color={theme.plain === true ? undefined : theme.error} wrap="wrap">
              {details.error.message}
            </Text>
            {details.error.hint === undefined ? null : <Text color={theme.plain === true ? undefined : theme.dim} wrap="wrap">{details.error.hint}</Text>}
          </Box>
        )}
      </Pane>
    );
  }
  if (tab === undefined) return null;
  const scroll = Math.max(0, Math.min(details.scroll, limit));
  const more = lines.length > rows ? ` ${scroll + 1}-${Math.min(lines.length, scroll + rows)}/${lines.length}` : '';
  return (
    <Pane rect={rect} title={title} info={more} focused={focused} theme={theme}>
      <Text wrap="truncate-end">
        {visibleTabs(tabs, tab, rect.width - 2).map((t) => (
          <Text key={t.id} {...(t === tab ? (theme.plain === true ? { inverse: true } : { color: theme.selectedFg, backgroundColor: theme.selectedBg }) : {})}>
            {` ${t.title} `}
          </Text>
        ))}
      </Text>
      {view}
      {lines.slice(scroll, scroll + rows).map((line, i) => (
        <Text key={scroll + i} color={toneColor(line, theme)} bold={line.tone === 'heading'} wrap="truncate-end">
          {line.text === '' ? ' ' : line.text}
        </Text>
      ))}
    </Pane>
  );
}
