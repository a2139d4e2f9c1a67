// The ink side of the progress view, loaded by dynamic import only when stderr is a
// terminal, so other runs never pay for ink and React at start-up.
import chalk, { supportsColorStderr } from 'chalk';
import { render } from 'ink';
import { createElement, type ReactElement } from 'react';
import type { BuildProgressModel } from './build-progress.js';
import { BuildView } from './BuildView.js';
import { FrameScheduler } from './frame-scheduler.js';
import type { TransferVerb } from './progress-text.js';
import type { TransferProgress } from './transfer-progress.js';
import { TransferView } from './TransferView.js';

export interface LiveViewOptions {
  stream: NodeJS.WriteStream;
  color: boolean;
}

export interface LiveView {
  /** Something changed; the next frame shows it. */
  invalidate(): void;
  /** Draw the last frame and give the terminal back; resolves once it is written. */
  close(): Promise<void>;
}

/**
 * A terminal that reports no size (a pseudo-terminal nobody sized, as `script` makes)
 * says 0 columns and rows: ink would wrap at every character and clear the screen each
 * frame. Such a terminal is drawn as 80x24 instead.
 */
function sized(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  if (stream.columns > 0 && stream.rows > 0) return stream;
  return new Proxy(stream, {
    get(target, key) {
      if (key === 'columns') return target.columns > 0 ? target.columns : 80;
      if (key === 'rows') return target.rows > 0 ? target.rows : 24;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function mount(frame: () => ReactElement, opts: LiveViewOptions): LiveView {
  // chalk guesses its level from stdout, but the view is drawn on stderr (stdout may be
  // a pipe for -o json); and NO_COLOR means level 0, which chalk itself ignores.
  chalk.level = opts.color && supportsColorStderr !== false ? supportsColorStderr.level : 0;
  const stream = sized(opts.stream);
  const ink = render(frame(), {
    stdout: stream,
    stderr: stream,
    patchConsole: false,
    exitOnCtrlC: false,
    maxFps: 4,
  });
  const frames = new FrameScheduler(() => ink.rerender(frame()));
  let closing: Promise<void> | undefined;
  return {
    invalidate: () => frames.invalidate(),
    close: () => {
      closing ??= (async () => {
        frames.stop();
        ink.rerender(frame());
        // Asked before unmounting: ink settles only a promise that exists by then.
        const exited = ink.waitUntilExit();
        ink.unmount();
        await exited;
      })();
      return closing;
    },
  };
}

export function mountBuildView(model: BuildProgressModel, opts: LiveViewOptions): LiveView {
  return mount(() => createElement(BuildView, { artifacts: model.snapshot(), color: opts.color }), opts);
}

export function mountTransferView(
  model: TransferProgress,
  view: { title: string; verb: TransferVerb; clock: () => number },
  opts: LiveViewOptions,
): LiveView {
  return mount(
    () => createElement(TransferView, { title: view.title, verb: view.verb, snapshot: model.snapshot(view.clock()), color: opts.color }),
    opts,
  );
}
