// `login` / `logout`: credentials written where docker, oras, helm, skopeo and podman
// look — the Docker config's credential helper (credHelpers for the host, else
// credsStore) when one is configured, else its `auths`. The file is rewritten whole
// and atomically (temp file + rename, mode 0600); every other key is kept as it was.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, realpath, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ContentError, UsageError } from '../../errors/index.js';
import { helperErase, helperStore, HELPER_TIMEOUT_MS } from './credential-helper.js';
import { dockerConfigFile, findForRepository, keysNaming, readDockerConfig, serverUrlFor, type DockerConfig } from './docker-config.js';

/** What `login`/`logout` is about: a registry, or a namespace on it (`host/org`, as podman allows). */
export interface LoginScope {
  registry: string;
  /** A repository path prefix; `auths` only, as helpers hold credentials per host. */
  path?: string;
}

/** Where credentials went, or came from (never the secret). */
export interface LoginStore {
  /** The Docker config file that was read (and written, unless a helper took it all). */
  file: string;
  /** `docker-credential-<name>` when a helper holds the credentials. */
  helper?: string;
  /** The key the credentials are filed under (the helper's ServerURL). */
  serverUrl: string;
}

function scopeName(scope: LoginScope): string {
  return scope.path === undefined ? serverUrlFor(scope.registry) : `${scope.registry}/${scope.path}`;
}

/** The helper that holds this scope's credentials: credHelpers for the host, else credsStore. */
function helperFor(config: DockerConfig, scope: LoginScope, file: string): string | undefined {
  const perHost = findForRepository(config.credHelpers, scope.registry)?.value;
  const helper = typeof perHost === 'string' && perHost !== '' ? perHost : typeof config.credsStore === 'string' && config.credsStore !== '' ? config.credsStore : undefined;
  if (helper !== undefined && scope.path !== undefined) {
    throw new UsageError(`${file} sends ${scope.registry}'s credentials to docker-credential-${helper}, which keeps one login per registry host`, {
      hint: `log in to ${scope.registry} without a path`,
    });
  }
  return helper;
}

/** Remove every `auths` key naming exactly this scope (`ghcr.io`, `https://ghcr.io/v1/`…). */
function dropAuths(config: DockerConfig, scope: LoginScope): boolean {
  const keys = keysNaming(config.auths, scope.registry, scope.path);
  for (const key of keys) delete config.auths![key];
  return keys.length > 0;
}

async function writeConfig(file: string, config: DockerConfig): Promise<void> {
  // A config.json that is a link (dotfiles) keeps being one: its target is replaced.
  const target = await realpath(file).catch(() => file);
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(config, null, '\t')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temp, 0o600);
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw new ContentError(`cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? 'write failed'}); nothing was changed`);
  }
}

async function loadConfig(env: NodeJS.ProcessEnv): Promise<{ file: string; config: DockerConfig }> {
  const file = dockerConfigFile(env);
  return { file, config: (await readDockerConfig(file)) ?? {} };
}

/**
 * Store a checked login: through the configured helper (and drop any plain-text copy
 * from `auths`, which would otherwise be read first), else as `auths[serverUrl]`.
 */
export async function storeLogin(
  scope: LoginScope,
  credential: { username: string; password: string },
  env: NodeJS.ProcessEnv,
  helperTimeoutMs = HELPER_TIMEOUT_MS,
): Promise<LoginStore> {
  const { file, config } = await loadConfig(env);
  const serverUrl = scopeName(scope);
  const helper = helperFor(config, scope, file);
  if (helper !== undefined) {
    await helperStore(helper, serverUrl, { username: credential.username, secret: credential.password }, env, helperTimeoutMs);
    if (dropAuths(config, scope)) await writeConfig(file, config);
    return { file, helper: `docker-credential-${helper}`, serverUrl };
  }
  const auths = config.auths !== null && typeof config.auths === 'object' && !Array.isArray(config.auths) ? config.auths : {};
  config.auths = auths;
  dropAuths(config, scope);
  auths[serverUrl] = { auth: Buffer.from(`${credential.username}:${credential.password}`).toString('base64') };
  await writeConfig(file, config);
  return { file, serverUrl };
}

/** Remove a login from the helper and from `auths`; `removed` is false when there was none. */
export async function eraseLogin(scope: LoginScope, env: NodeJS.ProcessEnv, helperTimeoutMs = HELPER_TIMEOUT_MS): Promise<LoginStore & { removed: boolean }> {
  const { file, config } = await loadConfig(env);
  const serverUrl = scopeName(scope);
  const helper = helperFor(config, scope, file);
  const erased = helper === undefined ? false : await helperErase(helper, serverUrl, env, helperTimeoutMs);
  const dropped = dropAuths(config, scope);
  if (dropped) await writeConfig(file, config);
  return { file, serverUrl, removed: erased || dropped, ...(helper === undefined ? {} : { helper: `docker-credential-${helper}` }) };
}
