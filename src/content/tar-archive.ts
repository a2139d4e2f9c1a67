// Streaming access to (optionally gzip-compressed) tar archives on disk: header scans and a
// safe extraction that never turns an entry name into a path, so nothing lands outside.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import { join, posix } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { CancelledError, UsageError } from '../errors/index.js';
import { verifyingStream } from '../oci/digest.js';
import type { Digest } from '../oci/types.js';

export type Compression = 'gzip' | 'zstd' | 'none';

/** What the first bytes of a file say about its compression. */
export function compressionOf(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

export async function readHead(file: string, length = 4): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buf, 0, length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * An entry name as a clean relative POSIX path (`./a//b/` → `a/b`); `''` for the root.
 * Absolute names and `..` components are refused outright rather than rewritten: an
 * archive that carries them was not made by a tool we read, or was made to escape.
 */
export function safeEntryName(raw: string, archive: string): string {
  if (raw.includes('\0')) throw unsafe(archive, raw, 'contains a NUL byte');
  if (raw.startsWith('/') || /^[A-Za-z]:[\\/]/.test(raw) || raw.startsWith('\\')) {
    throw unsafe(archive, raw, 'is an absolute path');
  }
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw unsafe(archive, raw, 'climbs out of the archive with ".."');
  return parts.join('/');
}

/** Where a link entry points, as an archive name; refused when it would leave the archive. */
export function linkTargetName(name: string, linkname: string, hard: boolean, archive: string): string {
  if (linkname.startsWith('/')) throw unsafe(archive, name, `links to the absolute path ${JSON.stringify(linkname)}`);
  // A symlink is relative to its own directory; a hard link names another archive entry.
  const joined = posix.normalize(hard ? linkname : posix.join(posix.dirname(name), linkname));
  if (joined === '..' || joined.startsWith('../')) {
    throw unsafe(archive, name, `links outside the archive (to ${JSON.stringify(linkname)})`);
  }
  return safeEntryName(joined, archive);
}

function unsafe(archive: string, entry: string, why: string): UsageError {
  return new UsageError(`${archive}: refusing unsafe tar entry ${JSON.stringify(entry)}: it ${why}`);
}

export interface TarHeaderInfo {
  /** Cleaned by safeEntryName. */
  name: string;
  type: string;
  size: number;
}

/**
 * Visit every entry header in archive order, draining data. The visitor returns true to
 * stop early. Unsafe names and links are refused here too.
 */
export async function scanTar(
  file: string,
  visit: (entry: TarHeaderInfo) => boolean | void,
  display = file,
): Promise<void> {
  await walkTar(file, display, async (entry, name) => {
    const type = entry.header.type ?? 'file';
    if (type === 'symlink' || type === 'link') linkTargetName(name, entry.header.linkname ?? '', type === 'link', display);
    const stop = visit({ name, type, size: entry.header.size ?? 0 }) === true;
    await drain(entry);
    return stop;
  });
}

/**
 * The bytes of the small regular files `want` picks, in one streamed pass; a picked file
 * above `limit` bytes is refused rather than buffered.
 */
export async function readTarMembers(
  file: string,
  want: (name: string) => boolean,
  limit: number,
  display = file,
): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  await walkTar(file, display, async (entry, name) => {
    const type = entry.header.type ?? 'file';
    if ((type === 'file' || type === 'contiguous-file') && want(name)) {
      if ((entry.header.size ?? 0) > limit) {
        throw new UsageError(`${display}: ${name} is larger than ${limit} bytes; refusing to read it`);
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      found.set(name, Buffer.concat(chunks));
      return false;
    }
    if (type === 'symlink' || type === 'link') linkTargetName(name, entry.header.linkname ?? '', type === 'link', display);
    await drain(entry);
    return false;
  });
  return found;
}

/** One entry as a listing pass saw it. */
export interface TarEntryInfo {
  /** Cleaned by safeEntryName. */
  name: string;
  type: string;
  size: number;
  /** Position in the archive, 0-based. When a name occurs twice, the later entry counts. */
  index: number;
  /** Where the entry's data starts, in the (uncompressed) tar stream. */
  offset: number;
  /** For symlinks and hard links: the archive name they point at. */
  target?: string;
}

const isRegular = (type: string): boolean => type === 'file' || type === 'contiguous-file';

/** The entries of an archive by name (the last of each name), with links followed on lookup. */
export class TarListing {
  readonly #entries = new Map<string, TarEntryInfo>();

  /** @internal used while listing */
  add(entry: TarEntryInfo): void {
    this.#entries.set(entry.name, entry);
  }

  get(name: string): TarEntryInfo | undefined {
    return this.#entries.get(name);
  }

  /** The regular file `name` stands for, following links inside the archive; undefined when there is none. */
  resolve(name: string): TarEntryInfo | undefined {
    let current = name;
    for (let hops = 0; hops < 32; hops++) {
      const entry = this.#entries.get(current);
      if (entry === undefined) return undefined;
      if (entry.target === undefined) return isRegular(entry.type) ? entry : undefined;
      current = entry.target;
    }
    return undefined;
  }
}

export interface ListTarOptions {
  /** Which regular files to read into memory, decided from the header alone (the caller caps sizes). */
  keep?: (entry: TarEntryInfo) => boolean;
  display?: string;
  signal?: AbortSignal;
  /** TAR_ENTRY_LIMIT unless lower (tests). */
  maxEntries?: number;
}

/**
 * One pass that lists every entry and reads the few small files `keep` picks; nothing is
 * written to disk. Readers use it to learn what an archive's manifests reference before
 * extracting only that.
 */
export async function listTar(file: string, opts: ListTarOptions = {}): Promise<{ listing: TarListing; kept: Map<string, Buffer> }> {
  const display = opts.display ?? file;
  const listing = new TarListing();
  const kept = new Map<string, Buffer>();
  await walkTar(
    file,
    display,
    async (entry, name, index) => {
      if (opts.signal?.aborted === true) throw new CancelledError('cancelled');
      const type = entry.header.type ?? 'file';
      const info: TarEntryInfo = { name, type, size: entry.header.size ?? 0, index, offset: dataOffset(entry.header) };
      if (type === 'symlink' || type === 'link') info.target = linkTargetName(name, entry.header.linkname ?? '', type === 'link', display);
      listing.add(info);
      kept.delete(name);
      if (isRegular(type) && name !== '' && opts.keep?.(info) === true) {
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk);
        kept.set(name, Buffer.concat(chunks));
        return false;
      }
      await drain(entry);
      return false;
    },
    opts.maxEntries,
  );
  return { listing, kept };
}

/** One regular file taken out of an archive, with what was learned while writing it. */
export interface ExtractedFile {
  path: string;
  digest: Digest;
  size: number;
  /** The first bytes, for compression sniffing. */
  head: Buffer;
}

export interface ExtractTarOptions {
  /** Which regular files to keep (by clean name and position); everything else is only checked. */
  want: (name: string, entry: { index: number; size: number }) => boolean;
  /** Stop reading once this many files were kept (the caller knows what it is waiting for). */
  stopAfter?: number;
  /** TAR_ENTRY_LIMIT unless lower (tests). */
  maxEntries?: number;
  /** Stop the whole extraction above this many bytes written (a decompression bomb guard). */
  maxTotalBytes?: number;
  /** How the archive is named in messages; the path when absent. */
  display?: string;
  /** Stops a long extraction early (Ctrl-C); the temp dir is removed. */
  signal?: AbortSignal;
}

/** Files extracted into a private temp dir under numbered names; links resolved on lookup. */
export class ExtractedTar {
  readonly dir: string;
  readonly #files = new Map<string, ExtractedFile>();
  readonly #links = new Map<string, string>();

  constructor(dir: string) {
    this.dir = dir;
  }

  /** @internal used while extracting */
  addFile(name: string, file: ExtractedFile): void {
    this.#links.delete(name);
    this.#files.set(name, file);
  }

  /** @internal used while extracting */
  addLink(name: string, target: string): void {
    this.#files.delete(name);
    this.#links.set(name, target);
  }

  /** A kept file by archive name, following links inside the archive. */
  get(name: string): ExtractedFile | undefined {
    let current = name;
    for (let hops = 0; hops < 32; hops++) {
      const file = this.#files.get(current);
      if (file !== undefined) return file;
      const next = this.#links.get(current);
      if (next === undefined) return undefined;
      current = next;
    }
    return undefined;
  }

  names(): string[] {
    return [...this.#files.keys(), ...this.#links.keys()];
  }

  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

const DEFAULT_MAX_TOTAL = Number.MAX_SAFE_INTEGER;

/**
 * Extract the wanted regular files of a tar (gzip sniffed) into a fresh temp dir, hashing
 * each as it streams by. Memory stays flat whatever the entry sizes.
 */
export async function extractTar(file: string, opts: ExtractTarOptions): Promise<ExtractedTar> {
  const dir = await mkdtemp(join(os.tmpdir(), 'lazyoci-archive-'));
  const out = new ExtractedTar(dir);
  const limit = opts.maxTotalBytes ?? DEFAULT_MAX_TOTAL;
  const display = opts.display ?? file;
  let counter = 0;
  let total = 0;
  try {
    await walkTar(file, display, async (entry, name, index) => {
      if (opts.signal?.aborted === true) throw new CancelledError('cancelled');
      const type = entry.header.type ?? 'file';
      if (type === 'symlink' || type === 'link') {
        out.addLink(name, linkTargetName(name, entry.header.linkname ?? '', type === 'link', display));
      } else if (isRegular(type) && name !== '' && opts.want(name, { index, size: entry.header.size ?? 0 })) {
        const path = join(dir, String(counter++));
        const hash = createHash('sha256');
        let size = 0;
        let head = Buffer.alloc(0);
        const meter = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            hash.update(chunk);
            size += chunk.length;
            total += chunk.length;
            if (head.length < 4) head = Buffer.concat([head, chunk.subarray(0, 4 - head.length)]);
            if (opts.signal?.aborted === true) {
              cb(new CancelledError('cancelled'));
              return;
            }
            if (total > limit) {
              cb(new UsageError(`${display}: the archive holds more than ${limit} bytes of content; refusing to extract it`));
              return;
            }
            cb(null, chunk);
          },
        });
        await pipeline(entry, meter, createWriteStream(path, { flags: 'wx' }));
        out.addFile(name, { path, digest: `sha256:${hash.digest('hex')}`, size, head });
        return counter === opts.stopAfter;
      }
      await drain(entry);
      return false;
    }, opts.maxEntries);
    return out;
  } catch (err) {
    await out.close();
    throw err;
  }
}

/** tar-stream records where each entry's data begins, after its header (and any pax/GNU long-name records). */
function dataOffset(header: tar.Header): number {
  return (header as tar.Header & { byteOffset?: number }).byteOffset ?? -1;
}

/** A tar-stream entry: a streamx readable, consumed here only as an async iterable. */
type EntryStream = AsyncIterable<Buffer> & { header: tar.Header };

/**
 * At most this many entries are read from an archive. An image archive has a few per
 * layer; far more is junk meant to keep a reader busy, refused before it costs much.
 */
export const TAR_ENTRY_LIMIT = 100_000;

/**
 * Drive tar-stream over a file; the handler gets each entry with its clean name and its
 * position in the archive (0-based), and returns true to stop early.
 */
async function walkTar(
  file: string,
  display: string,
  handle: (entry: EntryStream, name: string, index: number) => Promise<boolean>,
  maxEntries = TAR_ENTRY_LIMIT,
): Promise<void> {
  const compression = compressionOf(await readHead(file));
  if (compression === 'zstd') throw new UsageError(`${display}: zstd-compressed archives are not supported; decompress it first`);
  const extract = tar.extract();
  const source = createReadStream(file, { highWaterMark: 1 << 20 });
  // zlib's default 16 KiB output chunks make a large archive cost three times the CPU.
  const feeding = (
    compression === 'gzip' ? pipeline(source, createGunzip({ chunkSize: 256 << 10 }), extract) : pipeline(source, extract)
  ).catch(
    (err: unknown) => err,
  );
  let stopped = false;
  let index = 0;
  try {
    for await (const raw of extract) {
      const entry = raw as unknown as EntryStream;
      if (index >= maxEntries) throw new UsageError(`${display} holds more than ${maxEntries} entries; refusing to read it`);
      // pax/GNU long-name records are folded into the next header by tar-stream.
      const name = safeEntryName(entry.header.name, display);
      if (await handle(entry, name, index++)) {
        stopped = true;
        break;
      }
    }
  } catch (err) {
    extract.destroy();
    source.destroy();
    await feeding;
    if (err instanceof UsageError || err instanceof CancelledError) throw err;
    throw new UsageError(`${display} is not a readable tar archive: ${describe(err)}`, { cause: err });
  }
  if (stopped) {
    extract.destroy();
    source.destroy();
    await feeding;
    return;
  }
  const failure = await feeding;
  if (failure !== undefined) {
    throw new UsageError(`${display} is not a readable tar archive: ${describe(failure)}`, { cause: failure });
  }
}

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] ?? message;
}

async function drain(entry: EntryStream): Promise<void> {
  for await (const _chunk of entry) {
    // discarded: only the next header matters
  }
}

/**
 * Stream a file, failing when its digest or size is not the expected one; from byte
 * `start` on, `size` bytes, for one entry of an uncompressed tar read in place.
 */
export function verifiedFileStream(path: string, digest: Digest, size: number, what: string, start?: number): Readable {
  const check = verifyingStream({ digest, size }, (got) =>
    new UsageError(
      got.digest === undefined
        ? `${what} is larger than its descriptor says (${size} bytes)`
        : `${what} does not match its descriptor: got ${got.digest} (${got.size} bytes), want ${digest} (${size} bytes)`,
    ),
  );
  // An empty entry has no byte range to read (end is inclusive).
  if (start !== undefined && size === 0) return Readable.from([]).pipe(check);
  const range = start === undefined ? {} : { start, end: start + size - 1 };
  const source = createReadStream(path, { highWaterMark: 1 << 20, ...range });
  source.on('error', (err) => check.destroy(err));
  return source.pipe(check);
}
