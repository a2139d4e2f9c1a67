// What the main thread and the live view's thread (live-view-worker.ts) say to each other.
import type { BuildViewProps } from './BuildView.js';
import type { MirrorViewProps } from './MirrorView.js';
import type { TransferViewProps } from './TransferView.js';

export interface ViewSetup {
  /** The terminal's file descriptor (stderr). */
  fd: number;
  /** chalk's colour level for the terminal: 0 none (NO_COLOR), 1 basic, 2 256, 3 true colour. */
  colorLevel: 0 | 1 | 2 | 3;
}

export type ViewFrame =
  | { kind: 'build'; props: Omit<BuildViewProps, 'color'> }
  | { kind: 'transfer'; props: Omit<TransferViewProps, 'color'> }
  | { kind: 'mirror'; props: Omit<MirrorViewProps, 'color'> };

export interface TerminalSize {
  columns: number;
  rows: number;
}

/**
 * A frame to draw (with `close`, the last one, after which the view gives the terminal
 * back), or the terminal's new size: the resize signal reaches only the main thread.
 */
export type ViewMessage = { frame: ViewFrame; close?: boolean } | { resize: TerminalSize };
