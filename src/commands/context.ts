// What every command receives: the global flags, the environment, and where to write.
import type { Command } from 'commander';
import type { RegistryClient, RegistryClientOptions } from '../registry/client/registry-client.js';
import { resolveTimeouts } from '../registry/transport/timeouts.js';
import type { UserSettings } from '../settings/index.js';
import type { OutputFormat } from '../ui/output.js';

export interface GlobalOptions {
  output: OutputFormat;
  quiet: boolean;
  insecure: boolean;
  caFile?: string;
  username?: string;
  password?: string;
  /** --concurrency: blob transfers at once; the copy engine's default when absent. */
  concurrency?: number;
  /** --timeout: seconds each network step may take (connect, response headers, a stalled body). */
  timeout?: number;
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
    output: (o.output as OutputFormat | undefined) ?? 'text',
    quiet: o.quiet === true,
    insecure: o.insecure === true,
    ...(typeof o.caFile === 'string' ? { caFile: o.caFile } : {}),
    ...(typeof o.username === 'string' ? { username: o.username } : {}),
    ...(typeof o.password === 'string' ? { password: o.password } : {}),
    ...(typeof o.concurrency === 'number' ? { concurrency: o.concurrency } : {}),
    ...(typeof o.timeout === 'number' ? { timeout: o.timeout } : {}),
  };
}

export function registryOptions(
  g: GlobalOptions,
  env: NodeJS.ProcessEnv,
  version: string,
  settings?: UserSettings,
): RegistryClientOptions {
  return {
    insecure: g.insecure,
    ...(settings === undefined ? {} : { settings }),
    ...(g.caFile === undefined ? {} : { caFile: g.caFile }),
    ...(g.username === undefined ? {} : { username: g.username }),
    ...(g.password === undefined ? {} : { password: g.password }),
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
export async function openRegistryClient(g: GlobalOptions, io: CommandIO, version: string, signal?: AbortSignal): Promise<RegistryClient> {
  // Loaded here, not at the top: commands that never reach a registry (validate,
  // schema, config) import this module and should not pay for the HTTP stack.
  const [{ RegistryClient }, { loadSettings }] = await Promise.all([
    import('../registry/client/registry-client.js'),
    import('../settings/index.js'),
  ]);
  return RegistryClient.create({
    ...registryOptions(g, io.env, version, await loadSettings(io.env)),
    ...(signal === undefined ? {} : { signal }),
  });
}
