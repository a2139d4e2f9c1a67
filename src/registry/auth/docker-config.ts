// The Docker config file (`$DOCKER_CONFIG/config.json`) and Helm's registry config,
// which has the same format: where they are, reading them, and which `auths` or
// `credHelpers` key is for a registry and repository.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../errors/index.js';
import { DOCKER_HUB } from '../../ref/reference.js';

export interface DockerAuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

export interface DockerConfig {
  auths?: Record<string, DockerAuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [other: string]: unknown;
}

/** Docker keeps Docker Hub's credentials under its old v1 index URL. */
export const DOCKER_HUB_SERVER_URL = 'https://index.docker.io/v1/';
const DOCKER_HUB_HOSTS = ['index.docker.io', 'docker.io', 'registry-1.docker.io'];

/** `$DOCKER_CONFIG/config.json`, default `~/.docker/config.json`. */
export function dockerConfigFile(env: NodeJS.ProcessEnv): string {
  return join(env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker'), 'config.json');
}

/** Where `helm registry login` writes: `$HELM_REGISTRY_CONFIG`, else under Helm's config home. */
export function helmRegistryConfigFile(env: NodeJS.ProcessEnv): string {
  if (env.HELM_REGISTRY_CONFIG !== undefined && env.HELM_REGISTRY_CONFIG !== '') return env.HELM_REGISTRY_CONFIG;
  const configHome = env.HELM_CONFIG_HOME || join(env.XDG_CONFIG_HOME || join(env.HOME ?? homedir(), '.config'), 'helm');
  return join(configHome, 'registry', 'config.json');
}

/** The config in `file`; undefined when there is no such file. */
export async function readDockerConfig(file: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw new UsageError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  if (text.trim() === '') return {};
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not valid JSON`);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new UsageError(`${file} must hold a JSON object`);
  return config as DockerConfig;
}

/**
 * What a config key names: `host[:port]` or `host[:port]/path` (a namespace or
 * repository), lowercase. A key written as a URL (`https://ghcr.io/v1/`) names only its host.
 */
export function keyScope(key: string): string {
  const lower = key.trim().toLowerCase();
  if (/^[a-z]+:\/\//.test(lower)) return lower.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
  return lower.replace(/\/+$/, '');
}

function registryHosts(registry: string): string[] {
  return registry === DOCKER_HUB ? DOCKER_HUB_HOSTS : [registry.toLowerCase()];
}

/** The key credentials are stored under and helpers asked with, as Docker does it. */
export function serverUrlFor(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_SERVER_URL : registry;
}

/**
 * The entry of `map` for `repository` on `registry`: the longest key that is the host or
 * a path prefix of `host/repository` (whole segments), as containers/image matches them.
 * Without a repository, only a key for the whole host applies.
 */
export function findForRepository<T>(map: Record<string, T> | undefined, registry: string, repository?: string): { key: string; value: T } | undefined {
  if (map === null || typeof map !== 'object') return undefined;
  const hosts = registryHosts(registry);
  let best: { key: string; value: T; length: number } | undefined;
  for (const [key, value] of Object.entries(map)) {
    const scope = keyScope(key);
    const cut = scope.indexOf('/');
    const host = cut < 0 ? scope : scope.slice(0, cut);
    if (!hosts.includes(host)) continue;
    if (cut >= 0) {
      const path = scope.slice(cut + 1);
      const repo = repository?.toLowerCase();
      if (repo === undefined || !(repo === path || repo.startsWith(`${path}/`))) continue;
    }
    if (best === undefined || scope.length > best.length) best = { key, value, length: scope.length };
  }
  return best === undefined ? undefined : { key: best.key, value: best.value };
}

/** Every key of `map` that names exactly this scope (`host` or `host/path`), in any spelling. */
export function keysNaming(map: Record<string, unknown> | undefined, registry: string, path?: string): string[] {
  if (map === null || typeof map !== 'object') return [];
  const wanted = registryHosts(registry).map((h) => (path === undefined ? h : `${h}/${path.toLowerCase()}`));
  return Object.keys(map).filter((key) => wanted.includes(keyScope(key)));
}
