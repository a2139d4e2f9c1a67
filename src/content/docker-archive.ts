// Converts a `docker save` / docker-archive tarball (manifest.json with Config, RepoTags,
// Layers) into an OCI image: the config kept byte for byte, layers as they are in the tar.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UsageError } from '../errors/index.js';
import { digestHex } from '../oci/digest.js';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor, Digest, ImageManifest } from '../oci/types.js';
import { formatReference, parseReference } from '../ref/reference.js';
import type { ArchiveContent } from './archive-content.js';
import { encodeImageManifest } from './image-manifest.js';
import { MemoryStore } from './memory-store.js';
import { compressionOf, extractTar, listTar, safeEntryName, type ExtractedFile, type ExtractedTar, type TarEntryInfo } from './tar-archive.js';

export interface OpenDockerArchiveOptions {
  /** Which image to take when the archive holds several: one of its RepoTags. */
  repoTag?: string;
  /** How the archive is named in messages; the path when absent. */
  display?: string;
  /** Stops unpacking a tar early. */
  signal?: AbortSignal;
}

export interface DockerArchiveContent extends ArchiveContent {
  /** The converted image: config, layers (files in a temp dir) and manifest. */
  store: MemoryStore;
  /** The OCI image manifest bytes; `root` describes them. */
  manifest: Buffer;
  /** Config, then layers in manifest order. */
  blobs: Descriptor[];
  /** Bytes of every blob plus the manifest. */
  totalSize: number;
  /** The chosen image's RepoTags as the archive lists them. */
  repoTags: string[];
}

/** Layer media types of the OCI image spec, by the compression found in the file. */
export const OciLayerMediaType = {
  none: MediaType.imageLayerTar,
  gzip: MediaType.imageLayerTarGzip,
  zstd: MediaType.imageLayerTarZstd,
} as const;

const JSON_LIMIT = 16 << 20;

interface ArchiveImage {
  Config?: unknown;
  RepoTags?: unknown;
  Layers?: unknown;
}

export async function openDockerArchive(path: string, opts: OpenDockerArchiveOptions = {}): Promise<DockerArchiveContent> {
  const display = opts.display ?? path;
  const signal = opts.signal === undefined ? {} : { signal: opts.signal };
  // manifest.json is often the last entry, so a first pass lists the archive and reads it;
  // the second extracts only the files it names. Nothing else is written to disk.
  const { listing, kept } = await listTar(path, {
    display,
    ...signal,
    keep: (entry) => entry.name === 'manifest.json' && entry.size <= JSON_LIMIT,
  });
  const manifestEntry = listing.resolve('manifest.json');
  if (manifestEntry === undefined) throw new UsageError(`${display} is not a docker archive: it has no manifest.json`);
  const manifestBytes = kept.get(manifestEntry.name);
  if (manifestBytes === undefined) throw new UsageError(`${display}:manifest.json is larger than ${JSON_LIMIT} bytes (or not a plain file); refusing to read it`);
  const images = parseJson(manifestBytes, `${display}:manifest.json`);
  if (!Array.isArray(images) || images.length === 0) {
    throw new UsageError(`${display}: manifest.json lists no images`);
  }
  const image = pickImage(images as ArchiveImage[], display, opts.repoTag);
  const repoTags = Array.isArray(image.RepoTags) ? image.RepoTags.filter((t): t is string => typeof t === 'string') : [];

  if (typeof image.Config !== 'string') throw new UsageError(`${display}: manifest.json names no Config file`);
  const configName = image.Config;
  if (!Array.isArray(image.Layers) || !image.Layers.every((l) => typeof l === 'string')) {
    throw new UsageError(`${display}: manifest.json's Layers is not a list of file names`);
  }
  const layerNames = image.Layers as string[];

  // Names resolved through the archive's links (layers are often symlinks to one copy).
  const entryOf = (rawName: string): TarEntryInfo => {
    const entry = listing.resolve(safeEntryName(rawName, display));
    if (entry === undefined) throw new UsageError(`${display}: manifest.json names ${JSON.stringify(rawName)}, which is not in the archive`);
    return entry;
  };
  const configEntry = entryOf(configName);
  if (configEntry.size > JSON_LIMIT) throw new UsageError(`${display}:${configName} is larger than ${JSON_LIMIT} bytes; refusing to read it`);
  const wanted = new Map<number, TarEntryInfo>([configEntry, ...layerNames.map(entryOf)].map((e) => [e.index, e]));
  const expected = [...wanted.values()].reduce((sum, e) => sum + e.size, 0);
  const extracted = await extractTar(path, {
    want: (_name, entry) => wanted.has(entry.index),
    stopAfter: wanted.size,
    maxTotalBytes: expected,
    display,
    ...signal,
  });
  const member = (rawName: string): ExtractedFile => {
    const file = extracted.get(entryOf(rawName).name);
    if (file === undefined) throw new UsageError(`${display} changed while it was read`);
    return file;
  };
  try {
    return await convert({ extracted, member, display, configName, layerNames, repoTags });
  } catch (err) {
    await extracted.close();
    throw err;
  }
}

interface ConvertInput {
  extracted: ExtractedTar;
  /** A file manifest.json names, extracted. */
  member: (rawName: string) => ExtractedFile;
  display: string;
  configName: string;
  layerNames: string[];
  repoTags: string[];
}

async function convert({ extracted, member, display, configName, layerNames, repoTags }: ConvertInput): Promise<DockerArchiveContent> {
  const configFile = member(configName);
  checkNamedDigest(configName, configFile, display);
  const configBytes = await readSmall(configFile, `${display}:${configName}`);
  const config = parseJson(configBytes, `${display}:${configName}`) as { rootfs?: { diff_ids?: unknown } };
  const diffIds = Array.isArray(config.rootfs?.diff_ids) ? (config.rootfs.diff_ids as unknown[]) : undefined;
  if (diffIds !== undefined && diffIds.length !== layerNames.length) {
    throw new UsageError(`${display}: the image config lists ${diffIds.length} layers (rootfs.diff_ids) but manifest.json ${layerNames.length}`);
  }

  const store = new MemoryStore();
  const configDesc: Descriptor = { mediaType: MediaType.imageConfig, digest: configFile.digest, size: configFile.size };
  store.addBytes(configDesc, configBytes);

  const layers: Descriptor[] = [];
  for (const [i, name] of layerNames.entries()) {
    const file = member(name);
    checkNamedDigest(name, file, display);
    const compression = compressionOf(file.head);
    // The config's diff_ids are the uncompressed digests: an uncompressed layer must hash
    // to its own, a gzip one after decompression. (zstd cannot be checked without a decoder.)
    const expected = diffIds?.[i];
    if (typeof expected === 'string' && compression !== 'zstd') {
      const actual = compression === 'gzip' ? await gunzipDigest(file.path, `${display}:${name}`) : file.digest;
      if (actual !== expected) {
        throw new UsageError(`${display}: layer ${name} has content digest ${actual}, but the config's rootfs.diff_ids[${i}] is ${expected}`);
      }
    }
    const desc: Descriptor = { mediaType: OciLayerMediaType[compression], digest: file.digest, size: file.size };
    store.addFile(desc, file.path);
    layers.push(desc);
  }

  const manifest: ImageManifest = { schemaVersion: 2, mediaType: MediaType.imageManifest, config: configDesc, layers };
  const manifestBytes = encodeImageManifest(manifest);
  const root = store.addContent(MediaType.imageManifest, manifestBytes);
  const blobs = [configDesc, ...layers];
  const totalSize = blobs.reduce((sum, b) => sum + b.size, manifestBytes.length);
  return {
    source: store,
    store,
    root,
    manifest: manifestBytes,
    blobs,
    totalSize,
    repoTags,
    close: () => extracted.close(),
  };
}

/** The same image name however it is spelled (`alpine` = `docker.io/library/alpine:latest`). */
function canonicalName(name: string): string {
  try {
    return formatReference(parseReference(name, { defaultTag: 'latest' }));
  } catch {
    return name;
  }
}

function pickImage(images: ArchiveImage[], display: string, repoTag: string | undefined): ArchiveImage {
  const tagsOf = (img: ArchiveImage): string[] =>
    Array.isArray(img.RepoTags) ? img.RepoTags.filter((t): t is string => typeof t === 'string') : [];
  const listing = (): string =>
    images.map((img, i) => (tagsOf(img).length > 0 ? tagsOf(img).join(' ') : `image ${i + 1} (untagged)`)).join(', ');
  if (repoTag !== undefined) {
    const wanted = canonicalName(repoTag);
    const found = images.filter((img) => tagsOf(img).some((t) => t === repoTag || canonicalName(t) === wanted));
    if (found.length === 0) throw new UsageError(`${display} has no image tagged "${repoTag}"; it holds: ${listing()}`);
    return found[0]!;
  }
  if (images.length > 1) {
    throw new UsageError(`${display} holds ${images.length} images (${listing()}); choose one with --ref-name`);
  }
  return images[0]!;
}

/** Files named by their digest (`blobs/sha256/<hex>`, legacy `<hex>.json`) must hash to it. */
function checkNamedDigest(name: string, file: ExtractedFile, display: string): void {
  const match = /(?:^|\/)(?:sha256\/)?([a-f0-9]{64})(?:\.json)?$/.exec(name);
  // Legacy layer paths (<id>/layer.tar) carry an image id, not a digest, and do not match.
  if (match === null) return;
  if (match[1] !== digestHex(file.digest)) {
    throw new UsageError(`${display}: ${name} does not hash to its name (it is ${file.digest}); the archive is corrupt`);
  }
}

async function readSmall(file: ExtractedFile, shown: string): Promise<Buffer> {
  if (file.size > JSON_LIMIT) throw new UsageError(`${shown} is larger than ${JSON_LIMIT} bytes; refusing to read it`);
  return readFile(file.path);
}

function parseJson(bytes: Buffer, shown: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new UsageError(`${shown} is not valid JSON: ${(err as Error).message}`);
  }
}

async function gunzipDigest(path: string, shown: string): Promise<Digest> {
  const hash = createHash('sha256');
  try {
    await pipeline(
      createReadStream(path, { highWaterMark: 1 << 20 }),
      createGunzip({ chunkSize: 256 << 10 }),
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          cb();
        },
      }),
    );
  } catch (err) {
    throw new UsageError(`${shown} is not a valid gzip stream: ${(err as Error).message}`);
  }
  return `sha256:${hash.digest('hex')}`;
}
