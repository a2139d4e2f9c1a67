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
import { MirrorView } from './MirrorView.js';
import { TransferView, type TransferViewProps } from './TransferView.js';
import type { TerminalSize, ViewFrame, ViewMessage, ViewSetup } from './live-view-protocol.js';

const setup = workerData as ViewSetup;
const port = parentPort!;

/**
 * The stream ink draws to, with the terminal's size as this thread knows it: measured
 * here at the start, then as the main thread reports each resize. A terminal that
 * reports no size (a pseudo-terminal nobody sized, as `script` makes) says 0 columns
 * and rows: ink would wrap at every character and clear the screen each frame. Such a
 * terminal is drawn as 80x24 instead.
 */
function sized(stream: NodeJS.WriteStream): { stream: NodeJS.WriteStream; resize: (to: TerminalSize) => void } {
  const size = { columns: 80, rows: 24 };
  const take = (to: TerminalSize): void => {
    size.columns = to.columns > 0 ? to.columns : 80;
    size.rows = to.rows > 0 ? to.rows : 24;
  };
  take({ columns: stream.columns, rows: stream.rows });
  const view = new Proxy(stream, {
    get(target, key) {
      if (key === 'columns') return size.columns;
      if (key === 'rows') return size.rows;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    stream: view,
    resize: (to) => {
      take(to);
      // ink listens for this on the stream it draws to, and lays the view out again.
      stream.emit('resize');
    },
  };
}

function element(frame: ViewFrame): ReactElement {
  const color = setup.colorLevel > 0;
  if (frame.kind === 'mirror') return createElement(MirrorView, { ...frame.props, color });
  return frame.kind === 'build'
    ? createElement(BuildView, { ...(frame.props as Omit<BuildViewProps, 'color'>), color })
    : createElement(TransferView, { ...(frame.props as Omit<TransferViewProps, 'color'>), color });
}

// The main thread measured the terminal's colours (NO_COLOR included); this thread's own
// process.stderr is a pipe to it, from which chalk would guess none.
chalk.level = setup.colorLevel;
const terminal = sized(new WriteStream(setup.fd) as NodeJS.WriteStream);
const stream = terminal.stream;
let ink: ReturnType<typeof render> | undefined;

port.on('message', (message: ViewMessage) => {
  if ('resize' in message) {
    terminal.resize(message.resize);
    return;
  }
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
