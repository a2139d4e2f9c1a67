// The docker-credential-helpers protocol: `docker-credential-<name> get|store|erase`,
// the request on stdin, the answer on stdout. Used by docker, oras, helm, skopeo and
// podman alike, so credentials stored through one are found by all.
// Messages never carry a helper's stdout (it may hold the secret), nor what was sent.
import { spawn } from 'node:child_process';
import { RegistryError, UsageError } from '../../errors/index.js';
import type { Credential } from './credentials.js';

export const HELPER_TIMEOUT_MS = 30_000;
/** A helper answers with one small JSON object; more than this is not a credential. */
const HELPER_OUTPUT_LIMIT = 64 * 1024;

type HelperAction = 'get' | 'store' | 'erase';

interface HelperOutcome {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function helperError(program: string, message: string, hint?: string): RegistryError {
  return new RegistryError(`credential helper ${program}: ${message}`, {
    method: 'EXEC',
    url: program,
    ...(hint === undefined ? {} : { hint }),
  });
}

/** The program for a helper name from a config file; a path there would run anything. */
function helperProgram(helper: string): string {
  if (helper === '' || /[/\\]/.test(helper) || helper.startsWith('.')) {
    throw new UsageError(`the Docker config names an invalid credential helper "${helper}"`);
  }
  return `docker-credential-${helper}`;
}

/** docker-credential-helpers say "credentials not found in native keychain" (stdout). */
function saysNotFound(outcome: HelperOutcome): boolean {
  return /credentials not found/i.test(`${outcome.stdout.toString('utf8')}\n${outcome.stderr}`);
}

function failed(program: string, action: HelperAction, outcome: HelperOutcome): RegistryError {
  const why = outcome.stderr.trim().split('\n')[0]?.slice(0, 200);
  return helperError(program, `"${action}" failed (exit ${outcome.code ?? 'by signal'})${why ? `: ${why}` : ''}`);
}

/** Run the helper (no shell) with `input` on stdin; kill it after `timeoutMs`. */
async function execHelper(helper: string, action: HelperAction, input: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<HelperOutcome> {
  const program = helperProgram(helper);
  const outcome = await new Promise<HelperOutcome & { timedOut: boolean; overflow: boolean }>((resolve, reject) => {
    const child = spawn(program, [action], { env, stdio: ['pipe', 'pipe', 'pipe'], shell: false, windowsHide: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let overflow = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      // Do not wait for 'close': a grandchild may still hold the pipes open.
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ code: null, stdout: Buffer.alloc(0), stderr: '', timedOut: true, overflow });
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      outBytes += c.length;
      if (outBytes > HELPER_OUTPUT_LIMIT) {
        overflow = true;
        child.kill('SIGKILL');
      } else out.push(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      errBytes += c.length;
      if (errBytes <= HELPER_OUTPUT_LIMIT) err.push(c);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT') {
        reject(
          new UsageError(`credential helper ${program} is not installed (not found on PATH)`, {
            hint: 'install it, or remove it from credHelpers/credsStore in the Docker config (config.json)',
          }),
        );
      } else reject(helperError(program, `cannot run it (${e.code ?? e.message})`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), timedOut: false, overflow });
    });
    // A helper may exit without reading its input; that is its answer, not our failure.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
  if (outcome.timedOut) throw helperError(program, `no answer within ${Math.round(timeoutMs / 1000)} s`);
  if (outcome.overflow) throw helperError(program, 'answered with more output than a credential');
  return outcome;
}

/**
 * `get`: the server URL on stdin, `{ServerURL, Username, Secret}` back.
 * "credentials not found" means none (undefined).
 */
export async function helperGet(
  helper: string,
  serverUrl: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number = HELPER_TIMEOUT_MS,
): Promise<Credential | undefined> {
  const program = helperProgram(helper);
  const outcome = await execHelper(helper, 'get', serverUrl, env, timeoutMs);
  if (outcome.code !== 0) {
    if (saysNotFound(outcome)) return undefined;
    throw failed(program, 'get', outcome);
  }
  let answer: { Username?: unknown; Secret?: unknown };
  try {
    answer = JSON.parse(outcome.stdout.toString('utf8')) as typeof answer;
  } catch {
    throw helperError(program, 'answered with something that is not JSON');
  }
  if (answer === null || typeof answer !== 'object') throw helperError(program, 'answered with something that is not a JSON object');
  const secret = typeof answer.Secret === 'string' ? answer.Secret : '';
  const username = typeof answer.Username === 'string' ? answer.Username : '';
  if (secret === '') return undefined;
  // Docker's convention: the user name "<token>" marks the secret as an identity (refresh) token.
  if (username === '<token>') return { kind: 'identity-token', token: secret };
  if (username === '') throw helperError(program, 'answered without a Username');
  return { kind: 'basic', username, password: secret };
}

/** `store`: `{ServerURL, Username, Secret}` on stdin. */
export async function helperStore(
  helper: string,
  serverUrl: string,
  credential: { username: string; secret: string },
  env: NodeJS.ProcessEnv,
  timeoutMs: number = HELPER_TIMEOUT_MS,
): Promise<void> {
  const input = JSON.stringify({ ServerURL: serverUrl, Username: credential.username, Secret: credential.secret });
  const outcome = await execHelper(helper, 'store', input, env, timeoutMs);
  if (outcome.code !== 0) throw failed(helperProgram(helper), 'store', outcome);
}

/** `erase`: the server URL on stdin. Returns false when the helper held nothing for it. */
export async function helperErase(helper: string, serverUrl: string, env: NodeJS.ProcessEnv, timeoutMs: number = HELPER_TIMEOUT_MS): Promise<boolean> {
  const outcome = await execHelper(helper, 'erase', serverUrl, env, timeoutMs);
  if (outcome.code === 0) return true;
  if (saysNotFound(outcome)) return false;
  throw failed(helperProgram(helper), 'erase', outcome);
}
