// A registry named on the command line (`registry add NAME`, `--registry HOST`), written
// the way references name it.
import { UsageError } from '../errors/index.js';
import { DOCKER_HUB, parseRepository } from './reference.js';

const DOCKER_HUB_ALIASES = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];

/**
 * The registry name as references name it: lowercase host[:port], Docker Hub as docker.io.
 * A scheme and a trailing slash (`https://ghcr.io/`) are accepted, as `docker login` does.
 */
export function normaliseRegistryName(input: string): string {
  let host = input.trim().replace(/^(?:oci|https?):\/\//i, '').replace(/\/+$/, '');
  if (/\/v[12]$/i.test(host)) host = host.slice(0, -3);
  host = host.toLowerCase();
  if (DOCKER_HUB_ALIASES.includes(host)) return DOCKER_HUB;
  if (host === '' || host.includes('/')) {
    throw new UsageError(`"${input}" is not a registry: give host[:port], e.g. ghcr.io or localhost:5000`);
  }
  // Reuse the reference grammar: a host is what a reference would take as its registry.
  let registry: string;
  try {
    registry = parseRepository(`${host}/x`).registry;
  } catch {
    throw new UsageError(`"${input}" is not a valid registry host[:port]`);
  }
  if (registry !== host) {
    throw new UsageError(`"${input}" does not look like a registry host: write it with a dot or a port (e.g. ${host}.example.com, ${host}:5000)`);
  }
  return host;
}

/**
 * What `registry add|remove` save a registry under: host[:port], or host[:port]/path
 * (`ghcr.io/my-org`, as docker config keys allow) for the repositories under that path.
 */
export function normaliseSavedRegistryName(input: string): string {
  const trimmed = input.trim().replace(/^(?:oci|https?):\/\//i, '').replace(/\/+$/, '');
  const slash = trimmed.indexOf('/');
  if (slash < 0 || /^[^/]+\/v[12]$/i.test(trimmed)) return normaliseRegistryName(input);
  const host = normaliseRegistryName(trimmed.slice(0, slash));
  const path = trimmed.slice(slash + 1);
  let parsed: { registry: string; repository: string } | undefined;
  try {
    // With a last component added, Docker Hub's library/ default cannot apply.
    parsed = parseRepository(`${host}/${path}/x`);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || parsed.registry !== host || parsed.repository !== `${path}/x`) {
    throw new UsageError(`"${input}" is not a registry: give host[:port] or host[:port]/path, e.g. ghcr.io or ghcr.io/my-org (lowercase path)`);
  }
  return `${host}/${path}`;
}
