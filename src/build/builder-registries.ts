// The registry settings one buildah run gets, in files of its own under the build's temp
// dir: a registries.conf (short names resolved as Docker does, loopback and insecure
// registries reachable), a private auth file and a CA directory. The user's Dockerfile
// and system files are never changed; the files are removed when the build ends.
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { BaseRegistryResolver } from './builder.js';
import { dockerfileBaseImages, imageRegistryHost } from './dockerfile-bases.js';

export interface BuilderRegistrySettings {
  /** Options for `buildah build` (`--authfile`, `--cert-dir`). */
  args: string[];
  /** Environment for buildah (`CONTAINERS_REGISTRIES_CONF`). */
  env: Record<string, string>;
}

export interface PrepareOptions {
  dir: string;
  dockerfile: string;
  buildArgs: Readonly<Record<string, string>>;
  env: NodeJS.ProcessEnv;
  registries?: BaseRegistryResolver;
  caFile?: string;
  /** Where the system's containers configuration lives; /etc/containers unless a test says otherwise. */
  systemConfigDir?: string;
}

const SEARCH_KEY = /^[ \t]*unqualified-search-registries[ \t]*=[ \t]*\[([^\]]*)\][^\n]*\n?/m;
/** registries.conf version 1 tables; that format cannot be mixed with the keys written here. */
const V1_TABLES = /^[ \t]*\[registries\.(?:search|insecure|block)\]/m;

interface ContainersConfig {
  /** The main registries.conf in effect, if any. */
  text: string;
  /** Whether that file or a drop-in names unqualified-search registries. */
  hasSearch: boolean;
  v1: boolean;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function dropIns(dir: string): Promise<string[]> {
  try {
    const names = (await readdir(dir)).filter((n) => n.endsWith('.conf')).sort();
    return (await Promise.all(names.map((n) => readText(join(dir, n))))).filter((t): t is string => t !== undefined);
  } catch {
    return [];
  }
}

/** The search list a file sets: undefined when it does not set one. */
function searchList(text: string): string[] | undefined {
  const match = SEARCH_KEY.exec(text);
  return match === null ? undefined : [...match[1]!.matchAll(/"([^"]*)"|'([^']*)'/g)].map((m) => m[1] ?? m[2] ?? '');
}

/** The configuration containers/image would read, found the way it finds it. */
async function readContainersConfig(env: NodeJS.ProcessEnv, systemDir: string): Promise<ContainersConfig> {
  const userDir = join(env.XDG_CONFIG_HOME ?? join(env.HOME ?? homedir(), '.config'), 'containers');
  const userFile = join(userDir, 'registries.conf');
  let text: string | undefined;
  let dirs: string[];
  if (env.CONTAINERS_REGISTRIES_CONF !== undefined && env.CONTAINERS_REGISTRIES_CONF !== '') {
    text = await readText(env.CONTAINERS_REGISTRIES_CONF);
    dirs = [join(systemDir, 'registries.conf.d'), join(userDir, 'registries.conf.d')];
  } else if ((text = await readText(userFile)) !== undefined) {
    dirs = [join(userDir, 'registries.conf.d')];
  } else {
    text = await readText(join(systemDir, 'registries.conf'));
    dirs = [join(systemDir, 'registries.conf.d'), join(userDir, 'registries.conf.d')];
  }
  let search = searchList(text ?? '');
  const extra = (await Promise.all(dirs.map(dropIns))).flat();
  for (const dropIn of extra) search = searchList(dropIn) ?? search;
  return {
    text: text ?? '',
    hasSearch: (search ?? []).some((s) => s !== ''),
    v1: [text ?? '', ...extra].some((t) => V1_TABLES.test(t)),
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** The auth-file entry for one registry, in the format docker and containers/image share. */
function authEntry(credential: NonNullable<Awaited<ReturnType<BaseRegistryResolver>>['credential']>): Record<string, string> {
  if ('identityToken' in credential) {
    return { identitytoken: credential.identityToken, ...(credential.username === undefined ? {} : { username: credential.username }) };
  }
  return { auth: Buffer.from(`${credential.username}:${credential.password}`).toString('base64') };
}

/**
 * Write this build's registry files into `dir` (a private temp dir) and say how to use
 * them. Short names resolve to Docker Hub unless the user's own configuration names
 * search registries; every registry the Dockerfile pulls from is asked for its access.
 */
export async function prepareBuilderRegistries(opts: PrepareOptions): Promise<BuilderRegistrySettings> {
  const settings: BuilderRegistrySettings = { args: [], env: {} };
  const dockerfile = await readText(opts.dockerfile);
  const hosts = [...new Set(dockerfileBaseImages(dockerfile ?? '', opts.buildArgs).map(imageRegistryHost))];
  // FROM scratch pulls nothing: the builder needs no registry settings at all.
  if (hosts.length === 0) return settings;
  await mkdir(opts.dir, { recursive: true, mode: 0o700 });

  const config = await readContainersConfig(opts.env, opts.systemConfigDir ?? '/etc/containers');
  const insecure: string[] = [];
  const auths: Record<string, Record<string, string>> = {};
  for (const host of hosts) {
    const access = await opts.registries?.(host);
    if (access === undefined) continue;
    if (access.insecure) insecure.push(host);
    if (access.credential !== undefined) auths[host] = authEntry(access.credential);
  }

  // A version-1 file cannot take these keys; such a setup is the user's to keep as it is.
  const addSearch = !config.hasSearch && !config.v1;
  const listed = (host: string): boolean => new RegExp(`location[ \\t]*=[ \\t]*${escapeRegExp(tomlString(host))}`).test(config.text);
  const addInsecure = config.v1 ? [] : insecure.filter((h) => !listed(h));
  if (addSearch || addInsecure.length > 0) {
    // Top-level keys must come before the first table, so ours go first.
    const body = addSearch ? config.text.replace(SEARCH_KEY, '') : config.text;
    const lines = ['# Written by lazyoci for one build and removed after it.'];
    if (addSearch) lines.push('unqualified-search-registries = ["docker.io"]');
    lines.push(body);
    for (const host of addInsecure) lines.push('[[registry]]', `location = ${tomlString(host)}`, 'insecure = true', '');
    const file = join(opts.dir, 'registries.conf');
    await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
    settings.env.CONTAINERS_REGISTRIES_CONF = file;
  }
  if (Object.keys(auths).length > 0) {
    const file = join(opts.dir, 'auth.json');
    await writeFile(file, JSON.stringify({ auths }), { mode: 0o600, flag: 'wx' });
    settings.args.push('--authfile', file);
  }
  if (opts.caFile !== undefined) {
    const certs = join(opts.dir, 'certs');
    await mkdir(certs, { mode: 0o700 });
    await copyFile(opts.caFile, join(certs, 'lazyoci-ca.crt'));
    settings.args.push('--cert-dir', certs);
  }
  return settings;
}
