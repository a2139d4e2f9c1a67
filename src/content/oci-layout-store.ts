// An OCI image layout directory (image-spec layout.md) as a store: blobs under
// blobs/sha256/, tags as index.json entries named by org.opencontainers.image.ref.name.
// A layout may be hostile or damaged (issue 11): its own files are never followed
// through links, blobs already there are hashed before they count as present, blobs are
// written beside and renamed in place, and index.json updates are locked.
import { mkdir, open, readdir, rename, rm, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { ContentError, LazyOciError } from '../errors/index.js';
import { digestHex, isDigest } from '../oci/digest.js';
import { Annotation, MediaType } from '../oci/media-types.js';
import type { Descriptor, ImageIndex } from '../oci/types.js';
import { fileChunks } from '../oci/file-chunks.js';
import { checkLayoutDir, parseLayoutIndex } from './layout-check.js';
import {
  READ_NO_FOLLOW,
  createExclusive,
  ensureLayoutDir,
  fsError,
  hashNoFollow,
  isErrno,
  lstatIfExists,
  processAlive,
  readNoFollow,
  symlinkRefused,
} from './layout-files.js';
import { withLock } from './layout-lock.js';
import type { ContentOpener, Target, TransientFetcher } from './store.js';
import { verifiedFileSink } from './verified-file-sink.js';

/**
 * The full reference an index.json entry came from. containerd's name for it, which
 * `ctr image import` reads as the image name; it lets a later pull say where a tag it
 * moves used to point.
 */
export const SOURCE_ANNOTATION = 'io.containerd.image.name';

/** A tag that pointed at other content before this write. */
export interface TagMove {
  layout: string;
  tag: string;
  digest: string;
  previous: string;
  /** The reference the previous entry came from, when it was recorded. */
  previousSource?: string;
}

export interface OciLayoutStoreOptions {
  /** How the layout names itself in events and messages (default `oci-layout:DIR`). */
  name?: string;
  /** The layout must resolve inside this directory, symlinks included (a build target's project). */
  within?: string;
  /** The reference the content comes from, recorded on the index.json entries written. */
  source?: string;
  onTagMoved?: (move: TagMove) => void;
}

/** Temporary files this store writes: `<name>.<pid>.<random>.(partial|tmp)`. */
const TEMP_FILE = /^(?:[a-f0-9]{64}|index\.json)\.(\d+)(?:\.[a-f0-9]+)?\.(?:partial|tmp)$/;

export class OciLayoutStore implements Target, TransientFetcher {
  readonly name: string;
  /** Anyone can edit a layout: a manifest in it says nothing about the blobs below it. */
  readonly graphsMayBeIncomplete = true;
  readonly #dir: string;
  readonly #shown: string;
  readonly #opts: OciLayoutStoreOptions;
  #ready: Promise<void> | undefined;

  constructor(dir: string, options: OciLayoutStoreOptions = {}) {
    this.#dir = dir;
    this.name = options.name ?? `oci-layout:${dir}`;
    this.#shown = options.name ?? dir;
    this.#opts = options;
  }

  /**
   * Check the directory before anything is written (layout-check.ts) and remove temporary
   * files left by writers that died; runs once, creates nothing. Every store operation
   * that writes or trusts the layout waits for it.
   */
  checkDestination(): Promise<void> {
    this.#ready ??= this.#prepare();
    return this.#ready;
  }

  async #prepare(): Promise<void> {
    const state = await checkLayoutDir(this.#dir, this.#shown, this.#opts.within === undefined ? {} : { within: this.#opts.within });
    if (!state.exists) return; // created by the first write
    await this.#removeDeadWritersFiles(this.#dir);
    await this.#removeDeadWritersFiles(join(this.#dir, 'blobs', 'sha256'));
  }

  /** A writer killed mid-blob (kill -9, a crash) leaves its temporary file; the next writer clears it. */
  async #removeDeadWritersFiles(dir: string): Promise<void> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const m = TEMP_FILE.exec(name);
      if (m === null || processAlive(Number(m[1]))) continue;
      await unlink(join(dir, name)).catch(() => undefined);
    }
  }

  #blobPath(desc: Descriptor): string {
    // The digest names a file, so it must be checked before it becomes a path.
    if (!isDigest(desc.digest)) throw new ContentError(`refusing unsafe digest ${JSON.stringify(desc.digest)}`);
    return join(this.#dir, 'blobs', 'sha256', digestHex(desc.digest));
  }

  #blobShown(desc: Descriptor): string {
    return `${this.#shown}/blobs/sha256/${digestHex(desc.digest)}`;
  }

  /** Present means the right bytes: a file of the right size is hashed, and a corrupted one is written again. */
  async exists(desc: Descriptor): Promise<boolean> {
    await this.checkDestination();
    const path = this.#blobPath(desc);
    const stats = await lstatIfExists(path);
    if (stats === undefined) return false;
    if (stats.isSymbolicLink()) throw symlinkRefused(this.#blobShown(desc));
    if (!stats.isFile()) throw new ContentError(`${this.#blobShown(desc)} is not a regular file`);
    if (stats.size !== desc.size) return false;
    return (await hashNoFollow(path, this.#blobShown(desc))).digest === desc.digest;
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    try {
      const handle = await open(this.#blobPath(desc), READ_NO_FOLLOW);
      return handle.createReadStream({ highWaterMark: 1 << 20 });
    } catch (err) {
      if (isErrno(err, 'ELOOP')) throw symlinkRefused(this.#blobShown(desc));
      throw fsError('read', this.#blobShown(desc), err);
    }
  }

  transientChunks(desc: Descriptor): () => AsyncIterable<Buffer> {
    const path = this.#blobPath(desc);
    return () => fileChunks(path);
  }

  async push(desc: Descriptor, open: ContentOpener): Promise<void> {
    const final = this.#blobPath(desc);
    await this.checkDestination();
    try {
      await mkdir(this.#dir, { recursive: true });
    } catch (err) {
      throw fsError('create', this.#dir, err);
    }
    await ensureLayoutDir(join(this.#dir, 'blobs'), `${this.#shown}/blobs`);
    await ensureLayoutDir(join(this.#dir, 'blobs', 'sha256'), `${this.#shown}/blobs/sha256`);
    await this.#ensureLayoutFile();
    const temp = tempName(final, 'partial');
    const handle = await createExclusive(temp);
    const sink = verifiedFileSink(handle.fd, desc, (got) =>
      new ContentError(
        got.digest === undefined
          ? `content for ${desc.digest} is larger than its ${desc.size} bytes`
          : `content for ${desc.digest} has digest ${got.digest} and size ${got.size}, expected size ${desc.size}`,
      ),
    );
    try {
      await pipeline(open(), sink);
      // rename replaces whatever has the name (a corrupted blob) and never follows a link.
      await rename(temp, final);
    } catch (err) {
      await rm(temp, { force: true });
      throw blobWriteError(err, desc, this.#blobShown(desc));
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  async pushReference(desc: Descriptor, manifest: Buffer, reference: string): Promise<void> {
    if (!(await this.exists(desc))) await this.push(desc, () => Readable.from([manifest]));
    const moved = await withLock(join(this.#dir, 'index.json.lock'), async () => {
      const index = await this.#readIndex();
      const previous = index.manifests.find((m) => m.annotations?.[Annotation.refName] === reference);
      const kept = index.manifests.filter((m) => m !== previous && m.annotations?.[Annotation.refName] !== reference);
      const source = this.#opts.source;
      kept.push({
        mediaType: desc.mediaType,
        digest: desc.digest,
        size: desc.size,
        annotations: { [Annotation.refName]: reference, ...(source === undefined ? {} : { [SOURCE_ANNOTATION]: source }) },
      });
      index.manifests = kept;
      await this.#writeIndex(index);
      return previous;
    });
    if (moved !== undefined && moved.digest !== desc.digest) {
      const previousSource = moved.annotations?.[SOURCE_ANNOTATION];
      this.#opts.onTagMoved?.({
        layout: this.#shown,
        tag: reference,
        digest: desc.digest,
        previous: moved.digest,
        ...(previousSource === undefined ? {} : { previousSource }),
      });
    }
  }

  async #ensureLayoutFile(): Promise<void> {
    const file = join(this.#dir, 'oci-layout');
    const stats = await lstatIfExists(file);
    if (stats?.isSymbolicLink() === true) throw symlinkRefused(`${this.#shown}/oci-layout`);
    if (stats !== undefined) return; // checked before the first write
    await this.#writeBeside(file, JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  }

  async #readIndex(): Promise<ImageIndex> {
    const file = join(this.#dir, 'index.json');
    const shown = `${this.#shown}/index.json`;
    try {
      return parseLayoutIndex(await readNoFollow(file, shown), shown);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return { schemaVersion: 2, mediaType: MediaType.imageIndex, manifests: [] };
      throw err instanceof LazyOciError ? err : fsError('read', file, err);
    }
  }

  /** Write beside and rename, so a crash never leaves a half-written index.json. */
  async #writeIndex(index: ImageIndex): Promise<void> {
    await this.#writeBeside(join(this.#dir, 'index.json'), JSON.stringify(index));
  }

  async #writeBeside(file: string, text: string): Promise<void> {
    const temp = tempName(file, 'tmp');
    const handle = await createExclusive(temp);
    try {
      await handle.writeFile(text);
      await handle.close();
      await rename(temp, file);
    } catch (err) {
      await handle.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw fsError('write', file, err);
    }
  }
}

function tempName(final: string, kind: 'partial' | 'tmp'): string {
  return `${final}.${process.pid}.${randomBytes(4).toString('hex')}.${kind}`;
}

/** What broke a blob write, as one line: the content (ours), the disk, or the source's stream. */
function blobWriteError(err: unknown, desc: Descriptor, shown: string): LazyOciError {
  if (err instanceof LazyOciError) return err;
  if ((err as NodeJS.ErrnoException).syscall !== undefined) return fsError('write', shown, err);
  return new ContentError(`cannot read ${desc.digest} from its source: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
