// Decides how a command shows progress on stderr: the live ink view in a terminal,
// plain lines otherwise, only failures under -q; and hands out the one event sink.
import type { CopyEvent } from '../copy/events.js';
import { CancelledError } from '../errors/index.js';
import type { BuildEvent } from '../ops/build.js';
import { BuildProgressModel } from './build-progress.js';
import { buildEventLine } from './build-text.js';
import { copyEventLine } from './copy-event-text.js';
import type { TransferVerb } from './progress-text.js';
import { TransferProgress, type TransferTotal } from './transfer-progress.js';

export interface ProgressTerminal {
  /** Where the live view draws: the process's stderr. */
  stream: NodeJS.WriteStream;
  /** Plain lines go here. */
  write: (text: string) => void;
  env: NodeJS.ProcessEnv;
  quiet: boolean;
}

export type ProgressMode = 'live' | 'lines' | 'quiet';

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

/**
 * Live only on a terminal that can redraw: not TERM=dumb, and not under CI, whose log
 * viewers keep every frame (ink itself would only print the last one there).
 */
export function progressMode(t: { isTTY: boolean | undefined; env: NodeJS.ProcessEnv; quiet: boolean }): ProgressMode {
  if (t.quiet) return 'quiet';
  if (t.isTTY !== true || t.env.TERM === 'dumb' || isSet(t.env.CI)) return 'lines';
  return 'live';
}

/** https://no-color.org: any non-empty NO_COLOR turns colour off. */
export function colorEnabled(env: NodeJS.ProcessEnv): boolean {
  return env.NO_COLOR === undefined || env.NO_COLOR === '';
}

/** The short reason left on rows a run did not finish; the error itself is printed below. */
function stopReason(error: unknown, otherwise: string): string {
  return error instanceof CancelledError ? 'cancelled' : otherwise;
}

export interface BuildProgress {
  onEvent: (event: BuildEvent) => void;
  /**
   * Finish the view (pass the error when the run threw). Call it before anything is
   * written to stdout or an error is reported, so the view is not drawn over them.
   */
  close(error?: unknown): Promise<void>;
}

export async function startBuildProgress(t: ProgressTerminal): Promise<BuildProgress> {
  const mode = progressMode({ isTTY: t.stream.isTTY, env: t.env, quiet: t.quiet });
  if (mode !== 'live') {
    return {
      onEvent: (event) => {
        // Quiet silences progress, never failures.
        if (mode === 'quiet' && event.type !== 'target-failed') return;
        const line = buildEventLine(event);
        if (line !== undefined) t.write(`${line}\n`);
      },
      close: async () => undefined,
    };
  }
  const model = new BuildProgressModel();
  const { mountBuildView } = await import('./live-view.js');
  const view = mountBuildView(model, { stream: t.stream, color: colorEnabled(t.env) });
  return {
    onEvent: (event) => {
      model.apply(event);
      view.invalidate();
    },
    close: async (error) => {
      if (error !== undefined) model.interrupt(stopReason(error, 'stopped'));
      await view.close();
    },
  };
}

export interface TransferProgressReporter {
  onEvent: (event: CopyEvent) => void;
  /**
   * For the service to report the graph's size, which only the live view uses (it can
   * cost the service a few reads up front); absent otherwise.
   */
  onTotal?: (total: TransferTotal) => void;
  close(error?: unknown): Promise<void>;
}

export async function startTransferProgress(
  t: ProgressTerminal,
  view: { title: string; verb: TransferVerb },
): Promise<TransferProgressReporter> {
  const mode = progressMode({ isTTY: t.stream.isTTY, env: t.env, quiet: t.quiet });
  if (mode !== 'live') {
    return {
      onEvent: (event) => {
        if (mode === 'quiet') return;
        const line = copyEventLine(event, view.verb);
        if (line !== undefined) t.write(`${line}\n`);
      },
      close: async () => undefined,
    };
  }
  const clock = (): number => performance.now();
  const model = new TransferProgress();
  const { mountTransferView } = await import('./live-view.js');
  const live = mountTransferView(model, { ...view, clock }, { stream: t.stream, color: colorEnabled(t.env) });
  return {
    onEvent: (event) => {
      model.apply(event, clock());
      live.invalidate();
    },
    onTotal: (total) => {
      model.setTotal(total);
      live.invalidate();
    },
    close: async (error) => {
      if (error === undefined) model.finish(clock());
      else model.fail(clock(), stopReason(error, 'failed'));
      await live.close();
    },
  };
}

/** Run `work`, then close the view, also when `work` throws (the error is passed on). */
export async function closingProgress<T>(progress: { close(error?: unknown): Promise<void> }, work: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (err) {
    await progress.close(err);
    throw err;
  }
  await progress.close();
  return result;
}
