// Reads an OCI image layout tar without unpacking what the chosen manifest does not
// reference: one pass lists the entries and reads index.json and small blobs into memory,
// the graph under the root is resolved from those, and a last pass extracts only the
// referenced blobs that were too large to keep, each checked against its descriptor.
import type { Readable } from 'node:stream';
import { UsageError } from '../errors/index.js';
import { digestBytes, digestHex, isDigest } from '../oci/digest.js';
import { isIndexMediaType, isManifestMediaType } from '../oci/media-types.js';
import type { Descriptor, ImageIndex, ImageManifest } from '../oci/types.js';
import { parseManifestDocument } from '../oci/validate-manifest.js';
import type { ArchiveContent } from './archive-content.js';
import { MemoryStore } from './memory-store.js';
import type { Fetcher, TransientFetcher } from './store.js';
import { extractTar, listTar, readTarMembers, type ExtractedTar, type TarEntryInfo, type TarListing } from './tar-archive.js';

export interface OpenOciLayoutTarOptions {
  /** How the archive is named in messages; the path when absent. */
  display?: string;
  signal?: AbortSignal;
  /** Checks the oci-layout marker and chooses the root from index.json (oci-layout-reader.ts). */
  chooseRoot: (layoutFile: Buffer, indexJson: Buffer) => { root: Descriptor; refName: string | undefined };
}

export interface OciLayoutTarContent extends ArchiveContent {
  refName: string | undefined;
}

/** index.json and oci-layout are small JSON; anything larger is not one. */
const INDEX_LIMIT = 16 << 20;
/** A manifest above this is refused, as the copy engine does (copy-graph.ts MANIFEST_LIMIT). */
const MANIFEST_LIMIT = 4 << 20;
/** Small blobs (manifests, configs, tiny layers) read in the listing pass, all together at most this. */
const SMALL_BLOBS_BUDGET = 32 << 20;
const BLOB_NAME = /^blobs\/sha256\/[a-f0-9]{64}$/;

export async function openOciLayoutTar(path: string, opts: OpenOciLayoutTarOptions): Promise<OciLayoutTarContent> {
  const display = opts.display ?? path;
  const signal = opts.signal === undefined ? {} : { signal: opts.signal };
  let budget = SMALL_BLOBS_BUDGET;
  const { listing, kept } = await listTar(path, {
    display,
    ...signal,
    keep: (entry) => {
      if (entry.name === 'oci-layout' || entry.name === 'index.json') return entry.size <= INDEX_LIMIT;
      if (!BLOB_NAME.test(entry.name) || entry.size > MANIFEST_LIMIT || entry.size > budget) return false;
      budget -= entry.size;
      return true;
    },
  });

  const layoutEntry = listing.resolve('oci-layout');
  if (layoutEntry === undefined) throw new UsageError(`${display} is not an OCI image layout archive: it has no oci-layout file`);
  const indexEntry = listing.resolve('index.json');
  if (indexEntry === undefined) throw new UsageError(`${display} is not an OCI image layout archive: it has no index.json`);
  const small = await readMissing(path, display, kept, [layoutEntry, indexEntry], INDEX_LIMIT);
  const picked = opts.chooseRoot(small.get(layoutEntry.name)!, small.get(indexEntry.name)!);

  const store = new MemoryStore();
  const large = new Map<number, Descriptor[]>();
  const keepContent = (desc: Descriptor, entry: TarEntryInfo, bytes: Buffer): void => {
    const actual = digestBytes(bytes);
    if (actual !== desc.digest) throw corrupt(display, entry.name, actual);
    if (bytes.length !== desc.size) throw wrongSize(display, desc, bytes.length);
    store.addBytes(desc, bytes);
  };

  // Manifests level by level: each level's missing bytes cost one more pass (none usually).
  let level: Descriptor[] = [picked.root];
  const seen = new Set<string>([picked.root.digest]);
  while (level.length > 0) {
    const entries = level.map((desc) => blobEntry(listing, desc, display, true)!);
    const bytesOf = await readMissing(path, display, kept, entries, MANIFEST_LIMIT);
    const next: Descriptor[] = [];
    for (const [i, desc] of level.entries()) {
      const bytes = bytesOf.get(entries[i]!.name)!;
      keepContent(desc, entries[i]!, bytes);
      for (const child of childrenOf(desc, bytes)) {
        if (seen.has(child.digest)) continue;
        seen.add(child.digest);
        if (isManifestMediaType(child.mediaType)) {
          next.push(child);
          continue;
        }
        // A blob the archive lacks fails when (if) the copy needs it, as a registry would.
        const entry = blobEntry(listing, child, display, false);
        if (entry === undefined) continue;
        const bytes = kept.get(entry.name);
        if (bytes !== undefined) keepContent(child, entry, bytes);
        else if (entry.size !== child.size) throw wrongSize(display, child, entry.size);
        else large.set(entry.index, [...(large.get(entry.index) ?? []), child]);
      }
    }
    level = next;
  }
  kept.clear();

  let extracted: ExtractedTar | undefined;
  if (large.size > 0) {
    const expected = [...large.values()].reduce((sum, descs) => sum + descs[0]!.size, 0);
    extracted = await extractTar(path, {
      want: (_name, entry) => large.has(entry.index),
      stopAfter: large.size,
      maxTotalBytes: expected,
      display,
      ...signal,
    });
    try {
      for (const descs of large.values()) {
        for (const desc of descs) {
          const name = `blobs/sha256/${digestHex(desc.digest)}`;
          const file = extracted.get(listing.resolve(name)!.name);
          if (file === undefined) throw new UsageError(`${display} is missing blob ${desc.digest}`);
          if (file.digest !== desc.digest) throw corrupt(display, name, file.digest);
          store.addFile(desc, file.path);
        }
      }
    } catch (err) {
      await extracted.close();
      throw err;
    }
  }
  const done = extracted;
  return {
    source: new LayoutTarSource(store, display),
    root: picked.root,
    refName: picked.refName,
    close: async () => {
      await done?.close();
    },
  };
}

/** The regular file holding a blob. */
function blobEntry(listing: TarListing, desc: Descriptor, display: string, required: boolean): TarEntryInfo | undefined {
  // The digest comes from a file the user handed us; check it before it names an entry.
  if (!isDigest(desc.digest)) throw new UsageError(`${display}: refusing unsupported digest ${JSON.stringify(desc.digest)}`);
  const entry = listing.resolve(`blobs/sha256/${digestHex(desc.digest)}`);
  if (entry === undefined) {
    if (required) throw new UsageError(`${display} is missing blob ${desc.digest}`);
    return undefined;
  }
  return entry;
}

/** Bytes of small entries: those the listing pass kept, the rest read in one more pass. */
async function readMissing(
  path: string,
  display: string,
  kept: Map<string, Buffer>,
  entries: TarEntryInfo[],
  limit: number,
): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const missing = new Set<string>();
  for (const entry of entries) {
    if (entry.size > limit) throw new UsageError(`${display}: ${entry.name} is larger than ${limit} bytes; refusing to read it`);
    const bytes = kept.get(entry.name);
    if (bytes === undefined) missing.add(entry.name);
    else out.set(entry.name, bytes);
  }
  if (missing.size > 0) {
    const found = await readTarMembers(path, (name) => missing.has(name), limit, display);
    for (const name of missing) {
      const bytes = found.get(name);
      // The listing saw it; a second read that does not is a file changed under us.
      if (bytes === undefined) throw new UsageError(`${display} changed while it was read`);
      out.set(name, bytes);
    }
  }
  return out;
}

/** What a manifest or index points at (the copy engine follows the same edges). */
function childrenOf(desc: Descriptor, bytes: Buffer): Descriptor[] {
  const doc = parseManifestDocument(desc, bytes);
  if (isIndexMediaType(desc.mediaType)) return [...(doc as ImageIndex).manifests];
  const manifest = doc as ImageManifest;
  return [manifest.config, ...manifest.layers];
}

function wrongSize(display: string, desc: Descriptor, size: number): UsageError {
  return new UsageError(`${display}: blob ${desc.digest} is ${size} bytes, but a descriptor says ${desc.size}`);
}

function corrupt(display: string, name: string, actual: string): UsageError {
  return new UsageError(`${display}: ${name} does not hash to its name (it is ${actual}); the archive is corrupt`);
}

/** The referenced blobs of a layout tar, in memory or extracted; a blob it lacks is named as missing. */
class LayoutTarSource implements Fetcher, TransientFetcher {
  readonly #store: MemoryStore;
  readonly #display: string;

  constructor(store: MemoryStore, display: string) {
    this.#store = store;
    this.#display = display;
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    if (!(await this.#store.exists(desc))) throw new UsageError(`${this.#display} is missing blob ${desc.digest}`);
    return this.#store.fetch(desc);
  }

  transientChunks(desc: Descriptor): (() => AsyncIterable<Buffer>) | undefined {
    return this.#store.transientChunks(desc);
  }
}
