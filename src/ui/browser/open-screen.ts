// The browser's screen opened before anything heavy loads: alternate screen, hidden
// cursor, mouse reporting, raw input, and the skeleton frame (skeleton.ts), so the first
// paint comes a few milliseconds after Node reaches lazyoci's first line instead of
// after ink, React, yoga and the registry client have loaded. ink then draws over it.
// Until the terminal session (terminal-session.ts) takes the terminal over, this module
// restores it on every way out: exit, SIGTERM/SIGHUP/SIGINT, or an error before ink ran.
// Keys typed meanwhile are not lost: raw mode keeps them unechoed in the terminal's
// buffer until ink starts reading.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MOUSE_OFF, MOUSE_ON } from './mouse.js';
import { colorDepth, skeletonFrame } from './skeleton.js';
import { colorDisabled, PLAIN_THEME, themeNamed } from './themes.js';

export const ALT_SCREEN_ON = '\x1b[?1049h';
export const ALT_SCREEN_OFF = '\x1b[?1049l';
export const CURSOR_HIDE = '\x1b[?25l';
export const CURSOR_SHOW = '\x1b[?25h';
export const SGR_RESET = '\x1b[0m';

export interface EarlyScreen {
  /** performance.now() when the skeleton was written (ms since the process started). */
  paintedAt: number;
  /** CPU time (user + system, ms) the process had used by then: a figure the machine's load does not inflate. */
  paintedCpuMs: number;
  /** Whether mouse reporting was turned on. */
  mouse: boolean;
  /** The terminal session owns the terminal from now on: this module's handlers are removed. */
  handOver(): void;
  /** Give the terminal back, unless it was handed over; safe to call more than once. */
  restore(): void;
}

let opened: EarlyScreen | undefined;

/** The screen opened early in this process, if it was. */
export function earlyScreen(): EarlyScreen | undefined {
  return opened;
}

/** Whether mouse reporting is wanted (LAZYOCI_NO_MOUSE turns it off). */
export function mouseWanted(env: NodeJS.ProcessEnv): boolean {
  return env.LAZYOCI_NO_MOUSE === undefined || env.LAZYOCI_NO_MOUSE === '';
}

/**
 * The theme saved in the settings, found without a YAML parser (the file is read again,
 * properly, when the browser loads): the skeleton is drawn in the colours ink uses.
 */
function savedThemeName(env: NodeJS.ProcessEnv): string | undefined {
  try {
    const base = env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
    const text = readFileSync(join(base, 'lazyoci', 'config.yaml'), 'utf8');
    return /^theme:\s*["']?([\w-]+)/m.exec(text)?.[1];
  } catch {
    return undefined;
  }
}

export function openEarlyScreen(
  env: NodeJS.ProcessEnv,
  stdin: NodeJS.ReadStream = process.stdin,
  stdout: NodeJS.WriteStream = process.stdout,
): EarlyScreen {
  if (opened !== undefined) return opened;
  const mouse = mouseWanted(env);
  let done = false;
  const detach = (): void => {
    done = true;
    process.off('exit', restore);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
    process.off('SIGINT', onInt);
  };
  const restore = (): void => {
    if (done) return;
    detach();
    try {
      if (stdin.isTTY) stdin.setRawMode(false);
      stdout.write(`${SGR_RESET}${mouse ? MOUSE_OFF : ''}${CURSOR_SHOW}${ALT_SCREEN_OFF}`);
    } catch {
      // The terminal may already be gone (SIGHUP).
    }
  };
  const fatal = (code: number) => (): void => {
    restore();
    process.exit(code);
  };
  const onTerm = fatal(143);
  const onHup = fatal(129);
  const onInt = fatal(130);
  process.on('exit', restore);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  process.on('SIGINT', onInt);

  try {
    if (stdin.isTTY) stdin.setRawMode(true);
  } catch {
    // Not a terminal after all; ink will say so.
  }
  const theme = colorDisabled(env) ? PLAIN_THEME : themeNamed(savedThemeName(env));
  const frame = skeletonFrame({ columns: stdout.columns || 80, rows: stdout.rows || 24, theme, depth: colorDepth(env) });
  stdout.write(`${ALT_SCREEN_ON}${CURSOR_HIDE}${mouse ? MOUSE_ON : ''}${frame}`);
  const cpu = process.cpuUsage();
  opened = { paintedAt: performance.now(), paintedCpuMs: (cpu.user + cpu.system) / 1000, mouse, handOver: detach, restore };
  return opened;
}
