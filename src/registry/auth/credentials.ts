// Where credentials for a registry come from, in order (spec §5): flags, LAZYOCI_* env,
// then the Docker config's `auths`. Anonymous when none applies.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../errors/index.js';
import { DOCKER_HUB } from '../../ref/reference.js';

export type Credential =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'identity-token'; username?: string; token: string };

export interface CredentialSources {
  username?: string;
  password?: string;
  env: NodeJS.ProcessEnv;
  /** The registry as saved with `lazyoci registry add`, last before anonymous. */
  saved?: { username?: string; password?: string };
}

/** Docker keeps Docker Hub's credentials under its old v1 index URL. */
const DOCKER_HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

function pair(username: string | undefined, password: string | undefined, what: string): Credential | undefined {
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined || password === undefined || username === '' || password === '') {
    throw new UsageError(`${what}: give both a username and a password`);
  }
  return { kind: 'basic', username, password };
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

async function fromDockerConfig(registry: string, env: NodeJS.ProcessEnv): Promise<Credential | undefined> {
  const dir = env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker');
  let text: string;
  try {
    text = await readFile(join(dir, 'config.json'), 'utf8');
  } catch {
    return undefined;
  }
  let config: { auths?: Record<string, DockerAuthEntry> };
  try {
    config = JSON.parse(text) as typeof config;
  } catch {
    throw new UsageError(`${join(dir, 'config.json')} is not valid JSON`);
  }
  const wanted = registry === DOCKER_HUB ? DOCKER_HUB_KEYS.map(configKeyHost) : [registry.toLowerCase()];
  const entry = Object.entries(config.auths ?? {}).find(([key]) => wanted.includes(configKeyHost(key)))?.[1];
  if (entry === undefined) return undefined;

  let username = entry.username;
  let password = entry.password;
  if (entry.auth !== undefined && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  if (entry.identitytoken !== undefined && entry.identitytoken !== '') {
    return { kind: 'identity-token', token: entry.identitytoken, ...(username === undefined ? {} : { username }) };
  }
  if (username !== undefined && password !== undefined && password !== '') return { kind: 'basic', username, password };
  return undefined;
}

export async function resolveCredential(registry: string, sources: CredentialSources): Promise<Credential | undefined> {
  return (
    pair(sources.username, sources.password, '--username/--password') ??
    pair(sources.env.LAZYOCI_USERNAME, sources.env.LAZYOCI_PASSWORD, 'LAZYOCI_USERNAME/LAZYOCI_PASSWORD') ??
    (await fromDockerConfig(registry, sources.env)) ??
    (sources.saved?.username !== undefined && sources.saved.password !== undefined
      ? { kind: 'basic', username: sources.saved.username, password: sources.saved.password }
      : undefined)
  );
}
