// Every key the browser answers, in one table: the key handler looks actions up here and
// the help overlay is drawn from it. A new action is one entry; it calls the controller.
import type { PaneId } from './layout.js';

/** What actions can do; use-browser.ts implements it. */
export interface BrowserController {
  quit(): void;
  focus(pane: PaneId): void;
  focusNext(step: 1 | -1): void;
  move(delta: number): void;
  moveTo(where: 'start' | 'end'): void;
  page(direction: 1 | -1): void;
  enter(): void;
  back(): void;
  left(): void;
  right(): void;
  startFilter(): void;
  openCommandLine(prefill?: string): void;
  toggleHelp(): void;
  refresh(): void;
  pull(format: 'layout' | 'files'): void;
  cycleTheme(): void;
  /** The previous or next details tab. */
  switchTab(step: 1 | -1): void;
  /** The selected file's first lines (Files tab). */
  previewFile(): void;
  // action-handlers.tsx: the clipboard, dialogs, the pager and the registry form.
  copyToClipboard(): void;
  copyRetag(): void;
  deleteSelected(): void;
  openPager(): void;
  addRegistry(): void;
  editRegistry(): void;
}

export interface ActionDef {
  id: string;
  keys: string[];
  /** Shown in help as the key column; the first key when absent. */
  label?: string;
  help: string;
  /** Panes it applies in; every pane when absent. */
  panes?: PaneId[];
  run(c: BrowserController): void;
}

const LISTS: PaneId[] = ['registries', 'repositories', 'tags'];
const REF_PANES: PaneId[] = ['tags', 'details'];

export const ACTIONS: ActionDef[] = [
  { id: 'down', keys: ['down', 'j'], label: '↓ j', help: 'move down', run: (c) => c.move(1) },
  { id: 'up', keys: ['up', 'k'], label: '↑ k', help: 'move up', run: (c) => c.move(-1) },
  { id: 'page-down', keys: ['pagedown', 'ctrl-d'], label: 'PgDn ^d', help: 'page down', run: (c) => c.page(1) },
  { id: 'page-up', keys: ['pageup', 'ctrl-u'], label: 'PgUp ^u', help: 'page up', run: (c) => c.page(-1) },
  { id: 'top', keys: ['home', 'g'], label: 'Home g', help: 'first row', run: (c) => c.moveTo('start') },
  { id: 'bottom', keys: ['end', 'G'], label: 'End G', help: 'last row', run: (c) => c.moveTo('end') },
  { id: 'left', keys: ['left', 'h'], label: '← h', help: 'previous pane (details: previous tab)', run: (c) => c.left() },
  { id: 'right', keys: ['right', 'l'], label: '→ l', help: 'next pane (details: next tab)', run: (c) => c.right() },
  { id: 'next-pane', keys: ['tab'], label: 'Tab', help: 'next pane', run: (c) => c.focusNext(1) },
  { id: 'prev-pane', keys: ['shift-tab'], label: 'S-Tab', help: 'previous pane', run: (c) => c.focusNext(-1) },
  { id: 'pane-1', keys: ['1'], help: 'registries', run: (c) => c.focus('registries') },
  { id: 'pane-2', keys: ['2'], help: 'repositories', run: (c) => c.focus('repositories') },
  { id: 'pane-3', keys: ['3'], help: 'tags', run: (c) => c.focus('tags') },
  { id: 'pane-4', keys: ['4'], help: 'details', run: (c) => c.focus('details') },
  { id: 'enter', keys: ['enter'], label: 'Enter', help: 'open', panes: LISTS, run: (c) => c.enter() },
  { id: 'open-inside', keys: ['enter', ' '], label: 'Enter Space', help: 'open: a platform, a layer\'s files; open / close a folder; a file\'s first lines', panes: ['details'], run: (c) => c.enter() },
  { id: 'prev-tab', keys: ['['], help: 'previous details tab', panes: REF_PANES, run: (c) => c.switchTab(-1) },
  { id: 'next-tab', keys: [']'], help: 'next details tab', panes: REF_PANES, run: (c) => c.switchTab(1) },
  { id: 'preview', keys: ['o'], help: "a file's first lines (Files tab)", panes: ['details'], run: (c) => c.previewFile() },
  { id: 'back', keys: ['esc'], label: 'Esc', help: 'back (or cancel the running task)', run: (c) => c.back() },
  { id: 'filter', keys: ['/'], help: 'filter as you type', panes: LISTS, run: (c) => c.startFilter() },
  { id: 'command', keys: [':'], help: 'command line: :repo NAME, :tag TAG, :registry HOST, :q', run: (c) => c.openCommandLine() },
  { id: 'help', keys: ['?'], help: 'help for this pane', run: (c) => c.toggleHelp() },
  { id: 'refresh', keys: ['r'], help: 'refresh this pane', run: (c) => c.refresh() },
  { id: 'pull', keys: ['p'], help: 'pull as an OCI layout (artifactDir)', panes: REF_PANES, run: (c) => c.pull('layout') },
  { id: 'pull-files', keys: ['P'], help: 'pull the files into ./NAME-TAG', panes: REF_PANES, run: (c) => c.pull('files') },
  { id: 'copy', keys: ['y'], help: 'copy the reference to the clipboard', panes: ['registries', 'repositories', 'tags', 'details'], run: (c) => c.copyToClipboard() },
  { id: 'retag', keys: ['c'], help: 'copy / retag to another reference', panes: REF_PANES, run: (c) => c.copyRetag() },
  { id: 'delete', keys: ['d'], help: 'delete the tag or manifest', panes: REF_PANES, run: (c) => c.deleteSelected() },
  { id: 'forget-registry', keys: ['d'], help: 'forget the saved registry', panes: ['registries'], run: (c) => c.deleteSelected() },
  { id: 'pager', keys: ['v'], help: 'raw JSON in $PAGER', panes: REF_PANES, run: (c) => c.openPager() },
  { id: 'add-registry', keys: ['a'], help: 'add a registry', panes: ['registries'], run: (c) => c.addRegistry() },
  { id: 'edit-registry', keys: ['e'], help: 'edit / test the registry', panes: ['registries'], run: (c) => c.editRegistry() },
  { id: 'theme', keys: ['t'], help: 'next colour theme (saved)', run: (c) => c.cycleTheme() },
  { id: 'quit', keys: ['q'], help: 'quit', run: (c) => c.quit() },
];

export function actionFor(key: string, pane: PaneId): ActionDef | undefined {
  return ACTIONS.find((a) => a.keys.includes(key) && (a.panes === undefined || a.panes.includes(pane)));
}

export function actionsFor(pane: PaneId): ActionDef[] {
  return ACTIONS.filter((a) => a.panes === undefined || a.panes.includes(pane));
}
