// The live view's own thread: ink and React are loaded and every frame is laid out and
// written here, so the main thread, which feeds the uploads, is never held up by them.
// It draws straight to the terminal on fd 2 and is sent each frame's data.
import './live-view-thread-globals.js';
import { WriteStream } from 'node:tty';
import { parentPort, workerData } from 'node:worker_threads';
import chalk from 'chalk';
import { render } from 'ink';
import { createElement, type ReactElement } from 'react';
import { BuildView, type BuildViewProps } from './BuildView.js';
import { TransferView, type TransferViewProps } from './TransferView.js';
import type { ViewFrame, ViewMessage, ViewSetup } from './live-view-protocol.js';

const setup = workerData as ViewSetup;
const port = parentPort!;

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

function element(frame: ViewFrame): ReactElement {
  return frame.kind === 'build'
    ? createElement(BuildView, { ...(frame.props as Omit<BuildViewProps, 'color'>), color: setup.colorLevel > 0 })
    : createElement(TransferView, { ...(frame.props as Omit<TransferViewProps, 'color'>), color: setup.colorLevel > 0 });
}

// The main thread measured the terminal's colours (NO_COLOR included); this thread's own
// process.stderr is a pipe to it, from which chalk would guess none.
chalk.level = setup.colorLevel;
const stream = sized(new WriteStream(setup.fd) as NodeJS.WriteStream);
let ink: ReturnType<typeof render> | undefined;

port.on('message', (message: ViewMessage) => {
  if (ink === undefined) ink = render(element(message.frame), { stdout: stream, stderr: stream, patchConsole: false, exitOnCtrlC: false, maxFps: 4 });
  else ink.rerender(element(message.frame));
  if (message.close === true) {
    const app = ink;
    // Asked before unmounting: ink settles only a promise that exists by then.
    const exited = app.waitUntilExit();
    app.unmount();
    void exited.then(() => port.postMessage('closed'));
  }
});
