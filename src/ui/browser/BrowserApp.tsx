// The browser's screen: four panes, a title line and a status line, an overlay slot.
// Keys go through the action table; state and use-case calls live in useBrowser.
import { Box, Text, useInput, useStdout } from 'ink';
import { useEffect, useRef, useState } from 'react';
import { DetailsPane } from './DetailsPane.js';
import { HelpOverlay } from './HelpOverlay.js';
import { keyNames } from './keys.js';
import { follow, HEADED, layoutFor, listRows, paneAt } from './layout.js';
import { ListPane } from './ListPane.js';
import type { MouseEvent, MouseSource } from './mouse.js';
import { StatusBar } from './StatusBar.js';
import { tagHeader, tagRow } from './tag-row.js';
import { PLAIN_THEME, themeNamed } from './themes.js';
import { useBrowser, type BrowserOptions } from './use-browser.js';
import { insideView } from './inside/InsideView.js';
import { terminalSafe } from '../terminal-safe.js';
import type { KnownRegistry } from '../../ops/browse/known-registries.js';

export interface BrowserAppProps extends Omit<BrowserOptions, 'pageSize'> {
  noColor: boolean;
  mouse?: MouseSource;
  /** Fixed size (tests); else the terminal's, followed on resize. */
  size?: { columns: number; rows: number };
}

function useTerminalSize(fixed?: { columns: number; rows: number }): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => fixed ?? { columns: stdout.columns || 80, rows: stdout.rows || 24 };
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed !== undefined) return;
    const onResize = (): void => setSize(read());
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [stdout, fixed]);
  return fixed ?? size;
}

const WHEEL_ROWS = 3;

/** Where a registry was found, in a word, so the name keeps the narrow pane's room. */
const SOURCE_LABEL: Record<KnownRegistry['sources'][number], string> = { 'command line': 'cli', saved: 'saved', 'docker config': 'docker', 'helm config': 'helm' };

export function BrowserApp(props: BrowserAppProps) {
  const size = useTerminalSize(props.size);
  const layoutRef = useRef(layoutFor(size.columns, size.rows, 'registries'));
  const b = useBrowser({
    ...props,
    pageSize: (pane) => (pane === 'details' ? layoutRef.current.details.height - 4 : listRows(layoutRef.current[pane], HEADED.has(pane))),
  });
  const { state, controller, rows } = b;
  const theme = props.noColor ? PLAIN_THEME : themeNamed(state.theme);
  const layout = layoutFor(size.columns, size.rows, state.focus);
  layoutRef.current = layout;

  // Scroll windows follow the cursors; kept between frames so the view moves as little as it can.
  const offsets = useRef<Record<'registries' | 'repositories' | 'tags', number>>({ registries: 0, repositories: 0, tags: 0 });
  for (const pane of ['registries', 'repositories', 'tags'] as const) {
    offsets.current[pane] = follow(offsets.current[pane], state[pane].cursor, listRows(layout[pane], HEADED.has(pane)), rows[pane].length);
  }
  const tagOffset = offsets.current.tags;
  const visibleTags = rows.tags.slice(tagOffset, tagOffset + listRows(layout.tags, true));
  // Summaries are asked for the rows on screen only; rows scrolled away are dropped from the queue.
  const visibleKey = visibleTags.join('\n');
  useEffect(() => {
    b.summaries?.show(visibleTags);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [visibleKey, b.summaries]);

  const elementOverlay = state.overlay?.kind === 'element';
  useInput(
    (input, key) => {
      for (const k of keyNames(input, key)) b.key(k.name, k.input);
    },
    { isActive: !elementOverlay },
  );

  const onMouse = useRef<(e: MouseEvent) => void>(() => undefined);
  onMouse.current = (e) => {
    // Reports that arrive together (a wheel turn, then a click) each see the one before.
    const state = b.current();
    if (state.overlay !== undefined || state.typing !== undefined) return;
    const pane = paneAt(layout, e.x, e.y);
    if (pane === undefined) return;
    if (e.kind === 'wheel-up' || e.kind === 'wheel-down') {
      const delta = e.kind === 'wheel-up' ? -WHEEL_ROWS : WHEEL_ROWS;
      if (pane === 'details') b.scrollDetails(delta);
      else b.setCursor(pane, state[pane].cursor + delta);
      return;
    }
    if (e.kind !== 'press' || e.button !== 0) return;
    if (state.focus !== pane) controller.focus(pane);
    if (pane === 'details') return;
    const row = e.y - layout[pane].top - 2 - (HEADED.has(pane) ? 1 : 0);
    if (row < 0) return;
    const index = offsets.current[pane] + row;
    if (index >= rows[pane].length) return;
    // A click selects a row; a click on the selected row opens it.
    if (index === state[pane].cursor) controller.enter();
    else b.setCursor(pane, index);
  };
  useEffect(() => props.mouse?.subscribe((e) => onMouse.current(e)), [props.mouse]);

  const reg = state.registries;
  const repos = state.repositories;
  const tags = state.tags;
  const count = (shown: number, total: number, filter: string, loading: boolean, more = false): string =>
    `${filter === '' ? `(${total}${more ? '+' : ''})` : `(${shown} of ${total}${more ? '+' : ''}) /${filter}`}${loading ? ' loading…' : ''}`;
  const openRepo = state.repository === undefined ? -1 : rows.repositories.indexOf(state.repository);
  const openTag = state.tag === undefined ? -1 : rows.tags.indexOf(state.tag);
  const openReg = state.registry === undefined ? -1 : rows.registries.findIndex((r) => r.name === state.registry);
  const tagWidth = layout.tags.width - 3;
  void b.summaryVersion;
  const place = [state.registry, state.repository, state.tag].filter((p) => p !== undefined).map((p) => terminalSafe(p!)).join(' › ');
  const c = (color: string): string | undefined => (theme.plain === true ? undefined : color);

  const repoEmpty =
    repos.unsupported !== undefined
      ? `${repos.unsupported}. Press Enter or : and type repo NAME to open a repository by its path.`
      : state.registry === undefined
        ? 'Enter on a registry lists its repositories'
        : repos.loading
          ? 'loading…'
          : 'no repositories';

  return (
    <Box flexDirection="column" width={layout.columns} height={layout.rows}>
      <Box height={1} width={layout.columns}>
        <Box flexGrow={1} overflow="hidden">
          <Text wrap="truncate-end">
            <Text bold color={c(theme.accent)}>lazyoci</Text> {place}
          </Text>
        </Box>
        <Text color={c(theme.dim)}> {props.readOnly ? 'read-only · ' : ''}{theme.name}</Text>
      </Box>
      {state.overlay?.kind === 'help' ? (
        <HelpOverlay pane={state.focus} width={layout.columns} height={layout.rows - 2} theme={theme} />
      ) : (
      <Box flexDirection="row" height={layout.rows - 2}>
        <Box flexDirection="column" width={layout.registries.width}>
          <ListPane
            rect={layout.registries}
            title="1 Registries"
            info={count(rows.registries.length, reg.items.length, reg.filter, reg.loading)}
            focused={state.focus === 'registries'}
            theme={theme}
            lines={rows.registries.map((r) => `${terminalSafe(r.name)}${r.label === undefined ? '' : ` (${terminalSafe(r.label)})`}  ${r.sources.map((src) => SOURCE_LABEL[src]).join(',')}`)}
            offset={offsets.current.registries}
            cursor={reg.cursor}
            openIndex={openReg}
            empty={reg.loading ? 'loading…' : 'none saved: press : and type registry HOST'}
            {...(reg.error === undefined ? {} : { error: reg.error })}
          />
          <ListPane
            rect={layout.repositories}
            title="2 Repositories"
            info={state.registry === undefined ? '' : count(rows.repositories.length, repos.items.length, repos.filter, repos.loading, !repos.done)}
            focused={state.focus === 'repositories'}
            theme={theme}
            lines={rows.repositories.map(terminalSafe)}
            keepEnd
            offset={offsets.current.repositories}
            cursor={repos.cursor}
            openIndex={openRepo}
            empty={repoEmpty}
            {...(repos.error === undefined ? {} : { error: repos.error })}
          />
        </Box>
        {state.overlay?.kind === 'element' ? (
          // A dialog (prompt, confirmation, registry form) takes the right column.
          <Box flexDirection="column" width={layout.tags.width} height={layout.rows - 2}>
            {state.overlay.element}
          </Box>
        ) : (
        <Box flexDirection="column" width={layout.tags.width}>
          <ListPane
            rect={layout.tags}
            title="3 Tags"
            info={state.repository === undefined ? '' : count(rows.tags.length, tags.items.length, tags.filter, tags.loading)}
            focused={state.focus === 'tags'}
            theme={theme}
            header={` ${tagHeader(tagWidth)}`}
            lines={rows.tags.map((t, i) =>
              i >= tagOffset && i < tagOffset + visibleTags.length ? tagRow(t, b.summaries?.get(t), tagWidth) : t,
            )}
            offset={tagOffset}
            cursor={tags.cursor}
            openIndex={openTag}
            empty={state.repository === undefined ? 'Enter on a repository lists its tags' : tags.loading ? 'loading…' : 'no tags'}
            {...(tags.error === undefined ? {} : { error: tags.error })}
          />
          <DetailsPane
            rect={layout.details}
            details={state.details}
            {...(state.tag === undefined ? {} : { reference: [state.tag, ...b.inside.state.drill].map(terminalSafe).join(' › ') })}
            focused={state.focus === 'details'}
            theme={theme}
            onScrollLimit={b.setDetailsLimit}
            renderTab={(tab, rows) =>
              state.details.data === undefined ? undefined : insideView({ tab, details: state.details.data, inside: b.inside, records: props.services.requests.records(), rows, scroll: state.details.scroll, onScrollLimit: b.setDetailsLimit, theme })
            }
          />
        </Box>
        )}
      </Box>
      )}
      <StatusBar state={state} width={layout.columns} theme={theme} filter={state.focus === 'details' ? '' : state[state.focus].filter} />
    </Box>
  );
}
