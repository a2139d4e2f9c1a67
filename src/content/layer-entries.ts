// The entries of one image layer, read from its blob as a stream: decompressed and
// untarred on the fly, nothing written to disk. Entry bodies are skipped unless the
// visitor reads them, so memory stays flat whatever the layer's size.
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { CancelledError, ContentError, LazyOciError } from '../errors/index.js';
import { verifyingStream } from '../oci/digest.js';
import type { Descriptor } from '../oci/types.js';
import { layerTarStream } from './layer-compression.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'other';

export interface LayerEntry {
  /** Relative, `/`-separated, without `./` or a trailing slash; `.` is the root. */
  path: string;
  type: EntryType;
  size: number;
  /** Permission bits with setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** A symlink's target as written, or a hard link's target path (cleaned). */
  linkTarget?: string;
}

/** What the visitor says after each entry: go on to the next, or stop reading this layer. */
export type VisitResult = 'next' | 'stop';

/** A layer has a few thousand entries; far more is junk meant to keep a reader busy. */
export const LAYER_ENTRY_LIMIT = 1_000_000;

const TYPES: Record<string, EntryType> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'dir',
  symlink: 'symlink',
  link: 'hardlink',
  'character-device': 'char',
  'block-device': 'block',
  fifo: 'fifo',
};

/** A tar name as a clean relative path; `..` cannot climb above the root. */
export function cleanEntryPath(name: string): string {
  const cleaned = posix.normalize(`/${name}`).replace(/\/+$/, '');
  return cleaned === '' ? '.' : cleaned.slice(1);
}

function toEntry(header: tar.Header): LayerEntry {
  const type = TYPES[header.type ?? 'file'] ?? 'other';
  const entry: LayerEntry = {
    path: cleanEntryPath(header.name),
    type,
    size: type === 'file' ? (header.size ?? 0) : 0,
    mode: (header.mode ?? 0) & 0o7777,
    uid: header.uid ?? 0,
    gid: header.gid ?? 0,
  };
  if (type === 'symlink' && header.linkname != null) entry.linkTarget = header.linkname;
  if (type === 'hardlink' && header.linkname != null) entry.linkTarget = cleanEntryPath(header.linkname);
  return entry;
}

type EntryStream = AsyncIterable<Buffer> & { header: tar.Header };

export interface ReadLayerOptions {
  /** Check the blob's digest and size (only when the whole layer is read). */
  verify?: boolean;
  /** Names the layer in errors ("layer 2 sha256:…"). */
  what: string;
}

/**
 * Read `blob` (the layer `desc`) entry by entry. `visit` gets each entry and its body
 * (an async iterable it may read, or leave: it is then skipped). Returning 'stop' ends
 * the read at once and destroys the blob stream, so nothing more is downloaded.
 */
export async function readLayerEntries(
  blob: Readable,
  desc: Pick<Descriptor, 'mediaType' | 'digest' | 'size'>,
  visit: (entry: LayerEntry, body: AsyncIterable<Buffer>) => Promise<VisitResult> | VisitResult,
  opts: ReadLayerOptions,
): Promise<void> {
  const what = opts.what;
  let source: Readable = blob;
  if (opts.verify === true) {
    const check = verifyingStream(desc, (got) =>
      new ContentError(
        got.digest === undefined
          ? `${what}: the blob is larger than its descriptor says (${desc.size} bytes)`
          : `${what}: the blob does not match its descriptor: got ${got.digest} (${got.size} bytes)`,
      ),
    );
    blob.on('error', (err) => check.destroy(err));
    check.once('close', () => blob.destroy());
    source = blob.pipe(check);
  }
  const tarStream = layerTarStream(source, desc.mediaType, what);
  const extract = tar.extract();
  let feedError: unknown;
  tarStream.on('error', (err) => {
    feedError ??= err;
    extract.destroy(err);
  });
  extract.on('error', () => tarStream.destroy());
  tarStream.pipe(extract);
  let count = 0;
  let visitorError: { err: unknown } | undefined;
  try {
    for await (const raw of extract) {
      const entry = raw as unknown as EntryStream;
      if (++count > LAYER_ENTRY_LIMIT) throw new ContentError(`${what} holds more than ${LAYER_ENTRY_LIMIT} entries; refusing to read it`);
      let result: VisitResult;
      try {
        result = await visit(toEntry(entry.header), entry);
      } catch (err) {
        // The visitor's own failure (its output went away, say) is passed on as it is.
        visitorError = { err };
        throw err;
      }
      if (result === 'stop') return;
      // Whatever the visitor left unread is skipped (read and dropped).
      for await (const _chunk of entry) {
        // discarded
      }
    }
  } catch (err) {
    if (visitorError !== undefined && err === visitorError.err) throw err;
    throw describeFailure(feedError ?? err, what);
  } finally {
    extract.destroy();
    tarStream.destroy();
    source.destroy();
    blob.destroy();
  }
  if (feedError !== undefined) throw describeFailure(feedError, what);
}

function describeFailure(err: unknown, what: string): unknown {
  if (err instanceof LazyOciError || err instanceof CancelledError) return err;
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return new ContentError(`${what} is not a readable tar layer: ${message}`, { cause: err });
}
