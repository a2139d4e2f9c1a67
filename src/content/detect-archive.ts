// Tells what a file handed to `push` is — OCI layout (directory or tar), docker archive,
// or packaged Helm chart — by looking inside it, never by its name; and opens it.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
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

/**
 * The file is none of the archives `push` reads (empty, not a tar, a tar without any
 * marker): `push` then sends it as a plain file instead (spec §4, push FILE[:MEDIATYPE]).
 */
export class NotAnArchiveError extends UsageError {}

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
  if (head.length === 0) throw new NotAnArchiveError(`${display} is empty; ${WHAT_WE_READ}`);
  const compression = compressionOf(head);
  // A tar says "ustar" in its first header; anything else is not one we read.
  if (compression === 'none' && !isUstar(head)) {
    throw new NotAnArchiveError(`${display} is not a tar archive; ${WHAT_WE_READ}`);
  }
  // A gzip of something else (an SBOM, a log) is a plain file too; a broken gzip is left to the scan.
  if (compression === 'gzip' && (await gzipHoldsNonTar(path))) {
    throw new NotAnArchiveError(`${display} is not a tar archive; ${WHAT_WE_READ}`);
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
  throw new NotAnArchiveError(`${display} holds no oci-layout, manifest.json or <chart>/Chart.yaml; ${WHAT_WE_READ}`);
}

function isUstar(header: Buffer): boolean {
  return header.subarray(257, 262).toString('latin1') === 'ustar';
}

/** True when the gzip's first 512 bytes decompress to something that is not a tar header. */
async function gzipHoldsNonTar(path: string): Promise<boolean> {
  const gunzip = createGunzip();
  const source = createReadStream(path, { end: (1 << 20) - 1 });
  source.on('error', (err) => gunzip.destroy(err)).pipe(gunzip);
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of gunzip) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= 512) break;
    }
  } catch {
    // A broken gzip (or one cut at the 1 MiB read here): the full scan reports it.
    if (length < 512) return false;
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  return !isUstar(Buffer.concat(chunks));
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
