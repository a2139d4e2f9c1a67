// "Test connection" for a registry as a form holds it (not yet saved): GET /v2/ through
// the registry client's probe, with the typed credentials, insecure flag and CA file.
import { CancelledError, LazyOciError, RegistryError } from '../errors/index.js';
import { normaliseSavedRegistryName } from '../ref/registry-name.js';
import { RegistryClient, type RegistryClientOptions } from '../registry/client/registry-client.js';
import type { RegistryProbe } from '../registry/client/registry-http.js';
import { savedRegistryNamed } from '../settings/index.js';

export interface ConnectionTestInput {
  /** host[:port], or host[:port]/path as saved; the API check is per host. */
  registry: string;
  username?: string;
  /** Empty with the saved user name: the saved password is used. */
  password?: string;
  insecure?: boolean;
  caFile?: string;
}

export interface ConnectionTestResult {
  /** Reachable, and the credentials (if any) were accepted. */
  ok: boolean;
  /** The /v2/ answer that decided: 200, 401 (credentials needed or rejected); absent when nothing answered. */
  status?: number;
  /** Credentials were sent and accepted. */
  authenticated: boolean;
  /** One line for a status bar: never a credential. */
  message: string;
}

function describe(probe: RegistryProbe): ConnectionTestResult {
  const where = `${probe.registry} answers at ${probe.endpoint}`;
  if (probe.credentials === 'valid') {
    return { ok: true, status: 200, authenticated: true, message: `${where}; credentials accepted (${probe.authScheme})` };
  }
  if (probe.credentials === 'rejected') {
    return { ok: false, status: 401, authenticated: false, message: `${where}; the registry rejected the user name or password` };
  }
  if (probe.authScheme === 'none') return { ok: true, status: 200, authenticated: false, message: `${where}; no login needed` };
  return { ok: true, status: 401, authenticated: false, message: `${where}; it asks for credentials (${probe.authScheme}) and none are set` };
}

/**
 * `base` is what every command uses (registryOptions): user agent, env, saved settings,
 * timeouts, signal. Typed credentials go first in the chain, for this registry only.
 */
export async function testConnection(input: ConnectionTestInput, base: RegistryClientOptions): Promise<ConnectionTestResult> {
  let client: RegistryClient | undefined;
  try {
    const name = normaliseSavedRegistryName(input.registry);
    const host = name.split('/')[0]!;
    const saved = base.settings === undefined ? undefined : savedRegistryNamed(base.settings, name);
    const username = input.username === '' ? undefined : input.username;
    const password = input.password === '' || input.password === undefined ? (saved?.username === username ? saved?.password : undefined) : input.password;
    const { username: _u, password: _p, ...rest } = base;
    client = await RegistryClient.create({
      ...rest,
      credentialRegistry: host,
      ...(username === undefined ? {} : { username, ...(password === undefined ? {} : { password }) }),
      ...(input.insecure === true ? { insecure: true } : {}),
      ...(input.caFile === undefined || input.caFile.trim() === '' ? {} : { caFile: input.caFile.trim() }),
    });
    return describe(await client.registry(host).probe());
  } catch (err) {
    if (err instanceof CancelledError) throw err;
    if (err instanceof LazyOciError) {
      const hint = err.hint === undefined ? '' : ` (${err.hint})`;
      return { ok: false, ...(err instanceof RegistryError && err.status !== undefined ? { status: err.status } : {}), authenticated: false, message: `${err.message}${hint}` };
    }
    throw err;
  } finally {
    await client?.close();
  }
}
