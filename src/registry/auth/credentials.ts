// Where credentials for a registry come from, in order (spec §5): flags, LAZYOCI_* env,
// the Docker config (credHelpers, auths, credsStore), saved lazyoci registries. Anonymous when none applies.
// Flags and env name no registry, so they are for one only (`credentialRegistry`), as
// `docker login HOST` and oras's per-reference flags are: never for every registry a run touches.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RegistryError, UsageError } from '../../errors/index.js';
import { DOCKER_HUB } from '../../ref/reference.js';

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

/** Docker keeps Docker Hub's credentials under its old v1 index URL. */
const DOCKER_HUB_SERVER_URL = 'https://index.docker.io/v1/';
const DOCKER_HUB_KEYS = [DOCKER_HUB_SERVER_URL, 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
const HELPER_TIMEOUT_MS = 30_000;
/** A helper answers with one small JSON object; more than this is not a credential. */
const HELPER_OUTPUT_LIMIT = 64 * 1024;

function pair(username: string | undefined, password: string | undefined, what: string): Credential | undefined {
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined || password === undefined || username === '' || password === '') {
    throw new UsageError(`${what}: give both a username and a password`);
  }
  return { kind: 'basic', username, password, source: what };
}

/** Strip scheme and path so `https://ghcr.io/v1/` and `ghcr.io` name the same registry. */
function configKeyHost(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
}

interface DockerAuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface DockerConfig {
  auths?: Record<string, DockerAuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
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

function helperError(program: string, message: string, hint?: string): RegistryError {
  return new RegistryError(`credential helper ${program}: ${message}`, {
    method: 'EXEC',
    url: program,
    ...(hint === undefined ? {} : { hint }),
  });
}

/**
 * Run `docker-credential-<helper> get` with the server URL on stdin (no shell) and read
 * `{ServerURL, Username, Secret}`. "credentials not found" means none (undefined).
 * Messages never carry the helper's stdout: it may hold the secret.
 */
export async function runCredentialHelper(
  helper: string,
  serverUrl: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number = HELPER_TIMEOUT_MS,
): Promise<Credential | undefined> {
  // The name comes from a config file; a path here would run an arbitrary program.
  if (helper === '' || /[/\\]/.test(helper) || helper.startsWith('.')) {
    throw new UsageError(`the Docker config names an invalid credential helper "${helper}"`);
  }
  const program = `docker-credential-${helper}`;
  const outcome = await new Promise<{ code: number | null; stdout: Buffer; stderr: string; timedOut: boolean; overflow: boolean }>(
    (resolve, reject) => {
      const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'], shell: false, windowsHide: true });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outBytes = 0;
      let errBytes = 0;
      let timedOut = false;
      let overflow = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
        // Do not wait for 'close': a grandchild may still hold the pipes open.
        child.stdout.destroy();
        child.stderr.destroy();
        resolve({ code: null, stdout: Buffer.alloc(0), stderr: '', timedOut, overflow });
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
        resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), timedOut, overflow });
      });
      // A helper may exit without reading its input; that is its answer, not our failure.
      child.stdin.on('error', () => {});
      child.stdin.end(serverUrl);
    },
  );

  if (outcome.timedOut) throw helperError(program, `no answer within ${Math.round(timeoutMs / 1000)} s`);
  if (outcome.overflow) throw helperError(program, 'answered with more output than a credential');
  if (outcome.code !== 0) {
    // docker-credential-helpers print "credentials not found in native keychain" on stdout.
    const text = `${outcome.stdout.toString('utf8')}\n${outcome.stderr}`;
    if (/credentials not found/i.test(text)) return undefined;
    const why = outcome.stderr.trim().split('\n')[0]?.slice(0, 200);
    throw helperError(program, `"get" failed (exit ${outcome.code ?? 'by signal'})${why ? `: ${why}` : ''}`);
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

async function fromDockerConfig(registry: string, sources: CredentialSources): Promise<Credential | undefined> {
  const env = sources.env;
  const dir = env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker');
  const file = join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let config: DockerConfig;
  try {
    config = JSON.parse(text) as DockerConfig;
  } catch {
    throw new UsageError(`${file} is not valid JSON`);
  }
  if (config === null || typeof config !== 'object') throw new UsageError(`${file} must hold a JSON object`);
  const hub = registry === DOCKER_HUB;
  const wanted = hub ? DOCKER_HUB_KEYS.map(configKeyHost) : [registry.toLowerCase()];
  const find = <T>(map: Record<string, T> | undefined): T | undefined =>
    map !== null && typeof map === 'object' ? Object.entries(map).find(([key]) => wanted.includes(configKeyHost(key)))?.[1] : undefined;
  // Helpers are asked with the registry host, or Docker Hub's v1 URL, as Docker does.
  const serverUrl = hub ? DOCKER_HUB_SERVER_URL : registry;
  const timeout = sources.helperTimeoutMs ?? HELPER_TIMEOUT_MS;

  const helper = find(config.credHelpers);
  if (typeof helper === 'string' && helper !== '') {
    const credential = from(`credential helper docker-credential-${helper} (credHelpers in ${file})`, await runCredentialHelper(helper, serverUrl, env, timeout));
    if (credential !== undefined) return credential;
  }
  const entry = find(config.auths);
  const fromFile = entry !== null && typeof entry === 'object' ? from(`the auths entry in ${file}`, fromAuthEntry(entry)) : undefined;
  if (fromFile !== undefined) return fromFile;
  if (typeof config.credsStore === 'string' && config.credsStore !== '') {
    return from(`credential helper docker-credential-${config.credsStore} (credsStore in ${file})`, await runCredentialHelper(config.credsStore, serverUrl, env, timeout));
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

export async function resolveCredential(registry: string, sources: CredentialSources): Promise<Credential | undefined> {
  // Half a pair is a mistake wherever it would have been sent, so it is reported either way.
  const given =
    pair(sources.username, sources.password, '--username/--password') ??
    pair(sources.env.LAZYOCI_USERNAME, sources.env.LAZYOCI_PASSWORD, 'LAZYOCI_USERNAME/LAZYOCI_PASSWORD');
  const forThisRegistry = sources.credentialRegistry === undefined || sameRegistry(registry, sources.credentialRegistry);
  return (
    (forThisRegistry ? given : undefined) ??
    (await fromDockerConfig(registry, sources)) ??
    (sources.saved?.username !== undefined && sources.saved.password !== undefined
      ? { kind: 'basic', username: sources.saved.username, password: sources.saved.password, source: 'the registry saved with lazyoci registry add' }
      : undefined)
  );
}
