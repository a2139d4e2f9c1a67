// An OCI image layout directory (image-spec layout.md) as a store: blobs under
// blobs/sha256/, tags as index.json entries named by org.opencontainers.image.ref.name.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { ContentError } from '../errors/index.js';
import { digestHex, isDigest, verifyingStream } from '../oci/digest.js';
import { Annotation, MediaType } from '../oci/media-types.js';
import type { Descriptor, ImageIndex } from '../oci/types.js';
import { fileChunks } from '../oci/file-chunks.js';
import type { ContentOpener, Target, TransientFetcher } from './store.js';

export class OciLayoutStore implements Target, TransientFetcher {
  readonly name: string;
  readonly #dir: string;

  constructor(dir: string, name = `oci-layout:${dir}`) {
    this.#dir = dir;
    this.name = name;
  }

  #blobPath(desc: Descriptor): string {
    // The digest names a file, so it must be checked before it becomes a path.
    if (!isDigest(desc.digest)) throw new ContentError(`refusing unsafe digest ${JSON.stringify(desc.digest)}`);
    return join(this.#dir, 'blobs', 'sha256', digestHex(desc.digest));
  }

  async exists(desc: Descriptor): Promise<boolean> {
    try {
      return (await stat(this.#blobPath(desc))).size === desc.size;
    } catch {
      return false;
    }
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    return createReadStream(this.#blobPath(desc), { highWaterMark: 1 << 20 });
  }

  transientChunks(desc: Descriptor): () => AsyncIterable<Buffer> {
    const path = this.#blobPath(desc);
    return () => fileChunks(path);
  }

  async push(desc: Descriptor, open: ContentOpener): Promise<void> {
    const final = this.#blobPath(desc);
    await mkdir(join(this.#dir, 'blobs', 'sha256'), { recursive: true });
    await this.#ensureLayoutFile();
    const temp = `${final}.${process.pid}.partial`;
    const verify = verifyingStream(desc, (got) =>
      new ContentError(
        got.digest === undefined
          ? `content for ${desc.digest} is larger than its ${desc.size} bytes`
          : `content for ${desc.digest} has digest ${got.digest} and size ${got.size}, expected size ${desc.size}`,
      ),
    );
    try {
      await pipeline(open(), verify, createWriteStream(temp));
      await rename(temp, final);
    } finally {
      await rm(temp, { force: true });
    }
  }

  async pushReference(desc: Descriptor, manifest: Buffer, reference: string): Promise<void> {
    if (!(await this.exists(desc))) await this.push(desc, () => Readable.from([manifest]));
    const index = await this.#readIndex();
    const kept = index.manifests.filter((m) => m.annotations?.[Annotation.refName] !== reference);
    kept.push({ mediaType: desc.mediaType, digest: desc.digest, size: desc.size, annotations: { [Annotation.refName]: reference } });
    index.manifests = kept;
    // Write beside and rename, so a crash never leaves a half-written index.json.
    const file = join(this.#dir, 'index.json');
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(index));
    await rename(temp, file);
  }

  async #ensureLayoutFile(): Promise<void> {
    await writeFile(join(this.#dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  }

  async #readIndex(): Promise<ImageIndex> {
    try {
      const index = JSON.parse(await readFile(join(this.#dir, 'index.json'), 'utf8')) as ImageIndex;
      if (!Array.isArray(index.manifests)) throw new Error('no manifests array');
      return index;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return { schemaVersion: 2, mediaType: MediaType.imageIndex, manifests: [] };
      }
      throw new ContentError(`${join(this.#dir, 'index.json')} is not a valid OCI index: ${(err as Error).message}`);
    }
  }
}
