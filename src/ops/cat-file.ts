// `browse cat` as a service: one file's bytes out of an image, read from the top layer
// down. The search stops at the first layer that has the path (or hides it with a
// whiteout), and that layer's download is cut off as soon as the file has been read:
// the layers below it are never fetched.
import { posix } from 'node:path';
import { ContentError, UsageError } from '../errors/index.js';
import { cleanEntryPath, readLayerEntries, type LayerEntry } from '../content/layer-entries.js';
import { whiteoutTarget } from '../content/layer-merge.js';
import type { Descriptor } from '../oci/types.js';
import { resolveImage, type ImageSource, type ResolveImageOptions } from './image-target.js';

export interface CatFileOptions extends ResolveImageOptions {
  /** Receives the file's bytes in order; the next chunk waits for it. */
  write: (chunk: Buffer) => Promise<void>;
  /** Stop after this many bytes (a preview); the rest is not downloaded. */
  limit?: number;
  /** Each layer fetched, top first (tests and the request log show the same). */
  onLayerRead?: (index: number) => void;
}

export interface CatFileResult {
  reference: string;
  digest: string;
  platform?: string;
  /** The path asked for, and the one read after following links. */
  path: string;
  resolvedPath: string;
  /** Index of the layer the bytes came from. */
  layer: number;
  /** Bytes written. */
  bytes: number;
  /** The file's size in its layer. */
  size: number;
  /** Whether `limit` cut it short. */
  truncated: boolean;
}

/** As Linux counts them (ELOOP after 40). */
const MAX_LINK_HOPS = 40;

type Outcome =
  | { kind: 'found'; bytes: number; size: number; truncated: boolean }
  | { kind: 'absent' }
  | { kind: 'hidden' }
  | { kind: 'hardlink'; target: string }
  | { kind: 'redirect'; path: string };

function under(path: string, dir: string): boolean {
  return dir === '.' || path.startsWith(`${dir}/`);
}

/** A symlink at `linkPath` pointing at `target`, resolved inside the image's root. */
function followSymlink(linkPath: string, target: string, rest: string): string {
  const base = target.startsWith('/') ? target : posix.join(posix.dirname(linkPath), target);
  return cleanEntryPath(rest === '' ? base : `${base}/${rest}`);
}

async function searchLayer(source: ImageSource, desc: Descriptor, wanted: string, opts: CatFileOptions, what: string, shown: string): Promise<Outcome> {
  let outcome: Outcome = { kind: 'absent' };
  let hidden = false;
  const visit = async (entry: LayerEntry, body: AsyncIterable<Buffer>): Promise<'next' | 'stop'> => {
    const wh = whiteoutTarget(entry.path);
    if (wh !== undefined) {
      // Whiteouts act on the layers below: this layer's own entries still count.
      if ((wh.kind === 'whiteout' && (wh.path === wanted || under(wanted, wh.path))) || (wh.kind === 'opaque' && under(wanted, wh.path))) hidden = true;
      return 'next';
    }
    if (entry.path === wanted) {
      switch (entry.type) {
        case 'file': {
          const limit = opts.limit ?? Number.POSITIVE_INFINITY;
          let bytes = 0;
          for await (const data of body) {
            const chunk = bytes + data.length > limit ? data.subarray(0, limit - bytes) : data;
            bytes += chunk.length;
            if (chunk.length > 0) await opts.write(chunk);
            if (bytes >= limit) break;
          }
          outcome = { kind: 'found', bytes, size: entry.size, truncated: bytes < entry.size };
          return 'stop';
        }
        case 'hardlink':
          outcome = { kind: 'hardlink', target: entry.linkTarget ?? '' };
          return 'stop';
        case 'symlink':
          outcome = { kind: 'redirect', path: followSymlink(entry.path, entry.linkTarget ?? '', '') };
          return 'stop';
        case 'dir':
          throw new UsageError(`${shown}: is a directory`, { hint: 'browse files lists what it holds' });
        default:
          throw new ContentError(`${shown}: is a ${entry.type === 'fifo' ? 'FIFO' : `${entry.type} device`}, not a file`);
      }
    }
    if (under(wanted, entry.path) && entry.type !== 'dir') {
      // A parent that is a symlink leads elsewhere; one that is a file hides the path.
      if (entry.type === 'symlink') {
        outcome = { kind: 'redirect', path: followSymlink(entry.path, entry.linkTarget ?? '', wanted.slice(entry.path.length + 1)) };
        return 'stop';
      }
      hidden = true;
    }
    return 'next';
  };
  await readLayerEntries(await source.fetch(desc), desc, visit, { what });
  if (outcome.kind === 'absent' && hidden) return { kind: 'hidden' };
  return outcome;
}

export async function catImageFile(source: ImageSource, reference: string, tagOrDigest: string, path: string, opts: CatFileOptions): Promise<CatFileResult> {
  const image = await resolveImage(source, reference, tagOrDigest, opts);
  const layers = image.manifest.layers;
  const asked = cleanEntryPath(path);
  if (asked === '.') throw new UsageError(`${reference}: / is a directory`, { hint: 'browse files lists what it holds' });
  const notFound = (): ContentError => new ContentError(`${reference}: no file /${asked} in the image${image.platform === undefined ? '' : ` (${image.platform})`}`);
  let wanted = asked;
  let start = layers.length - 1;
  for (let hops = 0; hops <= MAX_LINK_HOPS; hops++) {
    let next: { path: string; start: number } | undefined;
    for (let i = start; i >= 0 && next === undefined; i--) {
      const desc = layers[i]!;
      opts.onLayerRead?.(i);
      const outcome = await searchLayer(source, desc, wanted, opts, `${reference}: layer ${i} (${desc.digest})`, `${reference}: /${wanted}`);
      switch (outcome.kind) {
        case 'found':
          return {
            reference,
            digest: image.descriptor.digest,
            ...(image.platform === undefined ? {} : { platform: image.platform }),
            path: `/${asked}`,
            resolvedPath: `/${wanted}`,
            layer: i,
            bytes: outcome.bytes,
            size: outcome.size,
            truncated: outcome.truncated,
          };
        case 'hidden':
          throw notFound();
        case 'hardlink':
          // The target was written by this layer (earlier in its tar) or one below.
          next = { path: outcome.target, start: i };
          break;
        case 'redirect':
          next = { path: outcome.path, start: layers.length - 1 };
          break;
        case 'absent':
          break;
      }
    }
    if (next === undefined) throw notFound();
    wanted = next.path;
    start = next.start;
  }
  throw new ContentError(`${reference}: /${asked}: too many levels of links`);
}
