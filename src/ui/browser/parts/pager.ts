// Show long text (raw JSON) in the user's pager: $PAGER, else `less -R`, else `more`.
// The ink app leaves the terminal to the pager (suspend: raw mode off, main screen) and
// takes it back when the pager exits (resume).
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';

export interface PagerOptions {
  env?: NodeJS.ProcessEnv;
  /** Called before the pager starts: leave raw mode and the alternate screen. */
  suspend?: () => void | Promise<void>;
  /** Called after the pager exited (also when it failed): restore what suspend left. */
  resume?: () => void | Promise<void>;
}

async function onPath(tool: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    try {
      await access(path.join(dir, tool), constants.X_OK);
      return true;
    } catch {
      // next PATH entry
    }
  }
  return false;
}

/** The shell command to run, or undefined when there is no pager to use. */
export async function choosePager(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const given = (env.PAGER ?? '').trim();
  // $PAGER is a command line (`less -FRX`), run by the shell as git and man do.
  if (given !== '') return given;
  if (await onPath('less', env)) return 'less -R';
  if (await onPath('more', env)) return 'more';
  return undefined;
}

/**
 * Page `text`; resolves true once the pager has exited, false when there is no pager
 * (or it could not run: exit 126/127 from the shell) so the caller shows the text itself.
 */
export async function openInPager(text: string, opts: PagerOptions = {}): Promise<boolean> {
  const env = opts.env ?? process.env;
  const command = await choosePager(env);
  if (command === undefined) return false;
  await opts.suspend?.();
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', command], { env, stdio: ['pipe', 'inherit', 'inherit'] });
      child.once('error', reject);
      child.once('close', (exitCode) => resolve(exitCode));
      // A pager quit before reading everything closes its end: not an error.
      child.stdin.once('error', () => undefined);
      child.stdin.end(text);
    });
    return code !== 126 && code !== 127;
  } finally {
    await opts.resume?.();
  }
}
