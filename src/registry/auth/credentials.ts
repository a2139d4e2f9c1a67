// Where credentials for a registry come from, in order (spec §5): flags, LAZYOCI_* env,
// the Docker config (credHelpers, auths, credsStore), Helm's registry config (same format,
// so `helm registry login` is enough), saved lazyoci registries. Anonymous when none applies.
// Flags and env name no registry, so they are for one only (`credentialRegistry`), as
// `docker login HOST` and oras's per-reference flags are: never for every registry a run touches.
import { UsageError } from '../../errors/index.js';
import { HELPER_TIMEOUT_MS, helperGet } from './credential-helper.js';
import {
  dockerConfigFile,
  findForRepository,
  helmRegistryConfigFile,
  readDockerConfig,
  serverUrlFor,
  type DockerAuthEntry,
} from './docker-config.js';

/** Where a credential was found, said in errors when a registry refuses it (never the secret). */
interface Sourced {
  source?: string;
}

export type Credential =
  | ({ kind: 'basic'; username: string; password: string } & Sourced)
  | ({ kind: 'identity-token'; username?: string; token: string } & Sourced);

/** The same credential, labelled with where it came from. */
function from(source: string, credential: Credential | undefined): Credential | undefined {
  return credential === undefined ? undefined : { ...credential, source };
}

export interface CredentialSources {
  username?: string;
  password?: string;
  /**
   * The one registry --username/--password and LAZYOCI_USERNAME/LAZYOCI_PASSWORD are for;
   * any other registry gets the rest of the chain. Unset: they apply to whichever registry
   * is asked about (RegistryClient always sets it).
   */
  credentialRegistry?: string;
  /** Also the environment credential helpers run with (their PATH lookup uses env.PATH). */
  env: NodeJS.ProcessEnv;
  /** The registry as saved with `lazyoci registry add`, last before anonymous. */
  saved?: { username?: string; password?: string };
  /** How long a `docker-credential-*` helper may take; 30 s unless given. */
  helperTimeoutMs?: number;
}

function pair(username: string | undefined, password: string | undefined, what: string): Credential | undefined {
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined || password === undefined || username === '' || password === '') {
    throw new UsageError(`${what}: give both a username and a password`);
  }
  return { kind: 'basic', username, password, source: what };
}

function fromAuthEntry(entry: DockerAuthEntry): Credential | undefined {
  let username = entry.username;
  let password = entry.password;
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
    return { kind: 'identity-token', token: entry.identitytoken, ...(username === undefined ? {} : { username }) };
  }
  if (username !== undefined && password !== undefined && password !== '') return { kind: 'basic', username, password };
  return undefined;
}

/**
 * Run `docker-credential-<helper> get` with the server URL on stdin (no shell) and read
 * `{ServerURL, Username, Secret}`. "credentials not found" means none (undefined).
 */
export const runCredentialHelper = helperGet;

/**
 * A Docker-format config file: credHelpers, then auths, then credsStore. Keys with a
 * path (`host/org`) apply to the repositories under it, the longest first; helpers are
 * asked with the registry host (Docker Hub's v1 URL), as Docker asks them.
 */
async function fromConfigFile(file: string, registry: string, repository: string | undefined, sources: CredentialSources): Promise<Credential | undefined> {
  const config = await readDockerConfig(file);
  if (config === undefined) return undefined;
  const env = sources.env;
  const serverUrl = serverUrlFor(registry);
  const timeout = sources.helperTimeoutMs ?? HELPER_TIMEOUT_MS;

  const helper = findForRepository(config.credHelpers, registry, repository)?.value;
  if (typeof helper === 'string' && helper !== '') {
    const credential = from(`credential helper docker-credential-${helper} (credHelpers in ${file})`, await helperGet(helper, serverUrl, env, timeout));
    if (credential !== undefined) return credential;
  }
  const entry = findForRepository(config.auths, registry, repository)?.value;
  const fromFile = entry !== null && typeof entry === 'object' ? from(`the auths entry in ${file}`, fromAuthEntry(entry)) : undefined;
  if (fromFile !== undefined) return fromFile;
  if (typeof config.credsStore === 'string' && config.credsStore !== '') {
    return from(`credential helper docker-credential-${config.credsStore} (credsStore in ${file})`, await helperGet(config.credsStore, serverUrl, env, timeout));
  }
  return undefined;
}

/** Whether --username/--password or LAZYOCI_USERNAME/LAZYOCI_PASSWORD were given at all. */
export function hasDirectCredentials(sources: CredentialSources): boolean {
  return [sources.username, sources.password, sources.env.LAZYOCI_USERNAME, sources.env.LAZYOCI_PASSWORD].some((v) => v !== undefined && v !== '');
}

/** Whether two registry names (`host[:port]`, as references give them) are the same registry. */
export function sameRegistry(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * The credential for `registry`, or for one `repository` on it when config keys with a
 * path (`host/org`) may apply; without a repository only whole-host keys do.
 */
export async function resolveCredential(registry: string, sources: CredentialSources, repository?: string): Promise<Credential | undefined> {
  // Half a pair is a mistake wherever it would have been sent, so it is reported either way.
  const given =
    pair(sources.username, sources.password, '--username/--password') ??
    pair(sources.env.LAZYOCI_USERNAME, sources.env.LAZYOCI_PASSWORD, 'LAZYOCI_USERNAME/LAZYOCI_PASSWORD');
  const forThisRegistry = sources.credentialRegistry === undefined || sameRegistry(registry, sources.credentialRegistry);
  return (
    (forThisRegistry ? given : undefined) ??
    (await fromConfigFile(dockerConfigFile(sources.env), registry, repository, sources)) ??
    (await fromConfigFile(helmRegistryConfigFile(sources.env), registry, repository, sources)) ??
    (sources.saved?.username !== undefined && sources.saved.password !== undefined
      ? { kind: 'basic', username: sources.saved.username, password: sources.saved.password, source: 'the registry saved with lazyoci registry add' }
      : undefined)
  );
}
