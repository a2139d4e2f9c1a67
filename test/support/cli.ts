// Runs the built CLI (`node dist/cli.js`) in an isolated environment, as a user would.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, inject } from 'vitest';
import type { RecordedRun } from './secret-scan.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_PATH = path.join(REPO_ROOT, 'dist', 'cli.js');

const CLI_TIMEOUT_MS = 120_000;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A CLI run's exit code and output, for assertion messages. */
export function explain(res: CliResult): string {
  return `exit ${res.code}\nstdout:\n${res.stdout}\nstderr:\n${res.stderr}`;
}

/** A CLI run's stdout as JSON, or an error that shows the whole run. */
export function json<T>(res: CliResult): T {
  try {
    return JSON.parse(res.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON\n${explain(res)}`);
  }
}

export interface CliOptions {
  /** Working directory; the repository root unless given. */
  cwd?: string;
  /** Applied over the isolated environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
}

/**
 * The child sees only PATH from the caller, plus a fresh HOME, an empty DOCKER_CONFIG,
 * its own XDG_CONFIG_HOME and NO_COLOR=1 — never the caller's LAZYOCI_* or credentials.
 * The temporary directories are removed when the child has exited.
 */
export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  try {
    await access(CLI_PATH);
  } catch {
    throw new Error(`${CLI_PATH} does not exist: run \`npm run build\` (or \`make test\`) first`);
  }

  const base = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-cli-'));
  try {
    const home = path.join(base, 'home');
    const dockerConfig = path.join(base, 'docker');
    const xdgConfig = path.join(base, 'xdg-config');
    await Promise.all([mkdir(home), mkdir(dockerConfig), mkdir(xdgConfig)]);

    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: home,
      DOCKER_CONFIG: dockerConfig,
      XDG_CONFIG_HOME: xdgConfig,
      NO_COLOR: '1',
    };
    for (const [key, value] of Object.entries(opts.env ?? {})) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }

    const result = await spawnCli(args, env, opts.cwd ?? REPO_ROOT, opts.input);
    await recordCliRun(args, result);
    return result;
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

/**
 * Keep a run's output for the suite-wide redaction scan (test/global-setup.ts). Tests that
 * spawn the CLI themselves call this too. One file per run, so workers never interleave.
 */
export async function recordCliRun(args: string[], result: CliResult): Promise<void> {
  let dir: string | undefined;
  try {
    dir = inject('testOutputDir');
  } catch {
    return; // not under vitest's global setup: nothing collects the output
  }
  if (dir === undefined) return;
  const state = expect.getState();
  const test = `${path.relative(REPO_ROOT, state.testPath ?? '?')} > ${state.currentTestName ?? '(outside a test)'}`;
  const run: RecordedRun = { test, args, code: result.code, stdout: result.stdout, stderr: result.stderr };
  await writeFile(path.join(dir, `${process.pid}-${Date.now()}-${randomBytes(4).toString('hex')}.json`), JSON.stringify(run));
}

function spawnCli(args: string[], env: Record<string, string>, cwd: string, input: string | undefined): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));

    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CLI_TIMEOUT_MS);

    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) {
        reject(
          new Error(
            `lazyoci ${args.join(' ')} did not finish within ${CLI_TIMEOUT_MS / 1000} s\n` +
              `stdout:\n${stdout}\nstderr:\n${stderr}`,
          ),
        );
        return;
      }
      const signalNumber = signal ? (os.constants.signals[signal] ?? 0) : 0;
      resolve({ code: code ?? 128 + signalNumber, stdout, stderr });
    });

    // The child may exit before reading stdin; that is not our failure.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}
