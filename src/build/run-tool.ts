// Runs an external build tool (no shell), streams its output lines to a hook, keeps the
// tail for error messages, and kills it when the caller's AbortSignal fires.
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
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

    const emit = (line: string): void => {
      tail.push(line);
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
      const output = tail.text();
      reject(new BuildError(`${label} ${how}${output === '' ? '' : `:\n${output}`}`));
    });
  });
}
