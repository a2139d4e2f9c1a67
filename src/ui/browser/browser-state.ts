// The browser's view state: what is open, where each cursor is, what is typed. Data
// arrives from the use cases (BrowseServices); nothing here talks to a registry.
import type { ReactElement } from 'react';
import type { KnownRegistry } from '../../ops/browse/known-registries.js';
import type { TagDetails } from '../../ops/browse/load-details.js';
import type { PaneId } from './layout.js';

export interface ErrorView {
  message: string;
  hint?: string;
}

export interface ListState<T> {
  items: T[];
  cursor: number;
  filter: string;
  loading: boolean;
  /** Every page is in. */
  done: boolean;
  error?: ErrorView;
}

export interface DetailsState {
  data?: TagDetails;
  loading: boolean;
  error?: ErrorView;
  tab: number;
  scroll: number;
}

/** The modal slot: help, or a component another part provides (a form, a prompt, a dialog). */
export type Overlay = { kind: 'help' } | { kind: 'element'; element: ReactElement };

export interface TaskView {
  title: string;
  done: number;
  total?: number;
}

export interface StatusLine {
  text: string;
  tone?: 'error' | 'ok' | 'dim';
}

export interface BrowserState {
  focus: PaneId;
  registries: ListState<KnownRegistry>;
  registry?: string;
  repositories: ListState<string> & { unsupported?: string };
  repository?: string;
  tags: ListState<string>;
  tag?: string;
  details: DetailsState;
  /** Keys go to the filter of the focused list, or to the command line. */
  typing?: 'filter' | 'command';
  command: string;
  overlay?: Overlay;
  status?: StatusLine;
  task?: TaskView;
  theme: string;
}

export function emptyList<T>(loading = false): ListState<T> {
  return { items: [], cursor: 0, filter: '', loading, done: false };
}

export function initialState(theme: string): BrowserState {
  return {
    focus: 'registries',
    registries: emptyList(true),
    repositories: emptyList(),
    tags: emptyList(),
    details: { loading: false, tab: 0, scroll: 0 },
    command: '',
    theme,
  };
}

/** The rows a filter keeps: a case-insensitive substring match. */
export function filterItems<T>(items: readonly T[], filter: string, text: (item: T) => string): T[] {
  if (filter === '') return items as T[];
  const f = filter.toLowerCase();
  return items.filter((i) => text(i).toLowerCase().includes(f));
}

export const registryText = (r: KnownRegistry): string => r.name;
export const plainText = (s: string): string => s;
