// An uncompressed OCI image layout tar read in place: one pass indexes its entries (name →
// offset and size) and keeps oci-layout and index.json; each blob is then streamed from
// its own byte range and verified against its descriptor. A layout holding many images
// (`mirror --from FILE.tar`) is thus scanned once, and nothing is extracted to disk.
import type { Readable } from 'node:stream';
import { UsageError } from '../errors/index.js';
import { digestHex, isDigest } from '../oci/digest.js';
import type { Descriptor } from '../oci/types.js';
import type { Fetcher } from './store.js';
import { compressionOf, listTar, readHead, verifiedFileStream, type TarListing } from './tar-archive.js';

/** index.json and oci-layout are small JSON; anything larger is not one. */
const INDEX_LIMIT = 16 << 20;

export interface IndexedLayoutTar {
  indexJson: Buffer;
  /** Every blob of the layout, read by offset. */
  source: Fetcher;
}

/**
 * Undefined for a compressed tar: its entries have no byte range in the file, so the
 * caller reads it the streaming way (oci-layout-reader.ts).
 */
export async function indexLayoutTar(path: string, opts: { display?: string; signal?: AbortSignal } = {}): Promise<IndexedLayoutTar | undefined> {
  const display = opts.display ?? path;
  if (compressionOf(await readHead(path)) !== 'none') return undefined;
  const { listing, kept } = await listTar(path, {
    display,
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    keep: (entry) => (entry.name === 'oci-layout' || entry.name === 'index.json') && entry.size <= INDEX_LIMIT,
  });
  if (listing.resolve('oci-layout') === undefined) throw new UsageError(`${display} is not an OCI image layout archive: it has no oci-layout file`);
  const index = listing.resolve('index.json');
  if (index === undefined) throw new UsageError(`${display} is not an OCI image layout archive: it has no index.json`);
  // A link to index.json was listed under the link's name; its bytes were kept under the file's.
  const indexJson = kept.get(index.name);
  if (indexJson === undefined) throw new UsageError(`${display}: index.json is larger than ${INDEX_LIMIT} bytes; refusing to read it`);
  return { indexJson, source: new IndexedTarFetcher(path, display, listing) };
}

class IndexedTarFetcher implements Fetcher {
  readonly #path: string;
  readonly #display: string;
  readonly #listing: TarListing;

  constructor(path: string, display: string, listing: TarListing) {
    this.#path = path;
    this.#display = display;
    this.#listing = listing;
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    // The digest comes from a file the user handed us; check it before it names an entry.
    if (!isDigest(desc.digest)) throw new UsageError(`${this.#display}: refusing unsupported digest ${JSON.stringify(desc.digest)}`);
    const entry = this.#listing.resolve(`blobs/sha256/${digestHex(desc.digest)}`);
    if (entry === undefined || entry.offset < 0) throw new UsageError(`${this.#display} is missing blob ${desc.digest}`);
    if (entry.size !== desc.size) throw new UsageError(`${this.#display}: blob ${desc.digest} is ${entry.size} bytes, but a descriptor says ${desc.size}`);
    // Verified as it streams: a tar changed since it was indexed fails here, not silently.
    return verifiedFileStream(this.#path, desc.digest, desc.size, `${this.#display} blob ${desc.digest}`, entry.offset);
  }
}
