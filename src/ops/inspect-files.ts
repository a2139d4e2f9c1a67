// `browse files` as a service: an image's layers streamed from the registry one after
// another, each untarred on the fly and merged (whiteouts honoured), giving the file
// list of the whole image or of one layer, and the wasted space (dive's measure).
import { CancelledError, ContentError, UsageError } from '../errors/index.js';
import { readLayerEntries, type LayerEntry } from '../content/layer-entries.js';
import { LayerMerge, type ImageFile, type LayerChange } from '../content/layer-merge.js';
import { resolveImage, type ImageSource, type ResolveImageOptions } from './image-target.js';

export interface LayerSummary {
  index: number;
  digest: string;
  mediaType: string;
  /** The blob's size (compressed). */
  size: number;
  entries: number;
  /** Bytes of regular files in the layer (uncompressed). */
  fileBytes: number;
  /** Of those, bytes that a later layer replaced or deleted. */
  wastedBytes: number;
}

export interface WastedSpace {
  bytes: number;
  /** Bytes of regular files in all layers. */
  totalBytes: number;
  /** bytes / totalBytes × 100, 0 for an image without files. */
  percent: number;
}

export interface ImageFiles {
  reference: string;
  digest: string;
  platform?: string;
  layers: LayerSummary[];
  /** The whole image, layers applied (absent with `layer`). */
  files?: ImageFile[];
  /** With `layer`: that layer's entries, marked against the layers below. */
  layer?: { index: number; changes: LayerChange[] };
  /** Each layer's entries marked against the layers below (with keepLayerChanges). */
  layerChanges?: LayerChange[][];
  wasted: WastedSpace;
}

export interface InspectFilesOptions extends ResolveImageOptions {
  /** Only this layer (0-based, bottom first); the layers below it are read for the marks. */
  layer?: number;
  /** Keep every layer's marked entries (the browser's per-layer trees). */
  keepLayerChanges?: boolean;
  /** Before each layer is read, and after. */
  onLayer?: (event: { index: number; count: number; digest: string; size: number; done: boolean }) => void;
  signal?: AbortSignal;
}

async function layerEntries(source: ImageSource, desc: Parameters<ImageSource['fetch']>[0], what: string): Promise<LayerEntry[]> {
  const entries: LayerEntry[] = [];
  await readLayerEntries(await source.fetch(desc), desc, (entry) => (entries.push(entry), 'next'), { verify: true, what });
  return entries;
}

export async function inspectImageFiles(source: ImageSource, reference: string, tagOrDigest: string, opts: InspectFilesOptions): Promise<ImageFiles> {
  const image = await resolveImage(source, reference, tagOrDigest, opts);
  const layers = image.manifest.layers;
  if (opts.layer !== undefined && (opts.layer < 0 || opts.layer >= layers.length)) {
    throw new UsageError(`${reference} has ${layers.length} layer${layers.length === 1 ? '' : 's'} (0 to ${layers.length - 1}); there is no layer ${opts.layer}`);
  }
  const last = opts.layer ?? layers.length - 1;
  const merge = new LayerMerge();
  const entryCounts: number[] = [];
  const layerChanges: LayerChange[][] = [];
  let changes: LayerChange[] = [];
  for (let i = 0; i <= last; i++) {
    if (opts.signal?.aborted === true) throw new CancelledError('cancelled');
    const desc = layers[i]!;
    if (desc.urls !== undefined && desc.urls.length > 0) {
      throw new ContentError(`${reference}: layer ${i} (${desc.digest}) is a foreign layer kept outside the registry; it is not read`);
    }
    opts.onLayer?.({ index: i, count: layers.length, digest: desc.digest, size: desc.size, done: false });
    const entries = await layerEntries(source, desc, `${reference}: layer ${i} (${desc.digest})`);
    entryCounts[i] = entries.length;
    changes = merge.apply(i, entries);
    if (opts.keepLayerChanges === true) layerChanges.push(changes);
    opts.onLayer?.({ index: i, count: layers.length, digest: desc.digest, size: desc.size, done: true });
  }
  const totalBytes = merge.totalFileBytes;
  const wastedBytes = merge.wastedBytes;
  return {
    reference,
    digest: image.descriptor.digest,
    ...(image.platform === undefined ? {} : { platform: image.platform }),
    layers: layers.slice(0, last + 1).map((d, index) => ({
      index,
      digest: d.digest,
      mediaType: d.mediaType,
      size: d.size,
      entries: entryCounts[index] ?? 0,
      fileBytes: merge.fileBytesByLayer[index] ?? 0,
      wastedBytes: merge.wastedByLayer[index] ?? 0,
    })),
    ...(opts.layer === undefined ? { files: merge.files() } : { layer: { index: opts.layer, changes } }),
    ...(opts.keepLayerChanges === true ? { layerChanges } : {}),
    wasted: { bytes: wastedBytes, totalBytes, percent: totalBytes === 0 ? 0 : (wastedBytes / totalBytes) * 100 },
  };
}
