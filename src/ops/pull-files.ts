// `lazyoci pull REF --format files`: write what an artifact carries as plain files, as
// `oras pull` and `helm pull` do: a Helm chart as <name>-<version>.tgz, other artifacts'
// layers under their org.opencontainers.image.title. Every path is checked before the
// first write, every blob is verified while it is written, and files appear only when all
// of them have arrived.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, realpath, rename, rm, rmdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { readAll } from '../content/store.js';
import { verifiedFileSink } from '../content/verified-file-sink.js';
import type { CopyEventHandler } from '../copy/events.js';
import { CancelledError, ContentError, UsageError } from '../errors/index.js';
import { Annotation, isIndexMediaType, MediaType } from '../oci/media-types.js';
import { availablePlatforms, formatPlatform, selectPlatform, type PlatformSpec } from '../oci/platform.js';
import type { Descriptor, ImageIndex, ImageManifest } from '../oci/types.js';
import { parseManifestDocument } from '../oci/validate-manifest.js';
import { formatReference, type Reference } from '../ref/reference.js';
import type { GraphTotal } from './graph-total.js';
import { checkImagePlatform, type PullSource } from './pull.js';

export const HELM_PROVENANCE = 'application/vnd.cncf.helm.chart.provenance.v1.prov';
const CONFIG_LIMIT = 4 << 20;

export interface PullFilesOptions {
  reference: Reference;
  /** The directory the files go into; created when missing. */
  dest: string;
  platform?: PlatformSpec;
  signal?: AbortSignal;
  onEvent?: CopyEventHandler;
  onTotal?: (total: GraphTotal) => void;
}

export interface PulledFile {
  /** Relative to dest, with `/` separators. */
  path: string;
  digest: string;
  size: number;
  mediaType: string;
}

/** A layer with no file name: not written (oras skips these too). */
export interface SkippedLayer {
  digest: string;
  size: number;
  mediaType: string;
}

export interface PullFilesResult {
  reference: string;
  digest: string;
  mediaType: string;
  artifactType?: string;
  platform?: string;
  dest: string;
  files: PulledFile[];
  skipped: SkippedLayer[];
}

/**
 * A title as a relative path below dest, or a refusal. A title comes from whoever pushed
 * the artifact: absolute paths, `..`, backslashes (a separator on Windows) and NUL are
 * refused outright rather than rewritten.
 */
export function safeTitlePath(title: string, reference: string): string {
  const refuse = (why: string): ContentError => new ContentError(`${reference}: refusing layer title ${JSON.stringify(title)}: it ${why}`);
  if (title.includes('\0')) throw refuse('contains a NUL byte');
  if (title.includes('\\')) throw refuse('contains a backslash');
  if (title.startsWith('/') || /^[A-Za-z]:/.test(title)) throw refuse('is an absolute path');
  const parts = title.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw refuse('climbs out of the destination with ".."');
  if (parts.length === 0) throw refuse('names no file');
  return parts.join('/');
}

/** A chart's `name` or `version` as part of one file name. */
function chartNamePart(value: unknown, field: string, reference: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(value)) {
    throw new ContentError(`${reference}: the Helm chart config's ${field} ${JSON.stringify(value)} cannot name a file`);
  }
  return value;
}

interface PlannedFile {
  path: string;
  layer: Descriptor;
}

async function planHelmChart(source: PullSource, manifest: ImageManifest, reference: string): Promise<{ files: PlannedFile[]; skipped: Descriptor[] }> {
  const config = readJson(await readAll(await source.fetch(manifest.config), CONFIG_LIMIT, `${reference}: Helm chart config`), reference);
  const base = `${chartNamePart(config.name, 'name', reference)}-${chartNamePart(config.version, 'version', reference)}.tgz`;
  const files: PlannedFile[] = [];
  const skipped: Descriptor[] = [];
  for (const layer of manifest.layers) {
    // As helm pull: the chart, and its provenance file beside it.
    if (layer.mediaType === MediaType.helmChartContent) files.push({ path: base, layer });
    else if (layer.mediaType === HELM_PROVENANCE) files.push({ path: `${base}.prov`, layer });
    else skipped.push(layer);
  }
  return { files, skipped };
}

function readJson(bytes: Buffer, reference: string): Record<string, unknown> {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as unknown;
    if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) return doc as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new ContentError(`${reference}: the Helm chart config is not a JSON object`);
}

function planTitled(manifest: ImageManifest, reference: string): { files: PlannedFile[]; skipped: Descriptor[] } {
  const files: PlannedFile[] = [];
  const skipped: Descriptor[] = [];
  for (const layer of manifest.layers) {
    const title = layer.annotations?.[Annotation.title];
    if (title === undefined || title === '') skipped.push(layer);
    else files.push({ path: safeTitlePath(title, reference), layer });
  }
  return { files, skipped };
}

/** Two layers may not write one path, nor one a file where another needs a directory. */
function checkNoCollisions(files: PlannedFile[], reference: string): void {
  const paths = new Set(files.map((f) => f.path));
  if (paths.size !== files.length) {
    const seen = new Set<string>();
    const dup = files.find((f) => (seen.has(f.path) ? true : (seen.add(f.path), false)));
    throw new ContentError(`${reference}: two layers are titled ${JSON.stringify(dup?.path)}; refusing to write either`);
  }
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (paths.has(parent)) throw new ContentError(`${reference}: layer titles ${JSON.stringify(parent)} and ${JSON.stringify(f.path)} need ${parent} to be both a file and a directory`);
    }
  }
}

async function lstatOrUndefined(path: string): Promise<import('node:fs').Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot check ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/**
 * Refuse any path that would write through a symbolic link (or onto something that is not
 * a regular file) inside dest: such a link could point anywhere on the machine.
 */
async function checkDestPaths(root: string, files: PlannedFile[], dest: string): Promise<void> {
  const checked = new Set<string>();
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (checked.has(rel)) continue;
      checked.add(rel);
      const info = await lstatOrUndefined(join(root, rel));
      if (info === undefined) break;
      const shown = join(dest, rel);
      if (info.isSymbolicLink()) throw new ContentError(`${shown} is a symbolic link; refusing to write ${f.path} through it`);
      const last = i === parts.length;
      if (!last && !info.isDirectory()) throw new ContentError(`${shown} is not a directory; cannot write ${f.path} below it`);
      if (last && !info.isFile()) throw new ContentError(`${shown} exists and is not a regular file; refusing to replace it`);
    }
  }
}

/** The dest directory, created when missing, as a real path (a link the user named is followed once, here). */
async function openDest(dest: string): Promise<string> {
  try {
    await mkdir(dest, { recursive: true });
    const info = await lstat(await realpath(dest));
    if (!info.isDirectory()) throw new UsageError(`${dest} is not a directory`);
    return await realpath(dest);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'EEXIST' || code === 'ENOTDIR' ? `${dest} is not a directory` : `cannot use ${dest}: ${code ?? String(err)}`);
  }
}

/** Create the directories the files need, one level at a time, never through a link; returns those made. */
async function makeDirectories(root: string, files: PlannedFile[], dest: string): Promise<string[]> {
  const made: string[] = [];
  for (const f of files) {
    const parts = f.path.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = join(root, ...parts.slice(0, i));
      try {
        await mkdir(dir);
        made.push(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const info = await lstat(dir);
        if (!info.isDirectory()) throw new UsageError(`${join(dest, ...parts.slice(0, i))} is not a directory (it changed while pulling)`);
      }
    }
  }
  return made;
}

async function download(
  source: PullSource,
  file: PlannedFile,
  temp: string,
  target: string,
  reference: string,
  opts: PullFilesOptions,
): Promise<void> {
  const { layer } = file;
  opts.onEvent?.({ type: 'started', target, descriptor: layer });
  // 'wx': O_EXCL, so the temporary name never opens something already there (a planted link).
  const handle = await open(temp, 'wx', 0o644);
  try {
    const sink = verifiedFileSink(
      handle.fd,
      { digest: layer.digest, size: layer.size },
      (got) =>
        new ContentError(
          got.digest === undefined
            ? `${reference}: layer ${layer.digest} (${file.path}) is larger than its descriptor says (${layer.size} bytes)`
            : `${reference}: layer ${file.path} does not match its descriptor: got ${got.digest} (${got.size} bytes), want ${layer.digest} (${layer.size} bytes)`,
        ),
      (bytes) => opts.onEvent?.({ type: 'progress', target, descriptor: layer, bytes }),
    );
    await pipeline(await source.fetch(layer), sink, opts.signal === undefined ? {} : { signal: opts.signal });
  } finally {
    await handle.close();
  }
  opts.onEvent?.({ type: 'copied', target, descriptor: layer });
}

async function resolveManifest(source: PullSource, opts: PullFilesOptions, reference: string) {
  const ref = opts.reference;
  const fetched = await source.fetchManifest(ref.digest ?? ref.tag ?? 'latest');
  let root = fetched.descriptor;
  let bytes = fetched.bytes;
  let platform: string | undefined;
  if (isIndexMediaType(root.mediaType)) {
    const index = parseManifestDocument(root, bytes) as ImageIndex;
    const available = availablePlatforms(index.manifests);
    if (opts.platform === undefined) {
      throw new UsageError(
        `${reference} is an index of ${index.manifests.length} manifests; --format files writes one: add --platform (${available.length > 0 ? available.join(', ') : 'none listed'})`,
      );
    }
    const picked = selectPlatform(index.manifests, opts.platform);
    if (picked === undefined) {
      throw new UsageError(`${reference} has no ${formatPlatform(opts.platform)} image; available platforms: ${available.length > 0 ? available.join(', ') : 'none'}`);
    }
    const child = await source.fetchManifest(picked.digest);
    root = child.descriptor;
    bytes = child.bytes;
    platform = formatPlatform(picked.platform!);
  } else if (opts.platform !== undefined) {
    await checkImagePlatform(source, fetched, opts.platform, reference);
    platform = formatPlatform(opts.platform);
  }
  const doc = parseManifestDocument(root, bytes);
  if (!('layers' in doc)) throw new ContentError(`${reference}: ${root.digest} is not an image manifest`);
  return { root, manifest: doc, platform };
}

export async function pullFiles(source: PullSource, opts: PullFilesOptions): Promise<PullFilesResult> {
  const reference = formatReference(opts.reference);
  const { root, manifest, platform } = await resolveManifest(source, opts, reference);
  const isChart = manifest.config.mediaType === MediaType.helmConfig;
  const { files, skipped } = isChart ? await planHelmChart(source, manifest, reference) : planTitled(manifest, reference);
  if (files.length === 0) {
    throw new ContentError(
      `${reference}: no layer has a file name (${Annotation.title}), so there are no files to write; pull it with --format layout`,
    );
  }
  checkNoCollisions(files, reference);
  const destRoot = await openDest(opts.dest);
  await checkDestPaths(destRoot, files, opts.dest);
  opts.onTotal?.({ bytes: files.reduce((sum, f) => sum + f.layer.size, 0), blobs: files.length });

  // Every file lands under a temporary name beside its final one, then all are renamed:
  // a failure part-way leaves none of them. rename() replaces a directory entry and never
  // follows a link planted there meanwhile.
  const token = randomBytes(6).toString('hex');
  const temps = files.map((f) => {
    const dir = posix.dirname(f.path);
    const tmpName = `.${posix.basename(f.path)}.lazyoci-${token}.partial`;
    return join(destRoot, dir === '.' ? '' : dir, tmpName);
  });
  const made = await makeDirectories(destRoot, files, opts.dest);
  try {
    for (const [i, file] of files.entries()) {
      if (opts.signal?.aborted === true) throw new CancelledError('cancelled');
      await download(source, file, temps[i]!, opts.dest, reference, opts);
    }
    await checkDestPaths(destRoot, files, opts.dest);
    for (const [i, file] of files.entries()) await rename(temps[i]!, join(destRoot, file.path));
  } catch (err) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    for (const dir of made.reverse()) await rmdir(dir).catch(() => undefined);
    if (opts.signal?.aborted === true && !(err instanceof CancelledError)) throw new CancelledError('cancelled');
    throw err;
  }
  return {
    reference,
    digest: root.digest,
    mediaType: root.mediaType,
    ...(manifest.artifactType === undefined ? {} : { artifactType: manifest.artifactType }),
    ...(platform === undefined ? {} : { platform }),
    dest: opts.dest,
    files: files.map((f) => ({ path: f.path, digest: f.layer.digest, size: f.layer.size, mediaType: f.layer.mediaType })),
    skipped: skipped.map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType })),
  };
}
