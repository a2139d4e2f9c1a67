// Tells what a file handed to `push` is — OCI layout (directory or tar), docker archive,
// or packaged Helm chart — by looking inside it, never by its name; and opens it.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors/index.js';
import type { ArchiveContent } from './archive-content.js';
import { openDockerArchive } from './docker-archive.js';
import { openHelmChartArchive, type HelmChartArchiveContent } from './helm-chart-archive.js';
import { openOciLayout } from './oci-layout-reader.js';
import { compressionOf, readHead, scanTar } from './tar-archive.js';

export type ArchiveKind = 'oci-layout' | 'docker-archive' | 'helm-chart';

export interface DetectedArchive {
  kind: ArchiveKind;
  /** An OCI layout directory rather than a file. */
  directory: boolean;
}

const TOP_LEVEL_CHART_YAML = /^[^/]+\/Chart\.yaml$/;
const WHAT_WE_READ = 'expected an OCI image layout (directory or tar), a docker-archive tar, or a Helm chart .tgz';

export async function detectArchive(path: string, display = path): Promise<DetectedArchive> {
  let isDir: boolean;
  try {
    const info = await stat(path);
    isDir = info.isDirectory();
    if (!isDir && !info.isFile()) throw new UsageError(`${display} is not a regular file or directory`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${display}: no such file or directory` : `cannot read ${display}: ${(err as Error).message}`);
  }

  if (isDir) {
    try {
      await stat(join(path, 'oci-layout'));
    } catch {
      throw new UsageError(`${display} is a directory without an oci-layout file; ${WHAT_WE_READ}`);
    }
    return { kind: 'oci-layout', directory: true };
  }

  const head = await readHead(path, 512);
  if (head.length === 0) throw new UsageError(`${display} is empty; ${WHAT_WE_READ}`);
  const compression = compressionOf(head);
  // An uncompressed tar says "ustar" in its first header; anything else is not one we read.
  if (compression === 'none' && head.subarray(257, 262).toString('latin1') !== 'ustar') {
    throw new UsageError(`${display} is not a tar archive; ${WHAT_WE_READ}`);
  }

  let layout = false;
  let dockerManifest = false;
  let chartYaml = false;
  await scanTar(path, (entry) => {
    if (entry.type !== 'file' && entry.type !== 'contiguous-file' && entry.type !== 'link' && entry.type !== 'symlink') return false;
    if (entry.name === 'oci-layout') layout = true;
    else if (entry.name === 'manifest.json') dockerManifest = true;
    else if (TOP_LEVEL_CHART_YAML.test(entry.name)) chartYaml = true;
    // A layout marker decides it, even in newer Docker archives that also carry manifest.json.
    return layout;
  }, display);

  if (layout) return { kind: 'oci-layout', directory: false };
  if (dockerManifest) return { kind: 'docker-archive', directory: false };
  if (chartYaml && compression === 'gzip') return { kind: 'helm-chart', directory: false };
  if (chartYaml) throw new UsageError(`${display} looks like a Helm chart but is not gzip-compressed; package it as a .tgz`);
  throw new UsageError(`${display} holds no oci-layout, manifest.json or <chart>/Chart.yaml; ${WHAT_WE_READ}`);
}

export interface OpenArchiveOptions {
  /** Which image: a layout's ref.name, or one of a docker archive's RepoTags. */
  refName?: string;
  display?: string;
  signal?: AbortSignal;
}

export type OpenedArchive =
  | { kind: 'oci-layout' | 'docker-archive'; content: ArchiveContent }
  | { kind: 'helm-chart'; content: HelmChartArchiveContent };

/** Detect and open in one call; the caller closes `content`. */
export async function openArchive(path: string, opts: OpenArchiveOptions = {}): Promise<OpenedArchive> {
  const display = opts.display ?? path;
  const { kind } = await detectArchive(path, display);
  return openDetected(path, kind, opts);
}

export async function openDetected(path: string, kind: ArchiveKind, opts: OpenArchiveOptions = {}): Promise<OpenedArchive> {
  const display = opts.display ?? path;
  const signal = opts.signal === undefined ? {} : { signal: opts.signal };
  switch (kind) {
    case 'oci-layout':
      return { kind, content: await openOciLayout(path, { display, ...signal, ...(opts.refName === undefined ? {} : { refName: opts.refName }) }) };
    case 'docker-archive':
      return { kind, content: await openDockerArchive(path, { display, ...signal, ...(opts.refName === undefined ? {} : { repoTag: opts.refName }) }) };
    case 'helm-chart':
      if (opts.refName !== undefined) throw new UsageError(`--ref-name picks an image in a layout or docker archive; ${display} is a Helm chart`);
      return { kind, content: await openHelmChartArchive(path, { display }) };
  }
}
