// What completion may offer from this machine alone: the .lazy file's artifacts and
// template-free targets, and the saved registries. Never the network; any file that
// cannot be read simply offers nothing.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadSettings } from '../settings/index.js';

/** A .lazy larger than this is not read while completing (the loader's own cap is 4 MiB). */
const MAX_LAZY_BYTES = 1024 * 1024;

export interface LazySummary {
  /** Artifact names, given or defaulted as the planner does (last part of the first target). */
  names: string[];
  types: string[];
  /** `host[:port]/repository` of targets written without templates. */
  repositories: string[];
  /** `repository:tag` for their template-free tags. */
  references: string[];
}

const EMPTY: LazySummary = { names: [], types: [], repositories: [], references: [] };

function templateFree(s: unknown): s is string {
  return typeof s === 'string' && s !== '' && !s.includes('{{') && !s.includes('<<');
}

/** The .lazy a command would use: --file, else the path argument (a file or a directory), else ./.lazy. */
export function lazyFileFor(cwd: string, file?: string, positional?: string): string {
  const given = file ?? positional;
  if (given === undefined || given === '') return path.join(cwd, '.lazy');
  const abs = path.resolve(cwd, given);
  try {
    return statSync(abs).isDirectory() ? path.join(abs, '.lazy') : abs;
  } catch {
    return abs;
  }
}

export function summariseLazyText(text: string): LazySummary {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100 });
  } catch {
    return EMPTY;
  }
  const artifacts = (doc as { artifacts?: unknown } | null)?.artifacts;
  if (!Array.isArray(artifacts)) return EMPTY;
  const out: LazySummary = { names: [], types: [], repositories: [], references: [] };
  for (const a of artifacts as Array<Record<string, unknown> | null>) {
    if (a === null || typeof a !== 'object') continue;
    const targets = Array.isArray(a.targets) ? (a.targets as Array<Record<string, unknown> | null>) : [];
    if (typeof a.type === 'string') out.types.push(a.type);
    const firstRegistry = targets[0]?.registry;
    const defaultName = typeof firstRegistry === 'string' ? firstRegistry.split('/').filter(Boolean).pop() : undefined;
    const name = typeof a.name === 'string' ? a.name : defaultName;
    if (templateFree(name)) out.names.push(name);
    for (const t of targets) {
      if (t === null || typeof t !== 'object' || !templateFree(t.registry) || t.registry.startsWith('oci-layout:')) continue;
      out.repositories.push(t.registry);
      for (const tag of Array.isArray(t.tags) ? t.tags : []) if (templateFree(tag)) out.references.push(`${t.registry}:${tag}`);
    }
  }
  return out;
}

export function readLazySummary(file: string): LazySummary {
  try {
    const st = statSync(file);
    if (!st.isFile() || st.size > MAX_LAZY_BYTES) return EMPTY;
    return summariseLazyText(readFileSync(file, 'utf8'));
  } catch {
    return EMPTY;
  }
}

export async function savedRegistryNames(env: NodeJS.ProcessEnv): Promise<string[]> {
  try {
    return (await loadSettings(env)).registries.map((r) => r.name);
  } catch {
    return [];
  }
}
