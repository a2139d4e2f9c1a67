// The browser's controller: view state plus the calls into the use cases that fill it.
// Actions (actions.ts) reach the state only through the BrowserController it returns.
import { useCallback, useEffect, useRef, useState } from 'react';
import { CancelledError } from '../../errors/index.js';
import type { BrowseServices } from '../../ops/browse/browse-services.js';
import type { CatalogReader } from '../../ops/browse/catalog-reader.js';
import { CatalogUnsupported } from '../../ops/browse/catalog-support.js';
import { RowLoader } from '../../ops/browse/row-loader.js';
import { sortTags } from '../../ops/browse/sort-tags.js';
import type { TagSummary } from '../../ops/browse/tag-summary.js';
import { parseReference } from '../../ref/reference.js';
import { actionFor, type BrowserController } from './actions.js';
import { emptyList, filterItems, initialState, plainText, registryText, type BrowserState, type StatusLine } from './browser-state.js';
import { parseCommand } from './command-line.js';
import { tabsFor } from './detail-tabs.js';
import { describeError } from './describe-error.js';
import { PANES, type PaneId } from './layout.js';
import { nextTheme, themeNamed } from './themes.js';
import { useInside, type Inside } from './inside/use-inside.js';
import { terminalSafe } from '../terminal-safe.js';
import { actionHandlers } from './action-handlers.js';
import type { BrowserTerminal } from './browser-terminal.js';
import { startTask } from './task-runner.js';

export interface InitialPlace {
  registry: string;
  repository?: string;
  /** A tag, or a digest (`sha256:…`). */
  tag?: string;
}

export interface BrowserOptions {
  services: BrowseServices;
  initial?: InitialPlace;
  theme: string;
  readOnly: boolean;
  saveTheme?: (name: string) => Promise<void>;
  onQuit: () => void;
  /** Rows each list shows, so page keys move by a screenful. */
  pageSize?: (pane: PaneId) => number;
  /** The terminal for OSC 52 and the pager; absent in component tests that need neither. */
  terminal?: BrowserTerminal;
  /** Dialogs drawn without colour (NO_COLOR). */
  noColor?: boolean;
}

/** Load more of the catalog when the cursor is this close to the end of what is loaded. */
const PREFETCH_ROWS = 20;

export interface Browser {
  state: BrowserState;
  controller: BrowserController;
  /** The filtered rows of each list, as shown. */
  rows: { registries: BrowserState['registries']['items']; repositories: string[]; tags: string[] };
  summaries: RowLoader<TagSummary> | undefined;
  /** The details views of what is inside the manifest (inside/use-inside.ts). */
  inside: Inside;
  /** Bumped when a tag summary arrives, so the rows redraw. */
  summaryVersion: number;
  setCursor(pane: PaneId, index: number): void;
  scrollDetails(delta: number): void;
  /** The details pane reports how far its shown tab can scroll. */
  setDetailsLimit(max: number): void;
  /** The state as of the last change (event handlers that run before the next frame). */
  current(): BrowserState;
  /** One key, as keys.ts names it: to the filter or command line being typed, else the action table. */
  key(name: string, input: string): void;
}

function clamp(n: number, count: number): number {
  return Math.max(0, Math.min(n, count - 1));
}

export function useBrowser(opts: BrowserOptions): Browser {
  const { services } = opts;
  const [state, setState] = useState<BrowserState>(() => initialState(opts.theme));
  // The state as of the last change, not the last frame: keys that arrive together (a
  // paste, tmux send-keys) each see what the one before did.
  const stateRef = useRef(state);
  const update = useCallback((f: (s: BrowserState) => BrowserState) => {
    stateRef.current = f(stateRef.current);
    setState(stateRef.current);
  }, []);
  const status = useCallback((line: StatusLine | undefined) => update((s) => ({ ...s, status: line })), [update]);

  // Each load carries the generation it was started in; a later open makes it stale.
  const gen = useRef({ registries: 0, repositories: 0, tags: 0, details: 0 });
  const catalog = useRef<CatalogReader | undefined>(undefined);
  const loaders = useRef(new Map<string, RowLoader<TagSummary>>());
  const [summaries, setSummaries] = useState<RowLoader<TagSummary> | undefined>(undefined);
  const [summaryVersion, setSummaryVersion] = useState(0);
  const summaryTick = useRef<NodeJS.Timeout | undefined>(undefined);
  const task = useRef<AbortController | undefined>(undefined);
  const pending = useRef<InitialPlace | undefined>(opts.initial);
  const inside = useInside({ services, state, stateRef, update, gen });

  // The filtered rows, recomputed only when a list or its filter changes.
  const memo = useRef<{ key: unknown[]; rows: Browser['rows'] } | undefined>(undefined);
  const rowsOf = (st: BrowserState): Browser['rows'] => {
    const key = [st.registries.items, st.registries.filter, st.repositories.items, st.repositories.filter, st.tags.items, st.tags.filter];
    if (memo.current === undefined || memo.current.key.some((k, i) => k !== key[i])) {
      memo.current = {
        key,
        rows: {
          registries: filterItems(st.registries.items, st.registries.filter, registryText),
          repositories: filterItems(st.repositories.items, st.repositories.filter, plainText),
          tags: filterItems(st.tags.items, st.tags.filter, plainText),
        },
      };
    }
    return memo.current.rows;
  };
  const rows = rowsOf(state);
  const rowsRef = { get current() { return rowsOf(stateRef.current); } };

  const loadRegistries = useCallback(async () => {
    const g = ++gen.current.registries;
    update((s) => ({ ...s, registries: { ...s.registries, loading: true } }));
    try {
      const items = await services.registries();
      if (g !== gen.current.registries) return;
      update((s) => {
        const extra = s.registry !== undefined && !items.some((r) => r.name === s.registry) ? [{ name: s.registry, sources: ['command line' as const] }] : [];
        const all = [...extra, ...items];
        const at = s.registry === undefined ? s.registries.cursor : Math.max(0, all.findIndex((r) => r.name === s.registry));
        return { ...s, registries: { ...s.registries, items: all, loading: false, done: true, cursor: clamp(at, all.length) } };
      });
    } catch (err) {
      if (g === gen.current.registries) update((s) => ({ ...s, registries: { ...s.registries, loading: false, error: describeError(err) } }));
    }
  }, [services, update]);

  const loadMoreRepositories = useCallback(async () => {
    const reader = catalog.current;
    const s = stateRef.current;
    if (reader === undefined || s.repositories.loading || s.repositories.done || s.repositories.unsupported !== undefined || s.repositories.error !== undefined) return;
    const g = gen.current.repositories;
    update((st) => ({ ...st, repositories: { ...st.repositories, loading: true } }));
    try {
      const page = await reader.next();
      if (g !== gen.current.repositories) return;
      update((st) => ({
        ...st,
        repositories: { ...st.repositories, items: [...st.repositories.items, ...page.repositories], loading: false, done: page.done },
      }));
    } catch (err) {
      if (g !== gen.current.repositories) return;
      const unsupported = err instanceof CatalogUnsupported ? terminalSafe((err as Error).message) : undefined;
      update((st) => ({
        ...st,
        repositories: {
          ...st.repositories,
          loading: false,
          done: true,
          ...(unsupported === undefined ? { error: describeError(err, st.registry) } : { unsupported }),
        },
      }));
    }
  }, [update]);

  const openRegistry = useCallback(
    (host: string, focus = true) => {
      gen.current.repositories++;
      gen.current.tags++;
      gen.current.details++;
      const reader = services.catalog(host);
      catalog.current = reader;
      update((s) => {
        const known = s.registries.items.findIndex((r) => r.name === host);
        const items = known >= 0 ? s.registries.items : [{ name: host, sources: ['command line' as const] }, ...s.registries.items];
        return {
          ...s,
          registry: host,
          registries: { ...s.registries, items, cursor: known >= 0 ? s.registries.cursor : 0 },
          repositories: { ...emptyList<string>(), ...(reader.unsupported === undefined ? {} : { unsupported: terminalSafe(reader.unsupported), done: true }) },
          repository: undefined,
          tags: emptyList(),
          tag: undefined,
          details: { loading: false, tab: 0, scroll: 0 },
          focus: focus ? 'repositories' : s.focus,
        };
      });
      // The first page is asked for by the effect that follows the catalog's state.
    },
    [services, update],
  );

  const openRepository = useCallback(
    async (name: string, focus = true) => {
      const registry = stateRef.current.registry;
      if (registry === undefined) return;
      const g = ++gen.current.tags;
      gen.current.details++;
      const key = `${registry}/${name}`;
      let loader = loaders.current.get(key);
      if (loader === undefined) {
        loader = new RowLoader<TagSummary>({
          load: (tag, signal) => services.summary(registry, name, tag, signal),
          describeError: (err) => describeError(err).message,
          onChange: () => {
            summaryTick.current ??= setTimeout(() => {
              summaryTick.current = undefined;
              setSummaryVersion((v) => v + 1);
            }, 16);
          },
        });
        loaders.current.set(key, loader);
      }
      setSummaries(loader);
      update((s) => ({
        ...s,
        repository: name,
        tags: emptyList(true),
        tag: undefined,
        details: { loading: false, tab: 0, scroll: 0 },
        focus: focus ? 'tags' : s.focus,
      }));
      const all: string[] = [];
      try {
        for await (const page of services.tags(registry, name)) {
          if (g !== gen.current.tags) return;
          all.push(...page);
          const sorted = sortTags(all);
          update((s) => ({ ...s, tags: { ...s.tags, items: sorted } }));
        }
        if (g !== gen.current.tags) return;
        update((s) => ({ ...s, tags: { ...s.tags, loading: false, done: true } }));
      } catch (err) {
        if (g === gen.current.tags) update((s) => ({ ...s, tags: { ...s.tags, loading: false, done: true, error: describeError(err, registry) } }));
      }
    },
    [services, update],
  );

  const openTag = useCallback(
    async (tag: string, focus = true) => {
      const { registry, repository } = stateRef.current;
      if (registry === undefined || repository === undefined) return;
      const g = ++gen.current.details;
      update((s) => ({ ...s, tag, details: { loading: true, tab: 0, scroll: 0 }, focus: focus ? 'details' : s.focus }));
      try {
        const data = await services.details(registry, repository, tag);
        if (g === gen.current.details) update((s) => ({ ...s, details: { ...s.details, data, loading: false } }));
      } catch (err) {
        if (g === gen.current.details) update((s) => ({ ...s, details: { ...s.details, loading: false, error: describeError(err, registry) } }));
      }
    },
    [services, update],
  );

  // Start: the registries, then the place asked for on the command line, step by step.
  useEffect(() => {
    void loadRegistries();
    const place = opts.initial;
    if (place !== undefined) openRegistry(place.registry, place.repository === undefined);
    return () => {
      task.current?.abort(new CancelledError('cancelled'));
      clearTimeout(summaryTick.current);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  useEffect(() => {
    const place = pending.current;
    if (place === undefined || state.registry !== place.registry) return;
    if (place.repository !== undefined && state.repository === undefined) {
      void openRepository(place.repository, place.tag === undefined);
      if (place.tag === undefined) pending.current = undefined;
    } else if (place.tag !== undefined && state.repository === place.repository && state.tag === undefined) {
      pending.current = undefined;
      const at = state.tags.items.indexOf(place.tag);
      if (at >= 0) update((s) => ({ ...s, tags: { ...s.tags, cursor: at } }));
      if (!state.tags.done) placeCursor.current = place.tag;
      void openTag(place.tag);
    }
  }, [state.registry, state.repository, state.tag, state.tags.items, openRepository, openTag, update]);
  // The tag opened from the command line gets the cursor once its page is listed (pages
  // arrive and are sorted after its details were asked for), so y, c and d act on it.
  const placeCursor = useRef<string | undefined>(undefined);
  useEffect(() => {
    const tag = placeCursor.current;
    if (tag === undefined) return;
    const at = rowsRef.current.tags.indexOf(tag);
    if (at >= 0 && stateRef.current.tags.cursor !== at) update((s) => ({ ...s, tags: { ...s.tags, cursor: at } }));
    if (state.tags.done) placeCursor.current = undefined;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state.tags.items, state.tags.done, update]);

  // The catalog grows as the cursor nears the end, and while a filter looks for a name.
  useEffect(() => {
    const r = state.repositories;
    if (r.done || r.loading || state.registry === undefined) return;
    if (r.filter !== '' || r.items.length === 0 || rows.repositories.length - r.cursor <= PREFETCH_ROWS) void loadMoreRepositories();
  }, [state.repositories, state.registry, rows.repositories.length, loadMoreRepositories]);

  const listOf = (pane: PaneId): 'registries' | 'repositories' | 'tags' | undefined => (pane === 'details' ? undefined : pane);

  const setCursor = useCallback(
    (pane: PaneId, index: number) => {
      const list = listOf(pane);
      if (list === undefined) return;
      update((s) => ({ ...s, [list]: { ...s[list], cursor: clamp(index, rowsRef.current[list].length) } }));
    },
    [update],
  );

  // In a list or tree of the details (layers, files, platforms) the cursor moves instead.
  const insideRef = useRef(inside);
  insideRef.current = inside;
  // The furthest the shown tab can scroll, as its pane last drew it: keys past the end do not
  // pile up (after G, one k moves up one line).
  const detailsLimit = useRef(Number.MAX_SAFE_INTEGER);
  const setDetailsLimit = useCallback((max: number) => void (detailsLimit.current = max), []);
  const scrollDetails = useCallback(
    (delta: number) =>
      void (
        insideRef.current.move(delta) ||
        update((s) => {
          const max = detailsLimit.current;
          return { ...s, details: { ...s.details, scroll: Math.max(0, Math.min(max, Math.min(s.details.scroll, max) + delta)) } };
        })
      ),
    [update],
  );

  const selected = (pane: 'registries' | 'repositories' | 'tags'): string | undefined => {
    const s = stateRef.current;
    const item = rowsRef.current[pane][s[pane].cursor];
    return item === undefined ? undefined : typeof item === 'string' ? item : item.name;
  };

  const selectedRef = (): string | undefined => {
    const s = stateRef.current;
    if (s.registry === undefined || s.repository === undefined) return undefined;
    const tag = s.focus === 'tags' ? selected('tags') : s.tag;
    if (tag === undefined) return undefined;
    return `${s.registry}/${s.repository}${tag.startsWith('sha256:') ? '@' : ':'}${tag}`;
  };

  // Long actions (pull, copy, delete): progress in the status bar, Esc cancels.
  const taskHost = { update, status, task, registry: () => stateRef.current.registry };

  const actions = actionHandlers({
    services,
    readOnly: opts.readOnly,
    terminal: opts.terminal,
    current: () => stateRef.current,
    update,
    status,
    selected,
    selectedRef,
    knownDigest: (tag) => {
      const s = stateRef.current;
      const row = loaders.current.get(`${s.registry}/${s.repository}`)?.get(tag);
      return row?.status === 'ready' ? row.value.digest : undefined;
    },
    startTask: (spec) => startTask(taskHost, spec),
    reloadRegistries: () => void loadRegistries(),
    reloadTags: (reopen) => {
      const s = stateRef.current;
      const repo = s.repository;
      if (repo === undefined) return;
      const cursorOn = selected('tags');
      const open = s.tag;
      loaders.current.get(`${s.registry}/${repo}`)?.clear();
      void openRepository(repo, false).then(() => {
        const now = stateRef.current;
        if (now.repository !== repo) return;
        const at = cursorOn === undefined ? -1 : now.tags.items.indexOf(cursorOn);
        if (at >= 0) update((st) => ({ ...st, tags: { ...st.tags, cursor: at } }));
        if (reopen && open !== undefined && now.tag === undefined && (open.startsWith('sha256:') || now.tags.items.includes(open))) void openTag(open, false);
      });
    },
    colors: () => {
      const t = themeNamed(stateRef.current.theme);
      return opts.noColor === true ? {} : { accent: t.accent, error: t.error, ok: t.ok, muted: t.dim };
    },
  });

  const cancelTask = (): boolean => {
    if (task.current === undefined) return false;
    task.current.abort(new CancelledError('cancelled'));
    return true;
  };

  const controller: BrowserController = {
    quit: () => {
      cancelTask();
      inside.cancel();
      opts.onQuit();
    },
    focus: (pane) => update((s) => ({ ...s, focus: pane, overlay: undefined })),
    focusNext: (step) =>
      update((s) => ({ ...s, focus: PANES[(PANES.indexOf(s.focus) + step + PANES.length) % PANES.length]! })),
    move: (delta) => {
      const s = stateRef.current;
      if (s.focus === 'details') return scrollDetails(delta);
      setCursor(s.focus, s[s.focus].cursor + delta);
    },
    moveTo: (where) => {
      const s = stateRef.current;
      if (s.focus === 'details' && inside.move(where === 'start' ? -1e9 : 1e9)) return;
      if (s.focus === 'details') return update((st) => ({ ...st, details: { ...st.details, scroll: where === 'start' ? 0 : Number.MAX_SAFE_INTEGER } }));
      setCursor(s.focus, where === 'start' ? 0 : rowsRef.current[s.focus].length - 1);
    },
    page: (direction) => {
      const s = stateRef.current;
      const size = opts.pageSize?.(s.focus) ?? 10;
      if (s.focus === 'details') return scrollDetails(direction * size);
      setCursor(s.focus, s[s.focus].cursor + direction * size);
    },
    enter: () => {
      const s = stateRef.current;
      if (s.focus === 'registries') {
        const host = selected('registries');
        if (host !== undefined) openRegistry(host);
      } else if (s.focus === 'repositories') {
        if (s.repositories.unsupported !== undefined && rowsRef.current.repositories.length === 0) return controller.openCommandLine('repo ');
        const name = selected('repositories');
        if (name !== undefined) void openRepository(name);
      } else if (s.focus === 'tags') {
        const tag = selected('tags');
        if (tag !== undefined) void openTag(tag);
      } else if (s.focus === 'details') inside.enter();
    },
    back: () => {
      const s = stateRef.current;
      if (s.overlay !== undefined) return update((st) => ({ ...st, overlay: undefined }));
      const list = listOf(s.focus);
      if (list !== undefined && s[list].filter !== '') return update((st) => ({ ...st, [list]: { ...st[list], filter: '', cursor: 0 } }));
      if (s.focus === 'details' && inside.back()) return;
      if (cancelTask()) return;
      const i = PANES.indexOf(s.focus);
      if (i > 0) update((st) => ({ ...st, focus: PANES[i - 1]! }));
    },
    left: () => {
      const s = stateRef.current;
      if (s.focus === 'details' && inside.left()) return;
      if (s.focus === 'details' && s.details.tab > 0) return controller.switchTab(-1);
      controller.focusNext(-1);
    },
    switchTab: (step) => {
      const s = stateRef.current;
      const tabs = s.details.data === undefined ? 1 : tabsFor(s.details.data).length;
      const tab = Math.max(0, Math.min(Math.min(s.details.tab, tabs - 1) + step, tabs - 1));
      if (tab !== s.details.tab) update((st) => ({ ...st, details: { ...st.details, tab, scroll: 0 } }));
    },
    previewFile: () => {
      if (!inside.preview()) status({ text: "o: select a file in the Files tab to see its first lines", tone: 'dim' });
    },
    right: () => {
      const s = stateRef.current;
      if (s.focus === 'details') {
        if (!inside.right()) controller.switchTab(1);
        return;
      }
      if (s.focus === 'registries' || s.focus === 'repositories' || s.focus === 'tags') {
        // Moving right opens what is selected when nothing is open yet, as Enter does.
        const next = PANES[PANES.indexOf(s.focus) + 1]!;
        const opened = s.focus === 'registries' ? s.registry : s.focus === 'repositories' ? s.repository : s.tag;
        if (opened === undefined) return controller.enter();
        update((st) => ({ ...st, focus: next }));
      }
    },
    startFilter: () => update((s) => ({ ...s, typing: 'filter' })),
    openCommandLine: (prefill = '') => update((s) => ({ ...s, typing: 'command', command: prefill })),
    toggleHelp: () => update((s) => ({ ...s, overlay: s.overlay?.kind === 'help' ? undefined : { kind: 'help' } })),
    refresh: () => {
      const s = stateRef.current;
      status({ text: 'refreshing', tone: 'dim' });
      if (s.focus === 'registries') void loadRegistries();
      else if (s.focus === 'repositories' && s.registry !== undefined) openRegistry(s.registry);
      else if (s.focus === 'tags' && s.repository !== undefined) {
        loaders.current.get(`${s.registry}/${s.repository}`)?.clear();
        void openRepository(s.repository);
      } else if (s.focus === 'details' && s.tag !== undefined) void openTag(s.tag);
    },
    pull: (format) => {
      const ref = selectedRef();
      if (ref === undefined) return status({ text: 'pull: select a tag first', tone: 'error' });
      startTask(taskHost, {
        title: `pulling ${ref}${format === 'files' ? ' (files)' : ''}`,
        cancelled: 'pull cancelled',
        work: async (progress, signal) => ({ text: `pulled ${terminalSafe(await services.pull(parseReference(ref), format, progress, signal))}`, tone: 'ok' }),
      });
    },
    cycleTheme: () => {
      const next = nextTheme(stateRef.current.theme);
      update((s) => ({ ...s, theme: next.name, status: { text: `theme ${next.name}`, tone: 'dim' } }));
      void opts.saveTheme?.(next.name).catch((err: unknown) => status({ text: `theme not saved: ${describeError(err).message}`, tone: 'error' }));
    },
    ...actions,
  };

  const runCommand = (line: string): void => {
    const cmd = parseCommand(line);
    const s = stateRef.current;
    switch (cmd.kind) {
      case 'quit':
        return controller.quit();
      case 'registry':
        return openRegistry(cmd.host);
      case 'repo':
        if (s.registry === undefined) return status({ text: ':repo: open a registry first (:registry HOST)', tone: 'error' });
        return void openRepository(cmd.name);
      case 'tag': {
        if (s.repository === undefined) return status({ text: ':tag: open a repository first (:repo NAME)', tone: 'error' });
        const at = s.tags.items.indexOf(cmd.tag);
        update((st) => ({ ...st, tags: { ...st.tags, filter: '', cursor: at >= 0 ? at : st.tags.cursor } }));
        return void openTag(cmd.tag);
      }
      case 'theme': {
        if (cmd.name === undefined) return controller.cycleTheme();
        const t = themeNamed(cmd.name);
        if (t.name !== cmd.name) return status({ text: `no theme "${terminalSafe(cmd.name)}"`, tone: 'error' });
        update((st) => ({ ...st, theme: t.name }));
        void opts.saveTheme?.(t.name).catch(() => undefined);
        return;
      }
      case 'invalid':
        return status({ text: terminalSafe(cmd.message), tone: 'error' });
    }
  };

  /** A key while typing into the filter or the command line. */
  const typeKey = (name: string, input: string): void => {
    const s = stateRef.current;
    const list = listOf(s.focus);
    if (s.typing === 'command') {
      if (name === 'enter') {
        update((st) => ({ ...st, typing: undefined, command: '' }));
        return runCommand(s.command);
      }
      if (name === 'esc' || name === 'ctrl-c') return update((st) => ({ ...st, typing: undefined, command: '' }));
      if (name === 'backspace') return update((st) => ({ ...st, command: st.command.slice(0, -1) }));
      if (input.length > 0 && !/[\x00-\x1f\x7f]/.test(input) && name === input) update((st) => ({ ...st, command: st.command + input }));
      return;
    }
    if (list === undefined) return update((st) => ({ ...st, typing: undefined }));
    if (name === 'enter' || name === 'down' || name === 'up') {
      update((st) => ({ ...st, typing: undefined }));
      if (name !== 'enter') controller.move(name === 'down' ? 1 : -1);
      return;
    }
    if (name === 'esc' || name === 'ctrl-c') return update((st) => ({ ...st, typing: undefined, [list]: { ...st[list], filter: '', cursor: 0 } }));
    if (name === 'backspace') return update((st) => ({ ...st, [list]: { ...st[list], filter: st[list].filter.slice(0, -1), cursor: 0 } }));
    if (input.length > 0 && !/[\x00-\x1f\x7f]/.test(input) && name === input) {
      update((st) => ({ ...st, [list]: { ...st[list], filter: st[list].filter + input, cursor: 0 } }));
    }
  };

  const key = (name: string, input: string): void => {
    const s = stateRef.current;
    if (s.typing !== undefined) return typeKey(name, input);
    if (name === 'ctrl-c') return s.task !== undefined ? void cancelTask() : controller.quit();
    if (s.overlay?.kind === 'help') {
      if (name === 'esc' || name === '?' || name === 'q') controller.toggleHelp();
      return;
    }
    actionFor(name, s.focus)?.run(controller);
  };

  return { state, controller, rows, summaries, inside, summaryVersion, setCursor, scrollDetails, setDetailsLimit, key, current: () => stateRef.current };
}
