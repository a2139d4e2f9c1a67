// A store held in process: small blobs as bytes, large files by path (streamed, never loaded).
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { ContentError } from '../errors/index.js';
import { digestBytes } from '../oci/digest.js';
import type { Descriptor, Digest } from '../oci/types.js';
import { fileChunks } from '../oci/file-chunks.js';
import { readAll, type ContentOpener, type Storage, type TransientFetcher } from './store.js';

type Entry = { kind: 'bytes'; bytes: Buffer } | { kind: 'file'; path: string };

export class MemoryStore implements Storage, TransientFetcher {
  readonly #entries = new Map<Digest, Entry>();

  /** Add bytes and return their descriptor (hashed once, here). */
  addContent(mediaType: string, bytes: Buffer): Descriptor {
    const desc: Descriptor = { mediaType, digest: digestBytes(bytes), size: bytes.length };
    this.#entries.set(desc.digest, { kind: 'bytes', bytes });
    return desc;
  }

  /** Add bytes from elsewhere; the descriptor's digest and size must match them. */
  addBytes(desc: Descriptor, bytes: Buffer): void {
    if (bytes.length !== desc.size || digestBytes(bytes) !== desc.digest) {
      throw new ContentError(`content does not match descriptor ${desc.digest}`);
    }
    this.#entries.set(desc.digest, { kind: 'bytes', bytes });
  }

  /** Add a file whose digest the caller computed while reading it. */
  addFile(desc: Descriptor, path: string): void {
    this.#entries.set(desc.digest, { kind: 'file', path });
  }

  async exists(desc: Descriptor): Promise<boolean> {
    return this.#entries.has(desc.digest);
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    const entry = this.#entries.get(desc.digest);
    if (entry === undefined) throw new ContentError(`${desc.digest} is not in the store`);
    return entry.kind === 'bytes'
      ? Readable.from([entry.bytes])
      : createReadStream(entry.path, { highWaterMark: 1 << 20 });
  }

  transientChunks(desc: Descriptor): (() => AsyncIterable<Buffer>) | undefined {
    const entry = this.#entries.get(desc.digest);
    return entry?.kind === 'file' ? () => fileChunks(entry.path) : undefined;
  }

  async push(desc: Descriptor, open: ContentOpener): Promise<void> {
    this.addBytes(desc, await readAll(open(), desc.size));
  }
}
