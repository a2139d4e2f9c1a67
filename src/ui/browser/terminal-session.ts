// The terminal while the browser runs: alternate screen, hidden cursor, mouse reporting,
// raw input; and the one restore that puts all of it back on every way out — quit,
// Ctrl-C, SIGTERM/SIGHUP, an uncaught error, process exit.
import { PassThrough } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { MOUSE_OFF, MOUSE_ON, splitMouse, type MouseEvent, type MouseSource } from './mouse.js';

const ALT_SCREEN_ON = '\x1b[?1049h';
const ALT_SCREEN_OFF = '\x1b[?1049l';
const CURSOR_HIDE = '\x1b[?25l';
const CURSOR_SHOW = '\x1b[?25h';
/** Reset colours and attributes, so nothing of the last frame bleeds into the shell. */
const SGR_RESET = '\x1b[0m';

export interface TerminalSession {
  /** What ink reads keys from: the terminal's input less the mouse reports. */
  input: NodeJS.ReadStream;
  mouse: MouseSource;
  /** Give the terminal back; safe to call more than once. */
  restore(): void;
  /** Runs first when the session ends by a signal or crash (ink's unmount, still in the alternate screen). */
  beforeRestore(cleanup: () => void): void;
}

export interface TerminalSessionOptions {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  /** Mouse reporting (wheel and clicks); off when the user asked for none. */
  mouse: boolean;
  /** After restoring, on a signal or crash: how the process ends. */
  onFatal: (exitCode: number, error?: unknown) => void;
  /** The alternate screen, cursor and mouse were already set up (open-screen.ts): not sent again. */
  alreadyOpen?: boolean;
}

export function startTerminalSession(opts: TerminalSessionOptions): TerminalSession {
  const { stdin, stdout } = opts;
  const listeners = new Set<(e: MouseEvent) => void>();
  const decoder = new StringDecoder('utf8');
  let pending = '';

  // ink reads from this stream as if it were the terminal: raw mode and ref/unref are
  // passed through to the real one.
  const input = new PassThrough() as unknown as NodeJS.ReadStream & PassThrough;
  Object.assign(input, {
    isTTY: true,
    setRawMode: (mode: boolean) => {
      if (stdin.isTTY) stdin.setRawMode(mode);
      return input;
    },
    ref: () => {
      stdin.ref();
      return input;
    },
    unref: () => {
      stdin.unref();
      return input;
    },
  });
  const onData = (chunk: Buffer | string): void => {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    const split = splitMouse(text, pending);
    pending = split.pending;
    for (const e of split.events) for (const l of listeners) l(e);
    if (split.rest !== '') input.write(split.rest);
  };
  stdin.on('data', onData);

  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    stdin.off('data', onData);
    try {
      if (stdin.isTTY) stdin.setRawMode(false);
    } catch {
      // The terminal may already be gone (SIGHUP); nothing left to restore there.
    }
    stdin.pause();
    try {
      stdout.write(`${SGR_RESET}${opts.mouse ? MOUSE_OFF : ''}${CURSOR_SHOW}${ALT_SCREEN_OFF}`);
    } catch {
      // as above
    }
    process.off('exit', restore);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
    process.off('SIGINT', onInt);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  };
  let cleanup: (() => void) | undefined;
  const fatal = (code: number, error?: unknown): void => {
    try {
      cleanup?.();
    } catch {
      // Restoring the terminal matters more than a clean unmount.
    }
    restore();
    opts.onFatal(code, error);
  };
  const onTerm = (): void => fatal(143);
  const onHup = (): void => fatal(129);
  // In raw mode Ctrl-C is a key; SIGINT comes only from kill -INT.
  const onInt = (): void => fatal(130);
  const onCrash = (err: unknown): void => fatal(70, err);
  process.on('exit', restore);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  process.on('SIGINT', onInt);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  if (opts.alreadyOpen !== true) stdout.write(`${ALT_SCREEN_ON}${CURSOR_HIDE}${opts.mouse ? MOUSE_ON : ''}`);
  return {
    input,
    mouse: {
      subscribe: (l) => {
        listeners.add(l);
        return () => void listeners.delete(l);
      },
    },
    restore,
    beforeRestore: (fn) => {
      cleanup = fn;
    },
  };
}
