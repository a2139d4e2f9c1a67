// Runs an external build tool (no shell), streams its output lines to a hook, keeps the
// tail for error messages, and kills it when the caller's AbortSignal fires.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { BuildError, CancelledError } from '../errors/index.js';

export interface RunToolOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  onLog?: (line: string) => void;
  /** Kill the tool after this many milliseconds (a BuildError says it timed out). */
  timeoutMs?: number;
  /** How many trailing output lines a failure message carries; 20 by default. */
  tailLines?: number;
  /** Grace period between SIGTERM and SIGKILL; 5 s by default. */
  killGraceMs?: number;
  /**
   * How errors name the step, e.g. `buildah build`. Never the full command line:
   * build-arg values may hold tokens, and errors end up in CI logs.
   */
  label?: string;
  /**
   * Where a failed run's whole output is written (a file per failure, mode 0600). The
   * error then carries one line and that file's path; without it, the output's tail.
   */
  logDir?: string;
}

export interface ToolResult {
  stdout: string;
  stderr: string;
}

/** The output lines kept for a failure message, in arrival order. */
class TailBuffer {
  readonly #max: number;
  readonly #lines: string[] = [];
  constructor(max: number) {
    this.#max = max;
  }
  push(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.#max) this.#lines.shift();
  }
  text(): string {
    return this.#lines.join('\n');
  }
}

/** `$XDG_CACHE_HOME/lazyoci/logs` (`~/.cache` when unset): where failed builds leave their output. */
export function buildLogDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(env.HOME ?? homedir(), '.cache');
  return join(base, 'lazyoci', 'logs');
}

/**
 * The line of a tool's output that says why it failed: the last one naming an error
 * (buildah `Error: …`, BuildKit `ERROR: …`), else the last non-empty one.
 */
export function failureLine(lines: readonly string[]): string | undefined {
  const meaningful = lines.map((l) => l.trim()).filter((l) => l !== '');
  for (let i = meaningful.length - 1; i >= 0; i--) if (/\berror\b/i.test(meaningful[i]!)) return meaningful[i];
  return meaningful[meaningful.length - 1];
}

/** Keep a failed run's whole output in a file of its own; its path, or undefined when it cannot be written. */
async function writeFailureLog(dir: string, label: string, lines: readonly string[]): Promise<string | undefined> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
    const file = join(dir, `${label.replace(/[^A-Za-z0-9._-]+/g, '-')}-${stamp}-${process.pid}.log`);
    await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
    return file;
  } catch {
    return undefined;
  }
}

/** Splits a byte stream into lines, holding a partial last line until more arrives. */
function lineSplitter(emit: (line: string) => void): { write(chunk: Buffer): void; end(): void } {
  let pending = '';
  return {
    write(chunk) {
      pending += chunk.toString('utf8');
      const parts = pending.split(/\r?\n|\r/);
      pending = parts.pop() ?? '';
      for (const p of parts) emit(p);
    },
    end() {
      if (pending !== '') emit(pending);
      pending = '';
    },
  };
}

/**
 * Run `command args…` to completion. Resolves with the full output on exit code 0;
 * otherwise rejects with a BuildError carrying the last output lines, or with a
 * CancelledError once the signal has aborted and the child has exited.
 */
export function runTool(command: string, args: readonly string[], opts: RunToolOptions = {}): Promise<ToolResult> {
  const { signal } = opts;
  if (signal?.aborted === true) return Promise.reject(new CancelledError('build cancelled'));
  const label = opts.label ?? [basename(command), args.find((a) => !a.startsWith('-'))].filter(Boolean).join(' ');
  const tail = new TailBuffer(opts.tailLines ?? 20);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];

  return new Promise<ToolResult>((resolve, reject) => {
    const child = spawn(command, [...args], {
      env: opts.env,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
    });
    let aborted = false;
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      child.kill('SIGTERM');
      // A tool that ignores SIGTERM (or is stuck in a syscall) must still go away.
      killTimer = setTimeout(() => child.kill('SIGKILL'), opts.killGraceMs ?? 5000);
      killTimer.unref();
    };
    const onAbort = (): void => {
      aborted = true;
      stop();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timeout =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            stop();
          }, opts.timeoutMs);

    const all: string[] = [];
    const emit = (line: string): void => {
      tail.push(line);
      if (opts.logDir !== undefined) all.push(line);
      opts.onLog?.(line);
    };
    const outLines = lineSplitter(emit);
    const errLines = lineSplitter(emit);
    child.stdout.on('data', (c: Buffer) => {
      stdout.push(c);
      outLines.write(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr.push(c);
      errLines.write(c);
    });

    const finish = (): void => {
      signal?.removeEventListener('abort', onAbort);
      if (timeout !== undefined) clearTimeout(timeout);
      if (killTimer !== undefined) clearTimeout(killTimer);
      outLines.end();
      errLines.end();
    };

    child.on('error', (err: NodeJS.ErrnoException) => {
      finish();
      const why = err.code === 'ENOENT' ? 'not found' : err.message;
      reject(new BuildError(`cannot run ${label}: ${why}`, { cause: err }));
    });
    child.on('close', (code, sig) => {
      finish();
      if (aborted) {
        reject(new CancelledError('build cancelled'));
        return;
      }
      if (code === 0) {
        resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
        return;
      }
      const how = timedOut
        ? `timed out after ${opts.timeoutMs} ms`
        : code === null
          ? `was killed by ${sig ?? 'a signal'}`
          : `exited with code ${code}`;
      if (opts.logDir === undefined) {
        const output = tail.text();
        reject(new BuildError(`${label} ${how}${output === '' ? '' : `:\n${output}`}`));
        return;
      }
      // One line for the result table (a builder's output can be hundreds of lines); the rest in a file.
      const why = failureLine(all);
      void writeFailureLog(opts.logDir, label, all).then((file) =>
        reject(new BuildError(`${label} ${how}${why === undefined ? '' : `: ${why}`}${file === undefined ? '' : ` (full output: ${file})`}`)),
      );
    });
  });
}
