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
  /** What ink draws on: the terminal's output, with frames dropped while suspended. */
  output: NodeJS.WriteStream;
  /**
   * Lend the terminal to another program (a pager): the main screen, cooked input, no
   * mouse reports, keys left unread, Ctrl-C's SIGINT ignored by the browser.
   */
  suspend(): void;
  /** Take the terminal back after suspend; the app draws its next frame in full. */
  resume(): void;
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
  let suspended = false;
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
  const onInt = (): void => {
    // The pager has the terminal: its Ctrl-C is the pager's, not the browser's end.
    if (!suspended) fatal(130);
  };
  const onCrash = (err: unknown): void => fatal(70, err);
  process.on('exit', restore);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  process.on('SIGINT', onInt);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  // Frames ink draws while another program has the terminal are dropped: the next one
  // after resume is drawn in full (the app's screen fills the terminal, so ink clears it first).
  const gatedWrite = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
    if (!suspended) return (stdout.write as (...a: unknown[]) => boolean)(chunk, encoding, callback);
    const cb = typeof encoding === 'function' ? encoding : callback;
    if (typeof cb === 'function') queueMicrotask(() => (cb as () => void)());
    return true;
  };
  const output = new Proxy(stdout, {
    get(target, prop) {
      if (prop === 'write') return gatedWrite;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });

  const suspend = (): void => {
    if (suspended || restored) return;
    suspended = true;
    try {
      stdout.write(`${SGR_RESET}${opts.mouse ? MOUSE_OFF : ''}${CURSOR_SHOW}${ALT_SCREEN_OFF}`);
      if (stdin.isTTY) stdin.setRawMode(false);
    } catch {
      // A terminal that is gone has nothing to lend.
    }
    stopReading(stdin);
  };
  const resume = (): void => {
    if (!suspended || restored) return;
    suspended = false;
    try {
      if (stdin.isTTY) stdin.setRawMode(true);
      stdout.write(`${ALT_SCREEN_ON}${CURSOR_HIDE}${opts.mouse ? MOUSE_ON : ''}`);
    } catch {
      // as above
    }
    startReading(stdin);
  };

  if (opts.alreadyOpen !== true) stdout.write(`${ALT_SCREEN_ON}${CURSOR_HIDE}${opts.mouse ? MOUSE_ON : ''}`);
  return {
    output,
    suspend,
    resume,
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

/**
 * Stop reading the terminal, so the keys typed into another program reach it. A paused
 * stream still reads one chunk more into its buffer before it stops; the read is stopped
 * at the handle (Node's net.Socket restarts it on resume()).
 */
interface StreamHandle {
  reading?: boolean;
  readStop?: () => number;
  readStart?: () => number;
}

function handleOf(stdin: NodeJS.ReadStream): StreamHandle | undefined {
  return (stdin as unknown as { _handle?: StreamHandle })._handle;
}

function stopReading(stdin: NodeJS.ReadStream): void {
  stdin.pause();
  const handle = handleOf(stdin);
  if (handle?.reading === true && typeof handle.readStop === 'function') {
    handle.reading = false;
    handle.readStop();
  }
}

/**
 * Read the terminal again. The stream may still count a read as under way (it was
 * stopped at the handle, not by the stream), so resume() alone would not start one.
 */
function startReading(stdin: NodeJS.ReadStream): void {
  const handle = handleOf(stdin);
  if (handle?.reading === false && typeof handle.readStart === 'function') {
    handle.reading = true;
    handle.readStart();
  }
  stdin.resume();
}
