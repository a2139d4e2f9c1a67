// The details pane's views of what is inside the selected manifest: the state of the
// Layers, Files, Config, Platforms, Referrers and Requests tabs, the reads that fill
// them, and the keys that move inside them. The reads start when their tab is opened;
// the layer read runs in the background and is aborted when the selection changes or
// the browser quits. Keys return true when a view used them; the controller
// (use-browser.ts) does its usual thing otherwise.
import { useCallback, useEffect, useRef, useState } from 'react';
import { CancelledError } from '../../../errors/index.js';
import type { FileHead, InsideTarget, LayerProgress } from '../../../ops/browse/browse-inside.js';
import type { BrowseServices } from '../../../ops/browse/browse-services.js';
import type { TagDetails } from '../../../ops/browse/load-details.js';
import type { DiscoverResult } from '../../../ops/discover.js';
import type { ImageConfigSummary } from '../../../ops/image-config.js';
import type { ImageFiles } from '../../../ops/inspect-files.js';
import { formatPlatform } from '../../../oci/platform.js';
import type { BrowserState, DetailsState } from '../browser-state.js';
import { describeError, errorText } from '../describe-error.js';
import { tabsFor } from '../detail-tabs.js';
import { imageEntries, initiallyOpen, layerEntries, parentPath, rowsOf, treeModel, type TreeModel } from './tree-model.js';

export interface Loaded<T> {
  data?: T;
  error?: string;
  loading?: boolean;
}

export interface PreviewState {
  path: string;
  head?: FileHead;
  error?: string;
}

export interface InsideState {
  /** The manifest the data below is about (registry/repository@digest). */
  target?: string;
  /** The details it was read for: refreshed details read again. */
  details?: TagDetails;
  files: Loaded<ImageFiles> & { progress?: LayerProgress };
  config: Loaded<ImageConfigSummary>;
  referrers: Loaded<DiscoverResult>;
  layerCursor: number;
  platformCursor: number;
  /** The Files tab shows this layer's entries; the whole image when undefined. */
  treeLayer?: number;
  /** The selected row's path. */
  treePath?: string;
  /** Folders open in the tree; undefined until the tree is first shown. */
  open?: Set<string>;
  preview?: PreviewState;
  /** The platforms drilled into from an index, outermost first. */
  drill: string[];
}

export interface Inside {
  state: InsideState;
  /** The tree the Files tab shows, when the layers have been read. */
  tree(): TreeModel | undefined;
  /** Bumped when a request is recorded while the Requests tab is shown. */
  requestsVersion: number;
  move(delta: number): boolean;
  enter(): boolean;
  right(): boolean;
  left(): boolean;
  back(): boolean;
  preview(): boolean;
  /** Stop every read (the browser quits). */
  cancel(): void;
}

export interface InsideOptions {
  services: BrowseServices;
  state: BrowserState;
  stateRef: { current: BrowserState };
  update: (f: (s: BrowserState) => BrowserState) => void;
  /** use-browser's load generations: a drill is a details load like any other. */
  gen: { current: { details: number } };
}

const empty = (): InsideState => ({ files: {}, config: {}, referrers: {}, layerCursor: 0, platformCursor: 0, drill: [] });

/** The id of the details tab shown. */
export function activeTab(s: BrowserState): string | undefined {
  const data = s.details.data;
  if (data === undefined) return undefined;
  const tabs = tabsFor(data);
  return tabs[Math.min(s.details.tab, tabs.length - 1)]?.id;
}

function targetOf(s: BrowserState): InsideTarget | undefined {
  const data = s.details.data;
  if (data === undefined || s.registry === undefined || s.repository === undefined) return undefined;
  return { registry: s.registry, repository: s.repository, tagOrDigest: data.summary.descriptor.digest };
}

const keyOf = (t: InsideTarget | undefined): string | undefined => (t === undefined ? undefined : `${t.registry}/${t.repository}@${t.tagOrDigest}`);

const clamp = (n: number, count: number): number => Math.max(0, Math.min(n, count - 1));


export function useInside(opts: InsideOptions): Inside {
  const { services, stateRef, update, gen } = opts;
  const [state, setState] = useState<InsideState>(empty);
  const ref = useRef(state);
  const set = useCallback((f: (s: InsideState) => InsideState) => {
    ref.current = f(ref.current);
    setState(ref.current);
  }, []);
  const filesAbort = useRef<AbortController | undefined>(undefined);
  const previewAbort = useRef<AbortController | undefined>(undefined);
  const drillStack = useRef<{ details: DetailsState; inside: InsideState }[]>([]);
  /** The details the drill shows (while loading: undefined). */
  const drilledTo = useRef<TagDetails | undefined>(undefined);
  const [requestsVersion, setRequestsVersion] = useState(0);

  const stopReads = useCallback(() => {
    filesAbort.current?.abort(new CancelledError('cancelled'));
    filesAbort.current = undefined;
    previewAbort.current?.abort(new CancelledError('cancelled'));
    previewAbort.current = undefined;
  }, []);

  // A new manifest shown (or the same one refreshed): what was read goes, its reads stop.
  const target = targetOf(opts.state);
  const key = keyOf(target);
  const tab = activeTab(opts.state);
  const data = opts.state.details.data;
  if (ref.current.target !== key || ref.current.details !== data) {
    stopReads();
    ref.current = { ...empty(), drill: ref.current.drill, ...(key === undefined ? {} : { target: key }), ...(data === undefined ? {} : { details: data }) };
  }
  useEffect(() => {
    if (state !== ref.current) setState(ref.current);
  });

  // A new place (another tag, repository or registry): the platforms drilled into are forgotten.
  useEffect(() => {
    drillStack.current = [];
    set((s) => ({ ...s, drill: [] }));
  }, [opts.state.registry, opts.state.repository, opts.state.tag, set]);

  // Other details shown (refreshed, or opened from the command line): the drill is over.
  // Checked as the details change, not in an effect, so a key that comes first sees it.
  const shown = data;
  const lastShown = useRef(shown);
  if (shown !== lastShown.current) {
    lastShown.current = shown;
    if (shown !== undefined && drillStack.current.length > 0 && shown !== drilledTo.current) {
      drillStack.current = [];
      ref.current = { ...ref.current, drill: [] };
    }
  }

  // Reads start when their tab is shown, once per manifest.
  useEffect(() => {
    const s = stateRef.current;
    const t = targetOf(s);
    if (t === undefined || key === undefined) return;
    const kind = s.details.data?.summary.kind;
    const still = (): boolean => ref.current.target === key && ref.current.details === data;
    const cur = ref.current;
    /** One of the views' reads: loading, then its data or its error (unless `keepError` says no). */
    const fill = <K extends 'config' | 'files' | 'referrers'>(field: K, read: () => Promise<NonNullable<InsideState[K]['data']>>, keepError = () => true): Promise<unknown> => {
      set((st) => ({ ...st, [field]: { loading: true } }));
      return read().then(
        (got) => still() && set((st) => ({ ...st, [field]: { data: got } })),
        (err: unknown) => still() && keepError() && set((st) => ({ ...st, [field]: { error: errorText(err) } })),
      );
    };
    const idle = (l: Loaded<unknown>): boolean => l.data === undefined && l.loading !== true && l.error === undefined;
    if ((tab === 'layers' || tab === 'config' || tab === 'image-files') && kind === 'image' && idle(cur.config)) void fill('config', () => services.imageConfig(t));
    if (tab === 'image-files' && idle(cur.files)) {
      const abort = new AbortController();
      filesAbort.current = abort;
      const progress = (p: LayerProgress): unknown => still() && set((st) => ({ ...st, files: { ...st.files, progress: p } }));
      void fill('files', () => services.imageFiles(t, abort.signal, progress), () => !abort.signal.aborted).finally(() => {
        if (filesAbort.current === abort) filesAbort.current = undefined;
      });
    }
    if (tab === 'referrers' && idle(cur.referrers)) void fill('referrers', () => services.referrers(t));
  }, [key, data, tab, services, set, stateRef]);

  // The Requests tab follows the log while it is shown (a redraw at most every 100 ms).
  const tabRef = useRef(tab);
  tabRef.current = tab;
  useEffect(() => {
    let timer: NodeJS.Timeout | undefined;
    const off = services.requests.subscribe(() => {
      if (tabRef.current !== 'requests' || timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        setRequestsVersion((v) => v + 1);
      }, 100);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [services]);

  useEffect(() => () => stopReads(), [stopReads]);

  // The tree model, rebuilt only when the files or the layer shown change.
  const memo = useRef<{ files?: ImageFiles; layer?: number; model?: TreeModel }>({});
  const tree = (): TreeModel | undefined => {
    const { files, treeLayer } = ref.current;
    if (files.data === undefined) return undefined;
    if (memo.current.files !== files.data || memo.current.layer !== treeLayer || memo.current.model === undefined) {
      const entries = treeLayer === undefined ? imageEntries(files.data) : layerEntries(files.data, treeLayer);
      memo.current = { files: files.data, layer: treeLayer, model: treeModel(entries) };
    }
    return memo.current.model;
  };
  const openDirs = (model: TreeModel): Set<string> => {
    if (ref.current.open === undefined) {
      const open = initiallyOpen(model);
      set((s) => ({ ...s, open }));
      return open;
    }
    return ref.current.open;
  };
  const treeRows = () => {
    const model = tree();
    return model === undefined ? undefined : rowsOf(model, openDirs(model));
  };
  const selectedRow = () => {
    const rows = treeRows();
    if (rows === undefined || rows.length === 0) return undefined;
    const at = Math.max(0, rows.findIndex((r) => r.node.path === ref.current.treePath));
    return { rows, at, row: rows[at]! };
  };

  const switchTo = (id: string): void => {
    const data = stateRef.current.details.data;
    if (data === undefined) return;
    const at = tabsFor(data).findIndex((t) => t.id === id);
    if (at >= 0) update((s) => ({ ...s, details: { ...s.details, tab: at, scroll: 0 } }));
  };

  const openLayer = (): boolean => {
    const layers = stateRef.current.details.data?.summary.document.layers ?? [];
    if (layers.length === 0 || stateRef.current.details.data?.summary.kind !== 'image') return false;
    const layer = clamp(ref.current.layerCursor, layers.length);
    set((s) => {
      const { treePath: _p, open: _o, preview: _v, ...rest } = s;
      return { ...rest, treeLayer: layer };
    });
    switchTo('image-files');
    return true;
  };

  const showPreview = (path: string): void => {
    const t = targetOf(stateRef.current);
    if (t === undefined) return;
    previewAbort.current?.abort(new CancelledError('cancelled'));
    const abort = new AbortController();
    previewAbort.current = abort;
    set((s) => ({ ...s, preview: { path } }));
    const still = (): boolean => ref.current.preview?.path === path && !abort.signal.aborted;
    services.fileHead(t, `/${path}`, abort.signal).then(
      (head) => still() && set((s) => ({ ...s, preview: { path, head } })),
      (err: unknown) => still() && set((s) => ({ ...s, preview: { path, error: errorText(err) } })),
    );
  };

  const closePreview = (): boolean => {
    if (ref.current.preview === undefined) return false;
    previewAbort.current?.abort(new CancelledError('cancelled'));
    set((s) => {
      const { preview: _p, ...rest } = s;
      return rest;
    });
    return true;
  };

  const toggle = (path: string, open?: boolean): void =>
    set((s) => {
      const next = new Set(s.open);
      if (open ?? !next.has(path)) next.add(path);
      else next.delete(path);
      return { ...s, open: next };
    });

  /** Enter, Space or → on the selected row of the tree. */
  const activateRow = (how: 'toggle' | 'open'): boolean => {
    const sel = selectedRow();
    if (sel === undefined) return false;
    const { row } = sel;
    if (row.isDir) {
      // → on an open folder steps into it.
      if (how === 'open' && !row.collapsed) {
        const child = sel.rows[sel.at + 1];
        if (child !== undefined && child.depth > row.depth) set((s) => ({ ...s, treePath: child.node.path }));
        return true;
      }
      toggle(row.node.path, how === 'open' ? true : row.collapsed);
      if (ref.current.treePath === undefined) set((s) => ({ ...s, treePath: row.node.path }));
      return true;
    }
    showPreview(row.node.path);
    return true;
  };

  const drill = (): boolean => {
    const s = stateRef.current;
    const entries = s.details.data?.summary.entries;
    if (entries === undefined || entries.length === 0 || s.registry === undefined || s.repository === undefined) return false;
    const entry = entries[clamp(ref.current.platformCursor, entries.length)]!;
    const p = entry.descriptor.platform;
    const label = p === undefined ? entry.descriptor.digest.slice(0, 19) : formatPlatform(p);
    drillStack.current.push({ details: s.details, inside: ref.current });
    drilledTo.current = undefined;
    const { registry, repository } = s;
    const g = ++gen.current.details;
    set((st) => ({ ...st, drill: [...st.drill, label] }));
    update((st) => ({ ...st, details: { loading: true, tab: 0, scroll: 0 } }));
    services.details(registry, repository, entry.descriptor.digest).then(
      (data) => {
        if (g !== gen.current.details) return;
        drilledTo.current = data;
        update((st) => ({ ...st, details: { ...st.details, data, loading: false } }));
      },
      (err: unknown) => g === gen.current.details && update((st) => ({ ...st, details: { ...st.details, loading: false, error: describeError(err, registry) } })),
    );
    return true;
  };

  const undrill = (): boolean => {
    const saved = drillStack.current.pop();
    if (saved === undefined) return false;
    drilledTo.current = saved.details.data;
    gen.current.details++;
    stopReads();
    ref.current = { ...saved.inside, files: saved.inside.files.loading === true ? {} : saved.inside.files, drill: ref.current.drill.slice(0, -1) };
    setState(ref.current);
    update((st) => ({ ...st, details: saved.details }));
    return true;
  };

  const layerCount = (): number => stateRef.current.details.data?.summary.document.layers?.length ?? 0;
  const platformCount = (): number => stateRef.current.details.data?.summary.entries?.length ?? 0;

  return {
    // The latest, changed during this render too (a new manifest, a drill forgotten).
    state: ref.current,
    tree,
    requestsVersion,
    move: (delta) => {
      const t = activeTab(stateRef.current);
      if (t === 'layers') {
        set((s) => ({ ...s, layerCursor: clamp(s.layerCursor + delta, layerCount()) }));
        return true;
      }
      if (t === 'platforms') {
        set((s) => ({ ...s, platformCursor: clamp(s.platformCursor + delta, platformCount()) }));
        return true;
      }
      if (t === 'image-files') {
        if (ref.current.preview !== undefined) return true;
        const sel = selectedRow();
        if (sel === undefined) return true;
        const next = sel.rows[clamp(sel.at + delta, sel.rows.length)]!;
        set((s) => ({ ...s, treePath: next.node.path }));
        return true;
      }
      return false;
    },
    enter: () => {
      const t = activeTab(stateRef.current);
      if (t === 'layers') return openLayer();
      if (t === 'platforms') return drill();
      if (t === 'image-files') return ref.current.preview !== undefined ? closePreview() : activateRow('toggle');
      if (t === 'overview' && platformCount() > 0) {
        switchTo('platforms');
        return true;
      }
      return false;
    },
    right: () => {
      const t = activeTab(stateRef.current);
      if (t === 'layers') return openLayer();
      if (t === 'platforms') return drill();
      if (t === 'image-files' && ref.current.preview === undefined) return activateRow('open');
      return false;
    },
    left: () => {
      const t = activeTab(stateRef.current);
      if (t !== 'image-files') return false;
      if (closePreview()) return true;
      const sel = selectedRow();
      if (sel === undefined) return false;
      const { row } = sel;
      if (row.isDir && !row.collapsed) {
        toggle(row.node.path, false);
        set((s) => ({ ...s, treePath: row.node.path }));
        return true;
      }
      // Up to the folder it is in; at the top ← stays in the tree ([ changes the tab).
      const parent = parentPath(row.node.path);
      if (parent !== undefined) set((s) => ({ ...s, treePath: parent }));
      return true;
    },
    back: () => {
      const t = activeTab(stateRef.current);
      if (t === 'image-files') {
        if (closePreview()) return true;
        if (ref.current.treeLayer !== undefined) {
          set((s) => {
            const { treeLayer: _l, treePath: _p, open: _o, ...rest } = s;
            return rest;
          });
          switchTo('layers');
          return true;
        }
      }
      return undrill();
    },
    preview: () => {
      if (activeTab(stateRef.current) !== 'image-files') return false;
      const sel = selectedRow();
      if (sel === undefined || sel.row.isDir) return false;
      showPreview(sel.row.node.path);
      return true;
    },
    cancel: stopReads,
  };
}
