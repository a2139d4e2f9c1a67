// Image references: host[:port]/repository[:tag][@digest], Docker-style normalisation,
// the oci:// prefix, and the OCI tag grammar.
import { ReferenceError } from '../errors/index.js';
import type { Digest } from '../oci/types.js';

export interface Reference {
  /** Registry as written after normalisation (`docker.io` for Docker Hub). */
  registry: string;
  repository: string;
  tag?: string;
  digest?: Digest;
}

export const DOCKER_HUB = 'docker.io';
/** Where Docker Hub's registry API actually answers. */
const DOCKER_HUB_API = 'registry-1.docker.io';

const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = '(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])';
const HOST_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?$`);

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** A first path component names a registry when it looks like a host (Docker's rule). */
function looksLikeHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component.startsWith('[');
}

/** Host names are case-insensitive; one spelling keeps auth state and saved settings together. */
function normaliseRegistry(host: string): string {
  const lower = host.toLowerCase();
  if (lower === 'index.docker.io' || lower === 'registry-1.docker.io' || lower === 'docker.io') return DOCKER_HUB;
  return lower;
}

function checkRepository(repository: string, input: string): void {
  if (repository.length === 0) throw new ReferenceError(`invalid reference "${input}": missing repository`);
  if (repository.length > 255) throw new ReferenceError(`invalid reference "${input}": repository name longer than 255 characters`);
  for (const part of repository.split('/')) {
    if (!PATH_COMPONENT_RE.test(part)) {
      const why = /[A-Z]/.test(part) ? 'must be lowercase' : 'may only hold a-z, 0-9 and single separators . _ __ -';
      throw new ReferenceError(`invalid reference "${input}": repository component "${part}" ${why}`);
    }
  }
}

function checkHost(host: string, input: string): void {
  if (!HOST_RE.test(host)) throw new ReferenceError(`invalid reference "${input}": "${host}" is not a valid registry host`);
  const port = /:(\d+)$/.exec(host)?.[1];
  if (port !== undefined && (Number(port) === 0 || Number(port) > 65535)) {
    throw new ReferenceError(`invalid reference "${input}": port ${port} is out of range`);
  }
}

/** Split `name` into registry and repository, applying Docker Hub's defaults. */
function splitName(name: string, input: string): { registry: string; repository: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? name : name.slice(0, slash);
  let registry: string;
  let repository: string;
  if (slash !== -1 && looksLikeHost(first)) {
    registry = normaliseRegistry(first);
    repository = name.slice(slash + 1);
    checkHost(first, input);
  } else {
    registry = DOCKER_HUB;
    repository = name;
  }
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  checkRepository(repository, input);
  return { registry, repository };
}

/**
 * Parse a full reference. An `oci://` prefix is accepted and dropped. Without a tag or
 * digest the tag is `defaultTag` when given (Docker's `latest` for pulls).
 */
export function parseReference(input: string, opts: { defaultTag?: string } = {}): Reference {
  let rest = input.trim();
  if (rest.startsWith('oci://')) rest = rest.slice('oci://'.length);
  if (rest.length === 0) throw new ReferenceError('invalid reference: empty');
  if (/\s/.test(rest)) throw new ReferenceError(`invalid reference "${input}": contains whitespace`);

  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    const d = rest.slice(at + 1);
    if (!DIGEST_RE.test(d)) throw new ReferenceError(`invalid reference "${input}": "${d}" is not a sha256 digest`);
    digest = d as Digest;
    rest = rest.slice(0, at);
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon !== -1) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isValidTag(tag)) throw new ReferenceError(`invalid reference "${input}": "${tag}" is not a valid tag`);
  }

  const { registry, repository } = splitName(rest, input);
  const ref: Reference = { registry, repository };
  if (tag !== undefined) ref.tag = tag;
  else if (digest === undefined && opts.defaultTag !== undefined) ref.tag = opts.defaultTag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** Parse a `.lazy` target's `host[:port]/repository`: no tag or digest allowed there. */
export function parseRepository(input: string): Reference {
  const ref = parseReference(input);
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw new ReferenceError(`invalid repository "${input}": put tags in "tags", not in the registry`);
  }
  return ref;
}

export function formatRepository(ref: Pick<Reference, 'registry' | 'repository'>): string {
  return `${ref.registry}/${ref.repository}`;
}

export function formatReference(ref: Reference): string {
  let out = formatRepository(ref);
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}

/** Host the registry API is reached at (Docker Hub answers on another name). */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

/** Loopback names may use plain HTTP without --insecure (spec §5). */
export function isLoopbackHost(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(1, registry.indexOf(']')) : registry.replace(/:\d+$/, '');
  const lower = host.toLowerCase();
  return lower === 'localhost' || lower.endsWith('.localhost') || /^127(?:\.\d{1,3}){3}$/.test(lower) || lower === '::1';
}
