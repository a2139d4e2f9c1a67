// Packages a Helm chart directory into the .tgz, config JSON and manifest annotations of a
// Helm OCI artifact, without the Helm CLI and without timestamps, so a chart has one digest.

import type { Dirent } from 'node:fs';
import { opendir, readFile, realpath, stat } from 'node:fs/promises';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { CancelledError, ContentError } from '../errors/index.js';
import { Annotation } from '../oci/media-types.js';
import { readChartYaml } from './chart-yaml.js';
import { createTarGzip, type TarEntry } from './tar-gzip.js';

export interface HelmChartPackage {
  name: string;
  version: string;
  metadata: Record<string, unknown>;
  /** The config blob: chart metadata as compact JSON. */
  config: Buffer;
  /** The chart layer: a .tgz laid out as `helm package` does. */
  archive: Buffer;
  annotations: Record<string, string>;
}

export interface PackageHelmChartOptions {
  /** How the chart directory is named in messages (e.g. relative to the .lazy file). */
  displayDir?: string;
  /** Lower limits than CHART_LIMITS (tests). */
  limits?: { entries?: number; bytes?: number };
  /** Checked between files: Ctrl-C stops a large chart's packaging. */
  signal?: AbortSignal;
}

/** Helm always adds this rule: hidden files under templates/ are never rendered or packaged. */
const DEFAULT_IGNORE_RULE = 'templates/.?*';

// Field order of Helm's chart Metadata struct, which is the order its JSON config uses.
const METADATA_KEYS = [
  'name',
  'home',
  'sources',
  'version',
  'description',
  'keywords',
  'maintainers',
  'icon',
  'apiVersion',
  'condition',
  'tags',
  'appVersion',
  'deprecated',
  'annotations',
  'kubeVersion',
  'dependencies',
  'type',
] as const;
const MAINTAINER_KEYS = ['name', 'email', 'url'] as const;
const DEPENDENCY_KEYS = ['name', 'version', 'repository', 'condition', 'tags', 'enabled', 'import-values', 'alias'] as const;
// Helm's Dependency struct has no omitempty on these two, so Go always writes them.
const DEPENDENCY_ALWAYS = new Set(['name', 'repository']);

export async function packageHelmChart(chartDir: string, opts?: PackageHelmChartOptions): Promise<HelmChartPackage> {
  const shownDir = opts?.displayDir ?? chartDir;
  const chartYaml = await readChartYaml(chartDir, { displayDir: shownDir });
  const { metadata } = chartYaml;

  const rules = await loadIgnoreRules(chartDir, shownDir);
  const limits = { ...CHART_LIMITS, ...opts?.limits };
  const checkSignal = (): void => {
    if (opts?.signal?.aborted === true) throw new CancelledError('cancelled');
  };
  const files = await collectChartFiles(chartDir, shownDir, rules, limits, checkSignal);
  const others = files.filter((f) => f.rel !== 'Chart.yaml').sort((a, b) => compareCodeUnits(a.rel, b.rel));

  const entries: TarEntry[] = [{ name: `${metadata.name}/Chart.yaml`, data: chartYaml.source }];
  let bytes = chartYaml.source.length;
  for (const file of others) {
    checkSignal();
    const data = await readChartFile(file.abs, shownDir, file.rel);
    // Checked again on what was read: a file may have grown since it was counted.
    bytes += data.length;
    if (bytes > limits.bytes) throw tooLarge(shownDir, limits.bytes);
    entries.push({ name: `${metadata.name}/${file.rel}`, data });
  }

  const archive = await createTarGzip(entries);
  checkSignal();
  return {
    name: metadata.name,
    version: metadata.version,
    metadata,
    config: helmChartConfig(metadata),
    archive,
    annotations: helmChartAnnotations(metadata),
  };
}

/** The Helm config blob for chart metadata: JSON with Helm's key order and Go's escaping. */
export function helmChartConfig(metadata: Record<string, unknown>): Buffer {
  const ordered: Record<string, unknown> = {};
  for (const key of METADATA_KEYS) {
    let value = metadata[key];
    if (key === 'maintainers' && Array.isArray(value)) {
      value = value.map((m) => pickKeys(m, MAINTAINER_KEYS));
    } else if (key === 'dependencies' && Array.isArray(value)) {
      value = value.map((d) => pickKeys(d, DEPENDENCY_KEYS, DEPENDENCY_ALWAYS));
    } else if (key === 'annotations') {
      value = sortKeysDeep(value);
    }
    if (!isEmpty(value)) ordered[key] = value;
  }
  return Buffer.from(goJsonEscape(JSON.stringify(ordered)), 'utf8');
}

/** OCI manifest annotations for a chart, as Helm sets them on push, minus the creation time. */
export function helmChartAnnotations(metadata: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  out[Annotation.title] = String(metadata.name);
  out[Annotation.version] = String(metadata.version);
  const { description, home, sources, maintainers } = metadata;
  if (typeof description === 'string' && description !== '') out[Annotation.description] = description;
  if (typeof home === 'string' && home !== '') out[Annotation.url] = home;
  if (Array.isArray(sources) && typeof sources[0] === 'string' && sources[0] !== '') {
    out[Annotation.source] = sources[0];
  }
  if (Array.isArray(maintainers) && maintainers.length > 0) {
    const authors = maintainers
      .map((m: unknown) => {
        const { name, email } = (m ?? {}) as { name?: unknown; email?: unknown };
        const who = typeof name === 'string' ? name : '';
        return typeof email === 'string' && email !== '' ? `${who} (${email})` : who;
      })
      .join(', ');
    if (authors !== '') out[Annotation.authors] = authors;
  }
  const own = metadata.annotations;
  if (typeof own === 'object' && own !== null && !Array.isArray(own)) {
    for (const [key, value] of Object.entries(own as Record<string, unknown>)) {
      if (key === Annotation.title || key === Annotation.version) continue;
      if (typeof value === 'string') out[key] = value;
    }
  }
  return out;
}

interface ChartFile {
  /** POSIX path relative to the chart root. */
  rel: string;
  abs: string;
}

async function loadIgnoreRules(chartDir: string, shownDir: string): Promise<Ignore> {
  const rules = ignore();
  try {
    rules.add(await readFile(path.join(chartDir, '.helmignore'), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ContentError(`cannot read ${path.join(shownDir, '.helmignore')}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  // Added last so a negation in .helmignore cannot bring hidden templates back, as in Helm.
  rules.add(DEFAULT_IGNORE_RULE);
  return rules;
}

/** Limits on what a chart directory may hold; charts are small, a tree far larger is a mistake or an attack. */
export const CHART_LIMITS = {
  /** Files and directories packaged (ignored ones are not counted). */
  entries: 10_000,
  /** Bytes of all packaged files together. */
  bytes: 100 * 1024 * 1024,
} as const;

async function collectChartFiles(
  chartDir: string,
  shownDir: string,
  rules: Ignore,
  limits: { entries: number; bytes: number },
  checkSignal: () => void,
): Promise<ChartFile[]> {
  const root = await realpath(chartDir);
  const files: ChartFile[] = [];
  const shown = (rel: string): string => (rel === '' ? shownDir : path.join(shownDir, ...rel.split('/')));
  // Each real directory is packaged under one path only: a second symlink to a directory
  // already in the chart is refused, so a tree of links cannot multiply the chart.
  const visited = new Map<string, string>([[root, '']]);
  let entries = 0;
  let bytes = 0;
  const count = (): void => {
    entries++;
    if (entries > limits.entries) {
      throw new ContentError(`chart ${shownDir} holds more than ${limits.entries} files and directories; refusing to package it`, {
        hint: 'list what does not belong in the chart in .helmignore',
      });
    }
  };

  const walk = async (dirAbs: string, dirRel: string, ancestors: Set<string>): Promise<void> => {
    for (const dirent of await listDirectory(dirAbs, limits.entries, () => shown(dirRel))) {
      checkSignal();
      const rel = dirRel === '' ? dirent.name : `${dirRel}/${dirent.name}`;
      const abs = path.join(dirAbs, dirent.name);
      let kind: 'file' | 'dir' | 'other';
      if (dirent.isSymbolicLink()) {
        if (rules.ignores(rel)) continue;
        let target: string;
        try {
          target = await realpath(abs);
        } catch (err) {
          if (rules.ignores(`${rel}/`)) continue;
          throw new ContentError(`symlink ${shown(rel)} points to nothing`, { cause: err });
        }
        if (!isInside(root, target)) {
          if (rules.ignores(`${rel}/`)) continue;
          throw new ContentError(`symlink ${shown(rel)} points outside the chart directory`, {
            hint: 'only symlinks whose target stays inside the chart are followed; copy the file into the chart instead',
          });
        }
        const st = await stat(target);
        kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
      } else {
        kind = dirent.isDirectory() ? 'dir' : dirent.isFile() ? 'file' : 'other';
      }

      if (kind === 'dir') {
        if (rules.ignores(`${rel}/`)) continue;
        const real = await realpath(abs);
        if (ancestors.has(real)) {
          throw new ContentError(`symlink ${shown(rel)} makes a loop in the chart directory`);
        }
        const first = visited.get(real);
        if (first !== undefined) {
          throw new ContentError(`${shown(rel)} and ${shown(first)} are the same directory (through a symlink); a chart holds each directory once`, {
            hint: 'replace the extra symlink with a copy, or list one of the two paths in .helmignore',
          });
        }
        visited.set(real, rel);
        count();
        await walk(abs, rel, new Set([...ancestors, real]));
      } else if (kind === 'file') {
        if (rules.ignores(rel)) continue;
        count();
        bytes += (await stat(abs)).size;
        if (bytes > limits.bytes) throw tooLarge(shownDir, limits.bytes);
        files.push({ rel, abs });
      }
      // Sockets, fifos and devices are not chart content.
    }
  };

  await walk(chartDir, '', new Set([root]));
  return files;
}

/** A directory's entries by name, read without holding more than `max` of them. */
async function listDirectory(dirAbs: string, max: number, shown: () => string): Promise<Dirent[]> {
  const out: Dirent[] = [];
  for await (const dirent of await opendir(dirAbs)) {
    out.push(dirent);
    if (out.length > max) {
      throw new ContentError(`${shown()} holds more than ${max} entries; refusing to package it`, {
        hint: 'list what does not belong in the chart in .helmignore',
      });
    }
  }
  // Sorted so that which of two paths to one directory comes first does not depend on the filesystem.
  return out.sort((a, b) => compareCodeUnits(a.name, b.name));
}

function tooLarge(shownDir: string, limit: number): ContentError {
  return new ContentError(`chart ${shownDir} holds more than ${formatMiB(limit)} of files; refusing to package it`, {
    hint: 'list what does not belong in the chart in .helmignore',
  });
}

function formatMiB(bytes: number): string {
  return bytes >= 1 << 20 && bytes % (1 << 20) === 0 ? `${bytes / (1 << 20)} MiB` : `${bytes} bytes`;
}

async function readChartFile(abs: string, shownDir: string, rel: string): Promise<Buffer> {
  try {
    return await readFile(abs);
  } catch (err) {
    throw new ContentError(`cannot read ${path.join(shownDir, ...rel.split('/'))}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function pickKeys(value: unknown, keys: readonly string[], always?: Set<string>): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const v = key === 'import-values' ? sortKeysDeep(source[key]) : source[key];
    if (!isEmpty(v)) out[key] = v;
    else if (always?.has(key)) out[key] = typeof v === 'string' ? v : '';
  }
  return out;
}

/** Go marshals maps with sorted keys. */
function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(compareCodeUnits)) {
    out[key] = sortKeysDeep((value as Record<string, unknown>)[key]);
  }
  return out;
}

/** Go's omitempty: false, 0, "", null and empty lists/maps are left out. */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '' || value === 0) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/** Go's encoding/json escapes these even inside strings; they never occur outside strings. */
function goJsonEscape(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
