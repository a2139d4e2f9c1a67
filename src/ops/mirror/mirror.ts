// `lazyoci mirror` as a service: resolve every chart (with the images it names) and every
// image set into a plan with digests, then copy each item with the one copy engine into
// the target registry or one air-gap OCI layout. A failed item is recorded and the rest
// still done; a dry run contacts only the sources.
import type { MirrorFile, MirrorUpstream } from '../../config/mirror-types.js';
import { MemoryStore } from '../../content/memory-store.js';
import type { Fetcher, Target } from '../../content/store.js';
import { createLimiter } from '../../copy/limiter.js';
import type { CopyEvent } from '../../copy/events.js';
import { CancelledError, LazyOciError, RegistryError, UsageError } from '../../errors/index.js';
import { isIndexMediaType } from '../../oci/media-types.js';
import { formatPlatform, selectPlatform, type PlatformSpec } from '../../oci/platform.js';
import type { Descriptor, ImageIndex } from '../../oci/types.js';
import { parseManifestDocument } from '../../oci/validate-manifest.js';
import { formatReference, parseReference, type Reference } from '../../ref/reference.js';
import type { ChartRepositoryClient } from '../../registry/client/chart-repository.js';
import type { Repository } from '../../registry/client/repository.js';
import { copyGraphCounting } from '../copy-counts.js';
import { OverlayFetcher } from '../manifest-overlay.js';
import { ChartIndexCache, fetchChart, type FetchedChart } from './chart-sources.js';
import { chartTarget, imageTarget } from './naming.js';
import { SharedWrites } from './shared-writes.js';
import { selectTags } from './tag-rules.js';

export type ItemStatus = 'planned' | 'copied' | 'skipped' | 'failed';

export interface ChartItem {
  key: string;
  chart: string;
  version: string;
  source: string;
  target: string;
  digest?: string;
  status: ItemStatus;
  error?: string;
  /** The source references of the images this chart names. */
  images: string[];
}

export interface ImageItem {
  source: string;
  target: string;
  digest?: string;
  /** Only these platforms of the source index were kept (a new index, so a new digest). */
  platforms?: string[];
  /** Where the image was found: `KEY VERSION: values.yaml .image`, `images[0] semver ">=1.25 <2"`. */
  foundIn: string[];
  status: ItemStatus;
  error?: string;
}

export interface MirrorCounts {
  copied: number;
  skipped: number;
  failed: number;
  planned: number;
}

export interface MirrorResult {
  dryRun: boolean;
  target: string;
  /** The air-gap layout written instead of the registry. */
  layout?: string;
  charts: ChartItem[];
  images: ImageItem[];
  summary: { charts: MirrorCounts; images: MirrorCounts };
}

/**
 * `id` tells the run's items apart (two items may share a target: an image whole and a
 * platform subset of it). `item` ends one, for those that could not even be resolved too;
 * `copy` is the copy engine at work on one.
 */
export type MirrorEvent =
  | { type: 'resolved'; charts: number; images: number; dryRun: boolean }
  | { type: 'started'; id: number; kind: 'chart' | 'image'; target: string }
  | { type: 'copy'; id: number; event: CopyEvent }
  | { type: 'item'; id: number; kind: 'chart' | 'image'; source: string; target: string; status: ItemStatus; digest?: string; error?: string };

/** What the mirror needs of the registry client. */
export interface MirrorClient {
  repository(ref: Pick<Reference, 'registry' | 'repository'>, access: 'pull' | 'push'): Repository;
  chartRepository(): ChartRepositoryClient;
}

/** Where items are copied: the target registry, or a layout store standing in for it. */
export interface MirrorDestination {
  /** A store for one target reference, and the tag (or layout name) to write; no tags for a digest-only reference. */
  open(ref: Reference): { target: Target; tags: string[] };
  /** The digest the destination already holds for `ref`, if it is a registry that can say. */
  existing?(ref: Reference): Promise<string | undefined>;
}

export interface MirrorOptions {
  config: MirrorFile;
  /** --chart KEY; all charts and image sets otherwise. */
  chart?: string;
  dryRun: boolean;
  force: boolean;
  chartsOnly: boolean;
  imagesOnly: boolean;
  concurrency: number;
  signal?: AbortSignal;
  onEvent?: (event: MirrorEvent) => void;
  /** The `helm` binary to render charts with, when one is on PATH. */
  helm?: string;
}

/** One thing to copy: its result row, and (once resolved) where its graph is read from. */
export interface Copyable<T> {
  item: T;
  fetcher?: Fetcher;
  root?: Descriptor;
}

/** A resolved image: its root in memory (possibly a platform-filtered index), read from the source once. */
interface ImageWork extends Copyable<ImageItem> {
  source: Reference;
  platforms?: PlatformSpec[];
}

export interface MirrorPlan {
  charts: Copyable<ChartItem>[];
  images: Copyable<ImageItem>[];
}

function messageOf(err: unknown): string {
  if (err instanceof LazyOciError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

function rethrowIfCancelled(err: unknown): void {
  if (err instanceof CancelledError) throw err;
}

function selectedUpstreams(config: MirrorFile, key: string | undefined): MirrorUpstream[] {
  if (key === undefined) return config.upstreams;
  const found = config.upstreams.find((u) => u.key === key);
  if (found === undefined) {
    const keys = config.upstreams.map((u) => u.key);
    throw new UsageError(`--chart ${key}: ${config.displayPath} has no upstream "${key}"${keys.length > 0 ? ` (it has ${keys.join(', ')})` : ''}`);
  }
  return [found];
}

function describeRules(set: MirrorFile['images'][number]): string {
  const parts: string[] = [];
  if (set.tags !== undefined) parts.push(`tags ${set.tags.join(', ')}`);
  if (set.semver !== undefined) parts.push(`semver "${set.semver}"`);
  if (set.regex !== undefined) parts.push(`regex /${set.regex.source}/`);
  if (set.latest !== undefined) parts.push(`latest ${set.latest}`);
  return parts.join(', ');
}

/** Resolve charts and images from their sources, reading nothing of the target. */
export async function planMirror(client: MirrorClient, opts: MirrorOptions): Promise<MirrorPlan> {
  const { config } = opts;
  const limit = createLimiter(opts.concurrency);
  const upstreams = selectedUpstreams(config, opts.chart);
  const charts = client.chartRepository();
  const indexes = new ChartIndexCache(charts);
  const deps = {
    charts,
    repository: (name: string) => client.repository(parseReference(name), 'pull'),
    ...(opts.helm === undefined ? {} : { helm: opts.helm }),
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
  };

  const chartJobs = upstreams.flatMap((u): { u: MirrorUpstream; version: string | undefined }[] => (u.type === 'local' && u.versions.length === 0 ? [{ u, version: undefined }] : u.versions.map((version) => ({ u, version }))));
  const chartWork = await Promise.all(
    chartJobs.map(({ u, version }) =>
      limit(async (): Promise<Copyable<ChartItem> & { fetched?: FetchedChart }> => {
        const base = { key: u.key, chart: u.chart, version: version ?? '', source: u.repo ?? u.registry ?? u.path ?? '', images: [] as string[] };
        try {
          const fetched = await fetchChart(u, version, deps, indexes);
          const target = formatReference(chartTarget(u.chart, fetched.version, config.target));
          const images = [...new Set(fetched.images.map((m) => m.image))];
          const item: ChartItem = { ...base, version: fetched.version, source: fetched.source, target, digest: fetched.root.digest, status: 'planned', images };
          return { item, fetched, fetcher: fetched.store, root: fetched.root };
        } catch (err) {
          rethrowIfCancelled(err);
          const target = version === undefined ? '' : formatReference(chartTarget(u.chart, version, config.target));
          return { item: { ...base, target, status: 'failed', error: messageOf(err) } };
        }
      }),
    ),
  );

  const images = new Map<string, ImageWork>();
  const addImage = (source: Reference, where: string, platforms?: PlatformSpec[]): void => {
    const sourceText = formatReference(source);
    const key = `${sourceText}|${(platforms ?? []).map(formatPlatform).join(',')}`;
    let work = images.get(key);
    if (work === undefined) {
      const item: ImageItem = {
        source: sourceText,
        target: formatReference(imageTarget(source, config.target)),
        ...(platforms === undefined ? {} : { platforms: platforms.map(formatPlatform) }),
        foundIn: [],
        status: 'planned',
      };
      work = { item, source, ...(platforms === undefined ? {} : { platforms }) };
      images.set(key, work);
    }
    if (!work.item.foundIn.includes(where)) work.item.foundIn.push(where);
  };
  const failedImages: ImageWork[] = [];

  if (!opts.chartsOnly) {
    for (const { fetched, item } of chartWork) {
      for (const m of fetched?.images ?? []) addImage(parseReference(m.image), `${item.key} ${item.version}: ${m.where}`);
    }
    if (opts.chart === undefined) {
      await Promise.all(
        config.images.map((set, i) =>
          limit(async () => {
            const where = `images[${i}] ${describeRules(set)}`;
            try {
              const available = set.tags === undefined ? await client.repository(set.source, 'pull').tags() : [];
              for (const tag of selectTags(available, set)) addImage({ ...set.source, tag }, where, set.platforms);
            } catch (err) {
              rethrowIfCancelled(err);
              const source = formatReference(set.source);
              failedImages.push({
                item: { source, target: formatReference(imageTarget(set.source, config.target)), foundIn: [where], status: 'failed', error: `list tags of ${source}: ${messageOf(err)}` },
                source: set.source,
              });
            }
          }),
        ),
      );
    }
  }

  const imageWork = [...images.values()];
  await Promise.all(imageWork.map((work) => limit(() => resolveImage(client, work))));
  return { charts: chartWork, images: [...imageWork, ...failedImages] };
}

/** Read the source's root manifest once; with platforms, write the narrowed index in memory. */
async function resolveImage(client: MirrorClient, work: ImageWork): Promise<void> {
  try {
    const repo = client.repository(work.source, 'pull');
    const fetched = await repo.fetchManifest(work.source.digest ?? work.source.tag ?? 'latest');
    const memory = new MemoryStore();
    memory.addBytes(fetched.descriptor, fetched.bytes);
    let root = fetched.descriptor;
    if (work.platforms !== undefined && isIndexMediaType(root.mediaType)) {
      const doc = JSON.parse(fetched.bytes.toString('utf8')) as ImageIndex & Record<string, unknown>;
      parseManifestDocument(root, fetched.bytes);
      const kept = work.platforms.map((p) => selectPlatform(doc.manifests, p)).filter((d): d is Descriptor => d !== undefined);
      const missing = work.platforms.filter((p) => selectPlatform(doc.manifests, p) === undefined).map(formatPlatform);
      if (missing.length > 0) throw new UsageError(`${work.item.source} has no ${missing.join(', ')} image`);
      const narrowed = { ...doc, manifests: doc.manifests.filter((d) => kept.includes(d)) };
      root = { ...memory.addContent(root.mediaType, Buffer.from(JSON.stringify(narrowed))), mediaType: root.mediaType };
    }
    work.root = root;
    work.fetcher = new OverlayFetcher(memory, repo);
    work.item.digest = root.digest;
  } catch (err) {
    rethrowIfCancelled(err);
    work.item.status = 'failed';
    work.item.error = messageOf(err);
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof RegistryError && err.status === 404;
}

/** The registry destination: skip what it already holds at the same digest, unless forced. */
export function registryDestination(client: MirrorClient): MirrorDestination {
  return {
    open: (ref) => ({ target: client.repository(ref, 'push'), tags: ref.tag === undefined ? [] : [ref.tag] }),
    existing: async (ref) => {
      try {
        return (await client.repository(ref, 'push').fetchManifest(ref.tag ?? ref.digest!)).descriptor.digest;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
  };
}

function count(items: { status: ItemStatus }[]): MirrorCounts {
  const c: MirrorCounts = { copied: 0, skipped: 0, failed: 0, planned: 0 };
  for (const i of items) c[i.status]++;
  return c;
}

/** Copy what the plan holds into `dest` (nothing for a dry run); every item ends with a status. */
export async function runMirror(plan: MirrorPlan, dest: MirrorDestination | undefined, opts: MirrorOptions): Promise<MirrorResult> {
  const limit = createLimiter(opts.concurrency);
  const shared = new SharedWrites();
  // --images-only pushes no chart, but a chart that could not be read still fails the run.
  const charts = opts.imagesOnly ? plan.charts.filter((c) => c.root === undefined) : plan.charts;
  opts.onEvent?.({ type: 'resolved', charts: charts.length, images: plan.images.length, dryRun: dest === undefined });
  const ended = (id: number, kind: 'chart' | 'image', item: ChartItem | ImageItem): void =>
    opts.onEvent?.({
      type: 'item',
      id,
      kind,
      source: item.source,
      target: item.target,
      status: item.status,
      ...(item.digest === undefined ? {} : { digest: item.digest }),
      ...(item.error === undefined ? {} : { error: item.error }),
    });

  const copyOne = async (id: number, kind: 'chart' | 'image', item: ChartItem | ImageItem, fetcher: Fetcher, root: Descriptor): Promise<void> => {
    const ref = parseReference(item.target);
    if (dest === undefined) return;
    opts.onEvent?.({ type: 'started', id, kind, target: item.target });
    try {
      // A registry says what its tag holds; a layout is judged by whether anything had to be written.
      const held = dest.existing === undefined ? undefined : await dest.existing(ref);
      if (!opts.force && held === root.digest) {
        item.status = 'skipped';
      } else {
        const { target, tags } = dest.open(ref);
        const counts = await copyGraphCounting(fetcher, root, shared.wrap(target), tags, {
          concurrency: opts.concurrency,
          ...(opts.signal === undefined ? {} : { signal: opts.signal }),
          ...(opts.onEvent === undefined ? {} : { onEvent: (event: CopyEvent) => opts.onEvent!({ type: 'copy', id, event }) }),
        });
        item.status = dest.existing === undefined && counts.copied === 0 && !opts.force ? 'skipped' : 'copied';
      }
    } catch (err) {
      rethrowIfCancelled(err);
      item.status = 'failed';
      item.error = messageOf(err);
    }
    ended(id, kind, item);
  };

  const jobs: Promise<void>[] = [];
  let id = 0;
  for (const [kind, list] of [['chart', charts], ['image', plan.images]] as const) {
    for (const { item, fetcher, root } of list) {
      const n = id++;
      if (fetcher !== undefined && root !== undefined && item.status !== 'failed') jobs.push(limit(() => copyOne(n, kind, item, fetcher, root)));
      else if (item.status === 'failed') ended(n, kind, item);
    }
  }
  await Promise.all(jobs);

  const chartItems = charts.map((c) => c.item);
  const imageItems = plan.images.map((w) => w.item);
  return {
    dryRun: dest === undefined,
    target: opts.config.target.url,
    charts: chartItems,
    images: imageItems,
    summary: { charts: count(chartItems), images: count(imageItems) },
  };
}
