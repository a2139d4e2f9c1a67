// A real terminal for end-to-end tests of the interactive browser: a tmux server of its
// own (its own socket), one pane running a command, keys sent and the screen read back
// with capture-pane. After the command ends the pane keeps running a shell line that
// prints the exit status and the terminal's line settings, so restoration can be checked.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';

const execFileAsync = promisify(execFile);

export interface TmuxOptions {
  columns?: number;
  rows?: number;
  env?: Record<string, string>;
  cwd?: string;
}

/** Quoted for sh. */
function q(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export class TmuxTerminal {
  readonly socket: string;
  readonly #dir: string;

  private constructor(socket: string, dir: string) {
    this.socket = socket;
    this.#dir = dir;
  }

  /** Starts `argv` in a fresh terminal of the given size. */
  static async start(argv: string[], opts: TmuxOptions = {}): Promise<TmuxTerminal> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-tmux-'));
    const socket = `lazyoci-test-${process.pid}-${randomBytes(4).toString('hex')}`;
    const script = path.join(dir, 'run.sh');
    const env = { TERM: 'xterm-256color', ...opts.env };
    await writeFile(
      script,
      [
        '#!/bin/sh',
        ...Object.entries(env).map(([k, v]) => `export ${k}=${q(v)}`),
        'unset CI CONTINUOUS_INTEGRATION',
        ...(opts.cwd === undefined ? [] : [`cd ${q(opts.cwd)}`]),
        `${argv.map(q).join(' ')}`,
        'status=$?',
        // What the terminal was left in: canonical input and echo on means raw mode is off.
        'printf "\\n[exit %s] [stty %s]\\n" "$status" "$(stty -a | tr " ;" "\\n\\n" | grep -x -e "-\\?icanon" -e "-\\?echo" | tr "\\n" " ")"',
        'exec sleep 600',
      ].join('\n'),
    );
    await chmod(script, 0o755);
    const t = new TmuxTerminal(socket, dir);
    await t.tmux('-f', '/dev/null', 'new-session', '-d', '-x', String(opts.columns ?? 100), '-y', String(opts.rows ?? 30), script);
    return t;
  }

  async tmux(...args: string[]): Promise<string> {
    const { stdout } = await execFileAsync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
    return stdout;
  }

  /** The screen as text. */
  async screen(): Promise<string> {
    return this.tmux('capture-pane', '-p');
  }

  /** The screen with its colours and attributes as escape sequences. */
  async screenWithAttributes(): Promise<string> {
    return this.tmux('capture-pane', '-p', '-e');
  }

  /**
   * Keys by tmux name (Enter, Escape, BTab, C-c, Down), one at a time as a person types
   * them: an Escape sent together with the next key would read as Alt+key.
   */
  async keys(...keys: string[]): Promise<void> {
    for (const key of keys) {
      await this.tmux('send-keys', key);
      await new Promise((r) => setTimeout(r, 40));
    }
  }

  async type(text: string): Promise<void> {
    await this.tmux('send-keys', '-l', text);
  }

  /** A tmux format of the pane: #{alternate_on}, #{cursor_flag}, #{mouse_any_flag}, … */
  async format(format: string): Promise<string> {
    return (await this.tmux('display-message', '-p', format)).trim();
  }

  /** Polls the screen until `text` shows; fails with the last screen after `ms`. */
  async waitFor(text: string | RegExp, ms = 20_000): Promise<string> {
    const end = Date.now() + ms;
    let last = '';
    for (;;) {
      last = await this.screen();
      if (typeof text === 'string' ? last.includes(text) : text.test(last)) return last;
      if (Date.now() > end) throw new Error(`${String(text)} did not appear within ${ms} ms; the screen:\n${last}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The pid of the command the pane runs (the child of its shell). */
  async commandPid(): Promise<number> {
    const shell = await this.format('#{pane_pid}');
    const { stdout } = await execFileAsync('pgrep', ['-P', shell], { encoding: 'utf8' });
    const pids = stdout.trim().split('\n').filter((p) => p !== '');
    if (pids.length === 0) throw new Error('the command is not running');
    return Number(pids[0]);
  }

  async stop(): Promise<void> {
    await this.tmux('kill-server').catch(() => undefined);
    await rm(this.#dir, { recursive: true, force: true });
  }
}

/**
 * After the browser ended: the exit status matched, the normal screen with nothing of the
 * browser's left on it, a visible cursor, no mouse reporting, cooked input. The screen is returned.
 */
export async function expectRestored(t: TmuxTerminal, exit: RegExp): Promise<string> {
  const screen = await t.waitFor(/\[exit \d+\]/);
  expect(screen).toMatch(exit);
  expect(screen).toMatch(/\[stty icanon echo \]/);
  expect(screen).not.toContain('1 Registries');
  expect(await t.format('#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{mouse_sgr_flag} #{mouse_button_flag}')).toBe('0 1 0 0 0');
  return screen;
}
