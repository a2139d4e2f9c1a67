// The HOST of `login HOST` / `logout HOST`: a registry, or a namespace on it
// (`host/org`), which Docker-format config files file under `host/org` too.
import { UsageError } from '../errors/index.js';
import type { LoginScope } from '../registry/auth/docker-config-store.js';
import { normaliseRegistryName } from '../ref/registry-name.js';

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

export function parseLoginScope(input: string): LoginScope {
  const bare = input.trim().replace(/^(?:oci|https?):\/\//i, '').replace(/\/+$/, '');
  const cut = bare.indexOf('/');
  // `https://host/v1/` and `host/v2` are how Docker writes a registry, not a namespace.
  if (cut < 0 || /^v[12]$/i.test(bare.slice(cut + 1))) return { registry: normaliseRegistryName(input) };
  const registry = normaliseRegistryName(bare.slice(0, cut));
  const path = bare.slice(cut + 1);
  if (!path.split('/').every((c) => PATH_COMPONENT.test(c))) {
    throw new UsageError(`"${input}": "${path}" is not a repository path (lowercase letters, digits, . _ - and /)`);
  }
  return { registry, path };
}

export function scopeLabel(scope: LoginScope): string {
  return scope.path === undefined ? scope.registry : `${scope.registry}/${scope.path}`;
}
