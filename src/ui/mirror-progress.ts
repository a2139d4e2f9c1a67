// Progress of a mirror run on stderr, as other commands show theirs: in a terminal the
// live view (items done of all, failures, and each running copy's bytes and blobs);
// otherwise plain lines (each copied blob, each finished item numbered); under -q only
// failures. The model is a reducer over the run's MirrorEvents; the clock is handed in.
import { CancelledError } from '../errors/index.js';
import type { ItemStatus, MirrorEvent } from '../ops/mirror/mirror.js';
import { copyEventLine } from './copy-event-text.js';
import { mirrorEventLine } from './mirror-text.js';
import { colorEnabled, progressMode, type ProgressTerminal } from './progress-reporter.js';
import { TransferProgress, type TransferSnapshot } from './transfer-progress.js';

export interface MirrorRowSnapshot {
  id: number;
  kind: 'chart' | 'image';
  target: string;
  /** `running` until the item ends; then its status. */
  state: 'running' | ItemStatus;
  digest?: string;
  error?: string;
  transfer: TransferSnapshot;
}

export interface MirrorProgressSnapshot {
  /** Items of the run, once resolved. */
  total?: number;
  done: number;
  failed: number;
  /** Resolved only: nothing is copied. */
  dryRun: boolean;
  /** Finished rows in the order they finished, then the running ones. */
  finished: MirrorRowSnapshot[];
  running: MirrorRowSnapshot[];
  /** The run stopped early (Ctrl-C, an error): why. */
  stopped?: string;
}

interface Row {
  id: number;
  kind: 'chart' | 'image';
  target: string;
  state: 'running' | ItemStatus;
  digest?: string;
  error?: string;
  transfer: TransferProgress;
}

export class MirrorProgressModel {
  readonly #clock: () => number;
  readonly #rows = new Map<number, Row>();
  readonly #finished: Row[] = [];
  #total: number | undefined;
  #failed = 0;
  #dryRun = false;
  #stopped: string | undefined;

  constructor(clock: () => number = () => performance.now()) {
    this.#clock = clock;
  }

  /** How many items have ended, and how many there are (once known). */
  get counts(): { done: number; total: number | undefined; failed: number } {
    return { done: this.#finished.length, total: this.#total, failed: this.#failed };
  }

  apply(event: MirrorEvent): void {
    const now = this.#clock();
    switch (event.type) {
      case 'resolved':
        this.#total = event.charts + event.images;
        this.#dryRun = event.dryRun;
        return;
      case 'started':
        this.#rows.set(event.id, { id: event.id, kind: event.kind, target: event.target, state: 'running', transfer: new TransferProgress() });
        return;
      case 'copy':
        this.#rows.get(event.id)?.transfer.apply(event.event, now);
        return;
      case 'item': {
        let row = this.#rows.get(event.id);
        if (row === undefined) {
          row = { id: event.id, kind: event.kind, target: event.target || event.source, state: 'running', transfer: new TransferProgress() };
          this.#rows.set(event.id, row);
        }
        row.state = event.status;
        if (event.digest !== undefined) row.digest = event.digest;
        if (event.status === 'failed') {
          row.error = event.error ?? 'failed';
          row.transfer.fail(now, row.error);
          this.#failed++;
        } else row.transfer.finish(now, event.digest);
        this.#finished.push(row);
      }
    }
  }

  /** The run stopped before its end: running copies are shown stopped, not running. */
  interrupt(reason: string): void {
    this.#stopped = reason;
    for (const row of this.#rows.values()) if (row.state === 'running') row.transfer.fail(this.#clock(), reason);
  }

  snapshot(): MirrorProgressSnapshot {
    const now = this.#clock();
    const view = (r: Row): MirrorRowSnapshot => ({
      id: r.id,
      kind: r.kind,
      target: r.target,
      state: r.state,
      ...(r.digest === undefined ? {} : { digest: r.digest }),
      ...(r.error === undefined ? {} : { error: r.error }),
      transfer: r.transfer.snapshot(now),
    });
    return {
      ...(this.#total === undefined ? {} : { total: this.#total }),
      done: this.#finished.length,
      failed: this.#failed,
      dryRun: this.#dryRun,
      finished: this.#finished.map(view),
      running: [...this.#rows.values()].filter((r) => r.state === 'running').map(view),
      ...(this.#stopped === undefined ? {} : { stopped: this.#stopped }),
    };
  }
}

export interface MirrorProgress {
  onEvent: (event: MirrorEvent) => void;
  /** Finish the view (pass the error when the run threw), before anything goes to stdout. */
  close(error?: unknown): Promise<void>;
}

export async function startMirrorProgress(t: ProgressTerminal, title: string): Promise<MirrorProgress> {
  const mode = progressMode({ isTTY: t.stream.isTTY, env: t.env, quiet: t.quiet });
  const model = new MirrorProgressModel();
  if (mode !== 'live') {
    return {
      onEvent: (event) => {
        model.apply(event);
        // Quiet silences progress, never failures.
        if (mode === 'quiet' && !(event.type === 'item' && event.status === 'failed')) return;
        const line = event.type === 'copy' ? copyEventLine(event.event, 'copied') : mirrorEventLine(event, model.counts);
        if (line !== undefined) t.write(`${line}\n`);
      },
      close: async () => undefined,
    };
  }
  const { mountMirrorView } = await import('./live-view.js');
  const live = mountMirrorView(model, title, { stream: t.stream, color: colorEnabled(t.env) });
  return {
    onEvent: (event) => {
      model.apply(event);
      live.invalidate();
    },
    close: async (error) => {
      if (error !== undefined) model.interrupt(error instanceof CancelledError ? 'cancelled' : 'stopped');
      await live.close();
    },
  };
}
