// What the registry form holds, how it is checked field by field, and how it becomes
// the input of the save-registry use case.
import { LazyOciError } from '../../../errors/index.js';
import { checkLabel, type RegistryEntryInput } from '../../../ops/save-registry.js';
import { normaliseSavedRegistryName } from '../../../ref/registry-name.js';
import type { SavedRegistry } from '../../../settings/index.js';
import { placeholdersIn, presetForHost, REGISTRY_PRESETS } from './registry-presets.js';

export interface RegistryFormValues {
  preset: string;
  host: string;
  label: string;
  username: string;
  /** Empty when editing: the saved password is kept. Never rendered. */
  password: string;
  insecure: boolean;
  caFile: string;
}

export type RegistryFormField = Exclude<keyof RegistryFormValues, 'preset'>;
export type RegistryFormErrors = Partial<Record<RegistryFormField, string>>;

export const EMPTY_FORM: RegistryFormValues = { preset: 'custom', host: '', label: '', username: '', password: '', insecure: false, caFile: '' };

/** A saved entry as the form edits it; its password stays out of the form. */
export function formValuesFrom(saved: SavedRegistry): RegistryFormValues {
  return {
    preset: presetForHost(saved.name).id,
    host: saved.name,
    label: saved.label ?? '',
    username: saved.username ?? '',
    password: '',
    insecure: saved.insecure === true,
    caFile: saved.caFile ?? '',
  };
}

function messageOf(err: unknown): string {
  if (err instanceof LazyOciError) return err.message.replace(/^--name /, '');
  throw err;
}

/**
 * Problems per field, as the user types. `savedPassword`: the entry being edited has a
 * password, so an empty password field keeps it.
 */
export function validateRegistryForm(values: RegistryFormValues, opts: { savedPassword?: boolean } = {}): RegistryFormErrors {
  const errors: RegistryFormErrors = {};
  const host = values.host.trim();
  const preset = REGISTRY_PRESETS.find((p) => p.id === values.preset);
  const placeholders = placeholdersIn(host);
  if (host === '') errors.host = 'the registry host is needed, e.g. ghcr.io or localhost:5000';
  else if (placeholders.length > 0) errors.host = `replace ${placeholders.join(' and ')} in the host`;
  else {
    try {
      normaliseSavedRegistryName(host);
    } catch (err) {
      errors.host = messageOf(err);
    }
    const bare = host.toLowerCase().replace(/^https?:\/\//, '').split('/')[0]!;
    if (errors.host === undefined && preset?.hostPattern !== undefined && !preset.hostPattern.test(bare)) errors.host = preset.hostHelp;
  }
  if (values.label.trim() !== '') {
    try {
      checkLabel(values.label.trim());
    } catch (err) {
      errors.label = messageOf(err);
    }
  }
  if (values.password !== '' && values.username.trim() === '') errors.username = 'a password needs a user name';
  if (values.username.trim() !== '' && values.password === '' && opts.savedPassword !== true) errors.password = 'a user name needs a password or token';
  return errors;
}

/** The save-registry input for these values; `editing` is the saved name of the entry being edited. */
export function registryEntryInput(values: RegistryFormValues, editing?: string): RegistryEntryInput {
  return {
    name: values.host.trim(),
    label: values.label.trim(),
    username: values.username.trim(),
    ...(values.password === '' ? {} : { password: values.password }),
    insecure: values.insecure,
    caFile: values.caFile.trim(),
    ...(editing === undefined ? {} : { replaces: editing }),
  };
}
