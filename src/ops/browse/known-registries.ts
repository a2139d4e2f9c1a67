// The registries the browser lists first: saved ones, docker config and Helm registry
// config entries, and the one named on the command line. Names only, never credentials.
import { dockerConfigFile, helmRegistryConfigFile, keyScope, readDockerConfig, type DockerConfig } from '../../registry/auth/docker-config.js';
import { DOCKER_HUB } from '../../ref/reference.js';
import type { UserSettings } from '../../settings/index.js';

export type RegistrySource = 'command line' | 'saved' | 'docker config' | 'helm config';

export interface KnownRegistry {
  /** host[:port], as references normalise it (docker.io for Docker Hub). */
  name: string;
  sources: RegistrySource[];
  /** A saved registry's label, if any. */
  label?: string;
}

const DOCKER_HUB_KEYS = new Set(['index.docker.io', 'registry-1.docker.io', 'docker.io']);

/** A config key (`https://index.docker.io/v1/`, `ghcr.io`, `host/org`) as the host it is for. */
function hostOf(key: string): string | undefined {
  const scope = keyScope(key);
  const host = scope.split('/')[0] ?? '';
  if (host === '') return undefined;
  return DOCKER_HUB_KEYS.has(host) ? DOCKER_HUB : host;
}

function configHosts(config: DockerConfig | undefined): string[] {
  if (config === undefined) return [];
  return [...Object.keys(config.auths ?? {}), ...Object.keys(config.credHelpers ?? {})].flatMap((k) => hostOf(k) ?? []);
}

/** A config file that cannot be read is left out: the browser still opens. */
async function readQuietly(file: string): Promise<DockerConfig | undefined> {
  return readDockerConfig(file).catch(() => undefined);
}

export async function listKnownRegistries(env: NodeJS.ProcessEnv, settings: UserSettings, commandLine?: string): Promise<KnownRegistry[]> {
  const found = new Map<string, KnownRegistry>();
  const add = (name: string, source: RegistrySource, label?: string): void => {
    const key = name.toLowerCase();
    const entry = found.get(key) ?? { name, sources: [] };
    if (!entry.sources.includes(source)) entry.sources.push(source);
    if (label !== undefined && entry.label === undefined) entry.label = label;
    found.set(key, entry);
  };
  if (commandLine !== undefined) add(commandLine, 'command line');
  for (const r of settings.registries) {
    const host = r.name.split('/')[0]!;
    add(host, 'saved', r.label);
  }
  const [docker, helm] = await Promise.all([readQuietly(dockerConfigFile(env)), readQuietly(helmRegistryConfigFile(env))]);
  for (const host of configHosts(docker)) add(host, 'docker config');
  for (const host of configHosts(helm)) add(host, 'helm config');
  return [...found.values()];
}
