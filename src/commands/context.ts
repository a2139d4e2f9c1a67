// What every command receives: the global flags, the environment, and where to write.
import type { Command } from 'commander';
import { UsageError } from '../errors/index.js';
import type { RegistryClient, RegistryClientOptions } from '../registry/client/registry-client.js';
import type { RequestListener } from '../registry/transport/request-log.js';
import { resolveTimeouts } from '../registry/transport/timeouts.js';
import type { UserSettings } from '../settings/index.js';
import type { OutputFormat } from '../ui/output.js';
import { normaliseRegistryName } from '../ref/registry-name.js';

export interface GlobalOptions {
  output: OutputFormat;
  /** `-o tree` (discover); every other command reads it as text. */
  outputTree?: true;
  quiet: boolean;
  insecure: boolean;
  caFile?: string;
  username?: string;
  password?: string;
  /**
   * --registry: the one registry --username/--password and LAZYOCI_USERNAME/LAZYOCI_PASSWORD
   * are for. Unset: the command's primary registry (the one it writes to, or reads from).
   */
  registry?: string;
  /** --concurrency: requests at once (blobs and manifests); the copy engine's default when absent. */
  concurrency?: number;
  /** --timeout: seconds each network step may take (connect, response headers, a stalled body). */
  timeout?: number;
  /** --artifact-dir: pull's default destination root for this run, over the artifactDir setting. */
  artifactDir?: string;
}

export interface CommandIO {
  stdin: NodeJS.ReadableStream;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  setExitCode: (code: number) => void;
}

export function globalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<Record<string, unknown>>();
  return {
    output: o.output === 'tree' ? 'text' : ((o.output as OutputFormat | undefined) ?? 'text'),
    ...(o.output === 'tree' ? { outputTree: true as const } : {}),
    quiet: o.quiet === true,
    insecure: o.insecure === true,
    ...(typeof o.caFile === 'string' ? { caFile: o.caFile } : {}),
    ...(typeof o.username === 'string' ? { username: o.username } : {}),
    ...(typeof o.password === 'string' ? { password: o.password } : {}),
    ...(typeof o.registry === 'string' ? { registry: normaliseRegistryName(o.registry) } : {}),
    ...(typeof o.concurrency === 'number' ? { concurrency: o.concurrency } : {}),
    ...(typeof o.timeout === 'number' ? { timeout: o.timeout } : {}),
    ...(typeof o.artifactDir === 'string' && o.artifactDir.trim() !== '' ? { artifactDir: o.artifactDir } : {}),
  };
}

/**
 * `primary`: the registry the command is about — a copy's destination, a push or pull
 * reference's registry; flag and env credentials go there unless --registry names another.
 */
export function registryOptions(
  g: GlobalOptions,
  env: NodeJS.ProcessEnv,
  version: string,
  settings?: UserSettings,
  primary?: string,
): RegistryClientOptions {
  const credentialRegistry = g.registry ?? primary;
  return {
    insecure: g.insecure,
    ...(settings === undefined ? {} : { settings }),
    ...(g.caFile === undefined ? {} : { caFile: g.caFile }),
    ...(g.username === undefined ? {} : { username: g.username }),
    ...(g.password === undefined ? {} : { password: g.password }),
    ...(credentialRegistry === undefined ? {} : { credentialRegistry }),
    ...(g.concurrency === undefined ? {} : { concurrency: g.concurrency }),
    env,
    userAgent: `lazyoci/${version}`,
    timeouts: resolveTimeouts(env, g.timeout),
    // Testing knob: LAZYOCI_RETRY_BASE_MS shortens the retry backoff (the suite uses 10).
    ...(/^\d+$/.test(env.LAZYOCI_RETRY_BASE_MS ?? '') ? { retry: { baseMs: Number(env.LAZYOCI_RETRY_BASE_MS) } } : {}),
  };
}

/**
 * A registry client with the user's saved registries loaded; the caller closes it.
 * `signal` (from runCancellable) aborts every request the client makes.
 */
export async function openRegistryClient(
  g: GlobalOptions,
  io: CommandIO,
  version: string,
  signal: AbortSignal | undefined,
  primary: string,
  onRequest?: RequestListener,
): Promise<RegistryClient> {
  // Loaded here, not at the top: commands that never reach a registry (validate,
  // schema, config) import this module and should not pay for the HTTP stack.
  const [{ RegistryClient }, { loadSettings }] = await Promise.all([
    import('../registry/client/registry-client.js'),
    import('../settings/index.js'),
  ]);
  return RegistryClient.create({
    ...registryOptions(g, io.env, version, await loadSettings(io.env), primary),
    ...(signal === undefined ? {} : { signal }),
    ...(onRequest === undefined ? {} : { onRequest }),
  });
}

/** A password is a line or so; more than this on stdin is not one. */
const PASSWORD_STDIN_LIMIT = 64 * 1024;

/**
 * `--password-stdin`: the password comes from standard input, so it is never in the
 * argument list (which `ps` shows to every user). Read before the command runs and
 * set as --password; one trailing newline is dropped, as `echo` adds it.
 */
export async function takePasswordFromStdin(action: Command, io: CommandIO): Promise<void> {
  const o = action.optsWithGlobals<Record<string, unknown>>();
  if (o.passwordStdin !== true) return;
  if (typeof o.password === 'string') throw new UsageError('--password and --password-stdin are mutually exclusive');
  if (typeof o.username !== 'string') throw new UsageError('--password-stdin needs --username');
  if ((io.stdin as { isTTY?: boolean }).isTTY === true) {
    throw new UsageError('--password-stdin: standard input is a terminal', { hint: 'pipe the password in, e.g. lazyoci --username NAME --password-stdin ... < FILE' });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += bytes.length;
    if (size > PASSWORD_STDIN_LIMIT) throw new UsageError(`--password-stdin: standard input holds more than ${PASSWORD_STDIN_LIMIT / 1024} KiB, which is not a password`);
    chunks.push(bytes);
  }
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (password === '') throw new UsageError('--password-stdin: standard input was empty');
  let root = action;
  while (root.parent !== null) root = root.parent;
  root.setOptionValue('password', password);
}
