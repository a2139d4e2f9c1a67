// `lazyoci push FILE[:MEDIATYPE]… REF`: any files as one OCI artifact, one layer per file
// titled with its base name, packaged exactly as `build` packages a `type: artifact`.
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FilesArtifactConfig } from '../config/types.js';
import type { Target } from '../content/store.js';
import type { CopyEventHandler } from '../copy/events.js';
import { UsageError } from '../errors/index.js';
import { Annotation } from '../oci/media-types.js';
import type { ImageManifest } from '../oci/types.js';
import { formatReference, type Reference } from '../ref/reference.js';
import type { GraphTotal } from './graph-total.js';
import { copyGraphCounting } from './copy-counts.js';
import { packageArtifact } from './package-artifact.js';
import type { PlannedArtifact } from './plan.js';

/** One `FILE[:MEDIATYPE]` argument. */
export interface FileArgument {
  /** As typed (messages use it). */
  file: string;
  mediaType?: string;
}

/** RFC 6838 `type/subtype` (restricted-name characters), with an optional `+suffix` inside. */
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

export function isMediaType(value: string): boolean {
  return MEDIA_TYPE.test(value);
}

/**
 * Split `FILE:MEDIATYPE` at the last `:`, and only when what follows looks like a media
 * type, as oras does: `a:b.txt` and `C:\x` stay whole. `wholeExists` lets a file whose own
 * name ends in `:type/subtype` win over the split.
 */
export function parseFileArgument(arg: string, wholeExists = false): FileArgument {
  const colon = arg.lastIndexOf(':');
  if (colon <= 0 || wholeExists) return { file: arg };
  const mediaType = arg.slice(colon + 1);
  if (!isMediaType(mediaType)) return { file: arg };
  return { file: arg.slice(0, colon), mediaType };
}

/** `--annotation K=V` (repeatable) into the manifest's annotations. */
export function parseAnnotations(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq === -1) throw new UsageError(`--annotation "${value}": expected KEY=VALUE`);
    const key = value.slice(0, eq);
    if (key.trim() === '') throw new UsageError(`--annotation "${value}": the key is empty`);
    out[key] = value.slice(eq + 1);
  }
  return out;
}

export interface PushFilesInput {
  file: FileArgument;
  /** Resolved path. */
  path: string;
}

export interface PushFilesOptions {
  files: PushFilesInput[];
  reference: Reference;
  /** The manifest's artifactType; application/vnd.unknown.artifact.v1 when absent (as oras). */
  artifactType?: string;
  annotations?: Record<string, string>;
  concurrency?: number;
  signal?: AbortSignal;
  onEvent?: CopyEventHandler;
  onTotal?: (total: GraphTotal) => void;
}

export interface PushedLayer {
  title: string;
  digest: string;
  size: number;
  mediaType: string;
}

export interface PushFilesResult {
  reference: string;
  digest: string;
  mediaType: string;
  artifactType: string;
  tag: string;
  layers: PushedLayer[];
  copied: number;
  skipped: number;
}

/** Every check that needs no network: tag, regular files, distinct titles, media types. */
async function checkInputs(opts: PushFilesOptions): Promise<string> {
  if (opts.reference.digest !== undefined) {
    throw new UsageError(`push writes a tag, not a digest: drop "@${opts.reference.digest}" from the reference`);
  }
  const tag = opts.reference.tag;
  if (tag === undefined) throw new UsageError(`${formatReference(opts.reference)} has no tag; add one (…:TAG) to push files`);
  await checkFiles(opts.files, opts.artifactType);
  return tag;
}

/** The files exist, are regular, have distinct titles, and the artifact type is a media type. */
export async function checkFiles(files: readonly PushFilesInput[], artifactType: string | undefined): Promise<void> {
  if (artifactType !== undefined && !isMediaType(artifactType)) {
    throw new UsageError(`--artifact-type "${artifactType}" is not a media type (type/subtype)`);
  }
  const titles = new Map<string, string>();
  for (const { file, path } of files) {
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UsageError(code === 'ENOENT' ? `${file.file}: no such file or directory` : `cannot read ${file.file}: ${code ?? String(err)}`);
    }
    if (!info.isFile()) throw new UsageError(`${file.file} is not a regular file; push sends files (a directory only as an OCI layout)`);
    // Pull writes each layer under its title: two files with one base name would collide there.
    const title = basename(path);
    const other = titles.get(title);
    if (other !== undefined) throw new UsageError(`${other} and ${file.file} would both be titled "${title}"; rename one`);
    titles.set(title, file.file);
  }
}

/** The files as the `artifact` type of a .lazy file, so `build`'s packager makes the manifest. */
export function asPlannedArtifact(opts: Pick<PushFilesOptions, 'files' | 'artifactType' | 'annotations'>): PlannedArtifact {
  const loc = { file: '<command line>', line: 1, col: 1 };
  const config: FilesArtifactConfig = {
    type: 'artifact',
    index: 0,
    annotations: {},
    targets: [],
    loc,
    ...(opts.artifactType === undefined ? {} : { mediaType: opts.artifactType }),
    files: opts.files.map(({ file, path }) => ({
      // The packager titles a layer with this value; oras titles a pushed file with its base name.
      path: { value: basename(path), loc },
      absPath: path,
      ...(file.mediaType === undefined ? {} : { mediaType: file.mediaType }),
    })),
  };
  return {
    index: 0,
    name: 'files',
    type: 'artifact',
    config,
    annotations: opts.annotations ?? {},
    targets: [],
    displayDir: '.',
    buildArgs: {},
    platforms: [],
  };
}

export async function pushFiles(target: Target, opts: PushFilesOptions): Promise<PushFilesResult> {
  if (opts.files.length === 0) throw new UsageError('push needs at least one file');
  const tag = await checkInputs(opts);
  const packaged = await packageArtifact(asPlannedArtifact(opts), {
    env: {},
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
  });
  try {
    const manifest = JSON.parse(packaged.manifest.toString('utf8')) as ImageManifest;
    opts.onTotal?.({ bytes: packaged.totalSize, blobs: packaged.blobs.length });
    const { copied, skipped } = await copyGraphCounting(packaged.store, packaged.root, target, [tag], {
      ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      ...(opts.onEvent === undefined ? {} : { onEvent: opts.onEvent }),
    });
    return {
      reference: formatReference({ ...opts.reference, tag }),
      digest: packaged.root.digest,
      mediaType: packaged.root.mediaType,
      artifactType: manifest.artifactType ?? '',
      tag,
      layers: manifest.layers.map((l) => ({
        title: l.annotations?.[Annotation.title] ?? '',
        digest: l.digest,
        size: l.size,
        mediaType: l.mediaType,
      })),
      copied,
      skipped,
    };
  } finally {
    await packaged.cleanup?.();
  }
}
