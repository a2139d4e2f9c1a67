// Reads an OCI image layout — a directory, or a tar of one (gzip allowed) — as a copy
// source, picking the manifest its index.json names by org.opencontainers.image.ref.name.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { UsageError } from '../errors/index.js';
import { digestHex, isDigest } from '../oci/digest.js';
import { Annotation, isManifestMediaType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/types.js';
import type { ArchiveContent } from './archive-content.js';
import type { Fetcher } from './store.js';
import { openOciLayoutTar } from './oci-layout-tar.js';
import { verifiedFileStream } from './tar-archive.js';

export interface OpenOciLayoutOptions {
  /** Which manifest to take: its ref.name (or containerd image name) in index.json. */
  refName?: string;
  /** How the layout is named in messages; the path when absent. */
  display?: string;
  /** Stops unpacking a tar early. */
  signal?: AbortSignal;
}

export interface OciLayoutContent extends ArchiveContent {
  /** The chosen manifest's name in the layout, when it has one. */
  refName: string | undefined;
}

/** index.json and manifests are small JSON; anything larger is not one. */
const INDEX_LIMIT = 16 << 20;
/** Docker's own layout export names images with this annotation as well as ref.name. */
const CONTAINERD_IMAGE_NAME = 'io.containerd.image.name';

export async function openOciLayout(path: string, opts: OpenOciLayoutOptions = {}): Promise<OciLayoutContent> {
  const display = opts.display ?? path;
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    throw new UsageError(`${display}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  if (isDir) {
    const layoutFile = await readSmall(join(path, 'oci-layout'), `${display}/oci-layout`);
    checkLayoutFile(layoutFile, display);
    const indexBytes = await readSmall(join(path, 'index.json'), `${display}/index.json`);
    const picked = pickManifest(indexBytes, display, opts.refName);
    return { source: new LayoutDirFetcher(path, display), root: picked.root, refName: picked.refName, close: async () => {} };
  }

  // Only what the chosen manifest references is extracted (oci-layout-tar.ts).
  return openOciLayoutTar(path, {
    display,
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    chooseRoot: (layoutFile, indexJson) => {
      checkLayoutFile(layoutFile, display);
      return pickManifest(indexJson, display, opts.refName);
    },
  });
}

function checkLayoutFile(bytes: Buffer, display: string): void {
  let version: unknown;
  try {
    version = (JSON.parse(bytes.toString('utf8')) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
  } catch {
    version = undefined;
  }
  if (typeof version !== 'string') {
    throw new UsageError(`${display}: oci-layout is not a valid layout marker (expected {"imageLayoutVersion": "1.0.0"})`);
  }
}

async function readSmall(path: string, shown: string): Promise<Buffer> {
  try {
    const info = await stat(path);
    if (info.size > INDEX_LIMIT) throw new UsageError(`${shown} is larger than ${INDEX_LIMIT} bytes; refusing to read it`);
    return await readFile(path);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${shown} not found: not an OCI image layout` : `cannot read ${shown}: ${(err as Error).message}`);
  }
}

/** The names an index.json entry answers to. */
function entryNames(desc: Descriptor): string[] {
  const names: string[] = [];
  const refName = desc.annotations?.[Annotation.refName];
  if (refName !== undefined) names.push(refName);
  const imageName = desc.annotations?.[CONTAINERD_IMAGE_NAME];
  if (imageName !== undefined) names.push(imageName);
  return names;
}

/** Choose the root from index.json: by name when asked, else the only manifest it lists. */
export function pickManifest(indexBytes: Buffer, display: string, refName?: string): { root: Descriptor; refName: string | undefined } {
  let manifests: Descriptor[];
  try {
    const index = JSON.parse(indexBytes.toString('utf8')) as { manifests?: unknown };
    if (!Array.isArray(index.manifests)) throw new Error('no manifests list');
    manifests = index.manifests as Descriptor[];
  } catch (err) {
    throw new UsageError(`${display}: index.json is not a valid OCI index (${(err as Error).message})`);
  }
  const valid = manifests.filter(
    (m) => typeof m === 'object' && m !== null && typeof m.digest === 'string' && isDigest(m.digest) && typeof m.size === 'number',
  );
  if (valid.length === 0) throw new UsageError(`${display}: index.json lists no manifests`);

  const allNames = [...new Set(valid.flatMap(entryNames))];
  let chosen: Descriptor[];
  if (refName !== undefined) {
    chosen = valid.filter((m) => entryNames(m).includes(refName));
    if (chosen.length === 0) {
      throw new UsageError(
        `${display} has no manifest named "${refName}"; names in it: ${allNames.length > 0 ? allNames.join(', ') : '(none)'}`,
      );
    }
  } else {
    chosen = valid;
  }
  const digests = new Set(chosen.map((m) => m.digest));
  if (digests.size > 1) {
    throw new UsageError(
      refName === undefined
        ? `${display} holds ${digests.size} manifests (${allNames.length > 0 ? allNames.join(', ') : 'unnamed'}); choose one with --ref-name`
        : `${display} has ${digests.size} different manifests named "${refName}"`,
    );
  }
  const first = chosen[0]!;
  if (typeof first.mediaType !== 'string' || !isManifestMediaType(first.mediaType)) {
    throw new UsageError(`${display}: index.json entry ${first.digest} has media type ${JSON.stringify(first.mediaType)}, not a manifest or index`);
  }
  const name = first.annotations?.[Annotation.refName] ?? first.annotations?.[CONTAINERD_IMAGE_NAME];
  return { root: { mediaType: first.mediaType, digest: first.digest, size: first.size }, refName: name };
}

/** Blobs of a layout directory, verified while they stream. */
class LayoutDirFetcher implements Fetcher {
  readonly #dir: string;
  readonly #display: string;

  constructor(dir: string, display: string) {
    this.#dir = dir;
    this.#display = display;
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    // The digest comes from a file the user handed us; check it before it names a path.
    if (!isDigest(desc.digest)) throw new UsageError(`${this.#display}: refusing unsupported digest ${JSON.stringify(desc.digest)}`);
    const path = join(this.#dir, 'blobs', 'sha256', digestHex(desc.digest));
    try {
      await stat(path);
    } catch {
      throw new UsageError(`${this.#display} is missing blob ${desc.digest}`);
    }
    return verifiedFileStream(path, desc.digest, desc.size, `${this.#display} blob ${desc.digest}`);
  }
}
