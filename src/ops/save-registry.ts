// Saving and forgetting a registry in the user settings: what `lazyoci registry add|remove`
// and the browser's registry form both do, with the same checks.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../errors/index.js';
import { normaliseSavedRegistryName } from '../ref/registry-name.js';
import { loadSettings, savedRegistryNamed, saveSettings, type SavedRegistry, type UserSettings } from '../settings/index.js';

export interface RegistryEntryInput {
  /** host[:port] or host[:port]/path as typed (a URL is accepted). */
  name: string;
  /** A new label; an empty string removes the saved one; undefined keeps it. */
  label?: string;
  /** A new user name (needs a password, given or saved); an empty string removes the credentials. */
  username?: string;
  /** Empty or undefined keeps the saved password. */
  password?: string;
  /** true: save as insecure; false: verify TLS again; undefined: keep what is saved. */
  insecure?: boolean;
  /** A PEM file to trust for this registry; an empty string removes it; undefined keeps it. */
  caFile?: string;
  /**
   * The browser form edits one entry and may rename it: the entry saved under this name
   * is replaced. Unset: the entry saved under `name` is updated, or a new one is added.
   */
  replaces?: string;
  /** What a relative caFile is relative to; the settings keep it absolute. */
  cwd?: string;
}

export interface SaveRegistryResult {
  entry: SavedRegistry;
  created: boolean;
}

/**
 * A label is words a user types instead of a host: no dot, colon or slash, so it can
 * never be read as a registry address.
 */
export function checkLabel(label: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9 _-]{0,63}$/.test(label)) {
    throw new UsageError(`--name "${label}": a label is letters, digits, spaces, _ and - (at most 64): no dot, colon or slash, so it is never taken for a host`);
  }
}

/** A CA file is checked when saved, not first when a registry is reached. */
async function checkCaFile(file: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read CA file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`CA file ${file} holds no PEM certificate`);
  return file;
}

/** The entry saved under this address, else the one with this label. */
export function savedByNameOrLabel(settings: UserSettings, name: string): SavedRegistry | undefined {
  let key: string | undefined;
  try {
    key = normaliseSavedRegistryName(name);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
  }
  return (key === undefined ? undefined : savedRegistryNamed(settings, key)) ?? settings.registries.find((r) => r.label === name);
}

/** Add a registry, or update the saved one, and write the settings file. */
export async function saveRegistry(env: NodeJS.ProcessEnv, input: RegistryEntryInput): Promise<SaveRegistryResult> {
  const host = normaliseSavedRegistryName(input.name);
  const label = input.label?.trim();
  if (label !== undefined && label !== '') checkLabel(label);
  const { username: user, password: pass } = input;
  if (pass !== undefined && pass !== '' && (user === undefined || user === '')) throw new UsageError('a password needs --user too');

  const settings = await loadSettings(env);
  const replaced = input.replaces === undefined ? undefined : savedRegistryNamed(settings, normaliseSavedRegistryName(input.replaces));
  const sameName = savedRegistryNamed(settings, host);
  if (replaced !== undefined && sameName !== undefined && sameName !== replaced) {
    throw new UsageError(`registry ${host} is already saved; edit that entry instead`);
  }
  const existing = replaced ?? sameName;
  if (label !== undefined && label !== '') {
    const holder = settings.registries.find((r) => r !== existing && r.label === label);
    if (holder !== undefined) throw new UsageError(`the label "${label}" is already ${holder.name}'s; remove that registry or choose another label`);
  }

  // A form never shows the saved password: left empty, it is kept.
  const password = pass !== undefined && pass !== '' ? pass : existing?.password;
  if (user !== undefined && user !== '' && password === undefined) {
    throw new UsageError('--user needs a password too: add --pass-stdin (or --pass)');
  }

  const entry: SavedRegistry = existing ?? { name: host };
  entry.name = host;
  if (label === '') delete entry.label;
  else if (label !== undefined) entry.label = label;
  if (user === '') {
    delete entry.username;
    delete entry.password;
  } else if (user !== undefined && password !== undefined) {
    entry.username = user;
    entry.password = password;
  }
  if (input.insecure === true) entry.insecure = true;
  else if (input.insecure === false) delete entry.insecure;
  const caFile = input.caFile?.trim();
  if (caFile === '') delete entry.caFile;
  else if (caFile !== undefined) entry.caFile = await checkCaFile(resolve(input.cwd ?? process.cwd(), caFile));
  if (existing === undefined) settings.registries.push(entry);
  await saveSettings(env, settings);
  return { entry, created: existing === undefined };
}

/** Forget a saved registry (by address or label) and its credentials; returns what was removed. */
export async function removeRegistry(env: NodeJS.ProcessEnv, nameOrLabel: string): Promise<SavedRegistry> {
  const settings = await loadSettings(env);
  const existing = savedByNameOrLabel(settings, nameOrLabel);
  if (existing === undefined) {
    const shown = settings.registries.some((r) => r.label !== undefined) ? nameOrLabel : normaliseSavedRegistryName(nameOrLabel);
    throw new UsageError(`registry ${shown} is not saved`, { hint: 'see the saved ones with: lazyoci registry list' });
  }
  settings.registries = settings.registries.filter((r) => r !== existing);
  await saveSettings(env, settings);
  return existing;
}
