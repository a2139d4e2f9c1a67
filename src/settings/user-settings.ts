// lazyoci's own user settings: saved registries and preferences, in
// $XDG_CONFIG_HOME/lazyoci/config.yaml (~/.config when unset). Written 0600: it may
// hold registry passwords.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { UsageError } from '../errors/index.js';

export interface SavedRegistry {
  /**
   * host[:port], optionally with a repository path (`host/org`, as docker config keys
   * allow), normalised (docker.io for Docker Hub). A path entry applies to the
   * repositories under it; the longest matching entry wins.
   */
  name: string;
  /** A label given with `registry add URL -n LABEL` (the Go lazyoci's form). */
  label?: string;
  username?: string;
  password?: string;
  /** Allow plain HTTP and skip TLS verification for this registry only. */
  insecure?: boolean;
  /** A PEM file of CAs to trust for this registry, besides the system's (and --ca-file). */
  caFile?: string;
}

export interface UserSettings {
  /** Where `lazyoci pull` writes layouts when --dest is not given. */
  artifactDir?: string;
  /** The browser's colour theme, chosen there with `t` (src/ui/browser/themes.ts). */
  theme?: string;
  registries: SavedRegistry[];
}

/** Settings a user may read and change with `lazyoci config get|set`. */
export const SETTING_KEYS = ['artifactDir'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

export function settingsPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
  return join(base, 'lazyoci', 'config.yaml');
}

/** The pull destination root used when neither --dest nor artifactDir is set. */
export function defaultArtifactDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_DATA_HOME !== undefined && env.XDG_DATA_HOME !== '' ? env.XDG_DATA_HOME : join(env.HOME ?? homedir(), '.local', 'share');
  return join(base, 'lazyoci', 'artifacts');
}

function asRegistry(raw: unknown, file: string): SavedRegistry {
  if (raw === null || typeof raw !== 'object' || typeof (raw as { name?: unknown }).name !== 'string') {
    throw new UsageError(`${file}: every entry of "registries" needs a "name"`);
  }
  const r = raw as Record<string, unknown>;
  const out: SavedRegistry = { name: r.name as string };
  if (typeof r.label === 'string' && r.label !== '') out.label = r.label;
  if (typeof r.username === 'string') out.username = r.username;
  if (typeof r.password === 'string') out.password = r.password;
  if (r.insecure === true) out.insecure = true;
  if (typeof r.caFile === 'string' && r.caFile !== '') out.caFile = r.caFile;
  return out;
}

export async function loadSettings(env: NodeJS.ProcessEnv): Promise<UserSettings> {
  const file = settingsPath(env);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { registries: [] };
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let doc: unknown;
  try {
    doc = parse(text) ?? {};
  } catch (err) {
    throw new UsageError(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`${file} must be a mapping`);
  const d = doc as Record<string, unknown>;
  const settings: UserSettings = {
    registries: Array.isArray(d.registries) ? d.registries.map((r) => asRegistry(r, file)) : [],
  };
  if (typeof d.artifactDir === 'string' && d.artifactDir !== '') settings.artifactDir = d.artifactDir;
  if (typeof d.theme === 'string' && d.theme !== '') settings.theme = d.theme;
  return settings;
}

export async function saveSettings(env: NodeJS.ProcessEnv, settings: UserSettings): Promise<void> {
  const file = settingsPath(env);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const doc: Record<string, unknown> = {};
  if (settings.artifactDir !== undefined) doc.artifactDir = settings.artifactDir;
  if (settings.theme !== undefined) doc.theme = settings.theme;
  doc.registries = settings.registries;
  // Write beside and rename, so a crash never leaves half a file.
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, stringify(doc), { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
}

/** The entry saved under exactly this name (host[:port][/path]), as add and remove need it. */
export function savedRegistryNamed(settings: UserSettings, name: string): SavedRegistry | undefined {
  const wanted = name.toLowerCase();
  return settings.registries.find((r) => r.name.toLowerCase() === wanted);
}

/**
 * The saved entry that applies to `repository` on `registry`: the longest name that is
 * the host itself or the host plus whole leading path components of the repository
 * (`host/org` covers `host/org/app`, not `host/organic`). Without a repository only
 * an entry for the bare host applies.
 */
export function findSavedRegistry(settings: UserSettings, registry: string, repository?: string): SavedRegistry | undefined {
  const host = registry.toLowerCase();
  const full = repository === undefined ? host : `${host}/${repository.toLowerCase()}`;
  let best: SavedRegistry | undefined;
  for (const r of settings.registries) {
    const name = r.name.toLowerCase();
    const applies = name === host || (name.startsWith(`${host}/`) && (full === name || full.startsWith(`${name}/`)));
    if (applies && (best === undefined || name.length > best.name.length)) best = r;
  }
  return best;
}
