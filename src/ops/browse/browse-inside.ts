// The browser's look inside an image, over the same use cases as `browse files|cat|config`
// and `discover`: the layers read (streamed, every layer's marked entries kept for the
// per-layer trees), one file's first bytes, the config with its history, the referrers.
// Each call names one manifest by digest; a signal cancels the reading.
import { CancelledError } from '../../errors/index.js';
import { catImageFile } from '../cat-file.js';
import { discover, type DiscoverResult } from '../discover.js';
import { inspectImageConfig, type ImageConfigSummary } from '../image-config.js';
import { ociPlatformOf, type ImageSource } from '../image-target.js';
import { inspectImageFiles, type ImageFiles } from '../inspect-files.js';
import type { DiscoverSource } from '../discover.js';
import { parseReference } from '../../ref/reference.js';

/** One manifest of one repository, as the details pane shows it. */
export interface InsideTarget {
  registry: string;
  repository: string;
  /** A tag or a digest; the browser passes the manifest's digest. */
  tagOrDigest: string;
}

export interface LayerProgress {
  index: number;
  count: number;
  done: boolean;
}

export interface FileHead {
  /** The first bytes of the file (at most the limit asked for). */
  content: Buffer;
  /** The file's whole size. */
  size: number;
  truncated: boolean;
  /** The layer the bytes came from. */
  layer: number;
}

/** Bytes of a file the preview reads at most: the rest of the layer is not downloaded. */
export const PREVIEW_LIMIT = 16 * 1024;

export function referenceOf(t: InsideTarget): string {
  return `${t.registry}/${t.repository}${t.tagOrDigest.includes(':') ? '@' : ':'}${t.tagOrDigest}`;
}

// The target is a manifest's digest: an index is only ever resolved when the browser
// is asked about one, and then this machine's platform is the natural pick.
const host = () => ({ hostPlatform: ociPlatformOf(process.platform, process.arch) });

export function readImageFiles(source: ImageSource, t: InsideTarget, signal: AbortSignal, onLayer?: (p: LayerProgress) => void): Promise<ImageFiles> {
  return inspectImageFiles(source, referenceOf(t), t.tagOrDigest, {
    ...host(),
    keepLayerChanges: true,
    signal,
    ...(onLayer === undefined ? {} : { onLayer: (e) => onLayer({ index: e.index, count: e.count, done: e.done }) }),
  });
}

export async function readFileHead(source: ImageSource, t: InsideTarget, path: string, signal: AbortSignal, limit = PREVIEW_LIMIT): Promise<FileHead> {
  const chunks: Buffer[] = [];
  const result = await catImageFile(source, referenceOf(t), t.tagOrDigest, path, {
    ...host(),
    limit,
    write: async (chunk) => {
      if (signal.aborted) throw new CancelledError('cancelled');
      chunks.push(Buffer.from(chunk));
    },
  });
  return { content: Buffer.concat(chunks), size: result.size, truncated: result.truncated, layer: result.layer };
}

export function readImageConfig(source: ImageSource, t: InsideTarget): Promise<ImageConfigSummary> {
  return inspectImageConfig(source, referenceOf(t), t.tagOrDigest, host());
}

export function readReferrers(source: DiscoverSource, t: InsideTarget): Promise<DiscoverResult> {
  return discover(source, { reference: parseReference(referenceOf(t)) });
}
