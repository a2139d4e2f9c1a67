// Gets one chart version from its upstream — a Helm repository (index.yaml), an OCI
// registry, or a local directory — into memory as the Helm OCI artifact that will be
// pushed, with the images it names. Each download happens once per run.
import { createHash } from 'node:crypto';
import validRange from 'semver/ranges/valid.js';
import { parse as parseYaml } from 'yaml';
import type { MirrorUpstream } from '../../config/mirror-types.js';
import { findChartImages, type ImageMention } from '../../content/chart-images.js';
import { parseChartYaml } from '../../content/chart-yaml.js';
import { helmChartAnnotations, helmChartConfig, packageHelmChart } from '../../content/helm-chart.js';
import { encodeImageManifest } from '../../content/image-manifest.js';
import { MemoryStore } from '../../content/memory-store.js';
import { readAll } from '../../content/store.js';
import { MANIFEST_LIMIT } from '../../copy/copy-graph.js';
import { ContentError } from '../../errors/index.js';
import { MediaType } from '../../oci/media-types.js';
import type { Descriptor, ImageManifest } from '../../oci/types.js';
import { parseManifestDocument } from '../../oci/validate-manifest.js';
import { formatReference, parseReference } from '../../ref/reference.js';
import type { ChartRepositoryClient } from '../../registry/client/chart-repository.js';
import type { Repository } from '../../registry/client/repository.js';
import { helmTemplateImages } from './helm-template.js';

/** A chart repository's index.yaml (Bitnami's is tens of MiB). */
export const INDEX_LIMIT = 64 << 20;
/** A packaged chart. */
export const CHART_LIMIT = 100 << 20;

export interface FetchedChart {
  name: string;
  version: string;
  /** Where it came from: the .tgz URL, the OCI reference, or the directory. */
  source: string;
  /** Manifest, config and chart layer, all in memory. */
  store: MemoryStore;
  root: Descriptor;
  images: ImageMention[];
}

export interface ChartSourceDeps {
  charts: ChartRepositoryClient;
  repository: (name: string) => Repository;
  /** The `helm` binary, when one is on PATH: its rendered templates name images too. */
  helm?: string;
  signal?: AbortSignal;
}

interface IndexEntry {
  version: string;
  urls: string[];
  digest?: string;
}

/** Chart repository indexes by URL, each downloaded and parsed once per run. */
export class ChartIndexCache {
  readonly #indexes = new Map<string, Promise<Map<string, IndexEntry[]>>>();

  constructor(private readonly client: ChartRepositoryClient) {}

  get(repoUrl: string): Promise<Map<string, IndexEntry[]>> {
    const url = indexUrl(repoUrl).href;
    let pending = this.#indexes.get(url);
    if (pending === undefined) {
      pending = this.#load(new URL(url));
      this.#indexes.set(url, pending);
    }
    return pending;
  }

  async #load(url: URL): Promise<Map<string, IndexEntry[]>> {
    const bytes = await this.client.get(url, INDEX_LIMIT, `read chart index ${url.href}`);
    return parseChartIndex(bytes.toString('utf8'), url.href);
  }
}

/** `https://charts.example.com/stable` → `…/stable/index.yaml` (Helm's rule: the index sits under the repository URL). */
export function indexUrl(repoUrl: string): URL {
  const base = repoUrl.endsWith('/') ? repoUrl : `${repoUrl}/`;
  return new URL('index.yaml', base);
}

export function parseChartIndex(text: string, shown: string): Map<string, IndexEntry[]> {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 10_000 });
  } catch (err) {
    throw new ContentError(`${shown} is not valid YAML: ${(err as Error).message}`);
  }
  const entries = (doc as { entries?: unknown } | null)?.entries;
  if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) {
    throw new ContentError(`${shown} is not a chart repository index (no "entries" mapping)`);
  }
  const out = new Map<string, IndexEntry[]>();
  for (const [name, list] of Object.entries(entries as Record<string, unknown>)) {
    if (!Array.isArray(list)) continue;
    out.set(
      name,
      list.flatMap((e: unknown) => {
        const { version, urls, digest } = (e ?? {}) as { version?: unknown; urls?: unknown; digest?: unknown };
        if (typeof version !== 'string' || !Array.isArray(urls)) return [];
        const strings = urls.filter((u): u is string => typeof u === 'string');
        return [{ version, urls: strings, ...(typeof digest === 'string' && digest !== '' ? { digest } : {}) }];
      }),
    );
  }
  return out;
}

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The chart as `helm push` would make it from this archive: config and annotations from its Chart.yaml. */
async function artifactFromArchive(tgz: Buffer, source: string, store = new MemoryStore(), root?: Descriptor): Promise<FetchedChart> {
  const found = await findChartImages(tgz, source);
  const chart = parseChartYaml(found.chartYaml.toString('utf8'), `${source}:${found.member}`);
  if (root === undefined) {
    const config = store.addContent(MediaType.helmConfig, helmChartConfig(chart));
    const layer = store.addContent(MediaType.helmChartContent, tgz);
    const manifest: ImageManifest = { schemaVersion: 2, mediaType: MediaType.imageManifest, config, layers: [layer], annotations: helmChartAnnotations(chart) };
    root = store.addContent(MediaType.imageManifest, encodeImageManifest(manifest));
  }
  return { name: chart.name, version: chart.version, source, store, root, images: found.mentions };
}

async function fromRepository(u: MirrorUpstream, version: string, deps: ChartSourceDeps, indexes: ChartIndexCache): Promise<FetchedChart> {
  const index = await indexes.get(u.repo!);
  const versions = index.get(u.chart);
  const shown = indexUrl(u.repo!).href;
  if (versions === undefined || versions.length === 0) throw new ContentError(`${shown} has no chart named "${u.chart}"`);
  const entry = versions.find((e) => e.version === version || e.version === version.replace(/^v/, ''));
  if (entry === undefined) {
    const known = versions.slice(0, 8).map((e) => e.version);
    throw new ContentError(`${shown} has no version ${version} of ${u.chart} (it has ${known.join(', ')}${versions.length > 8 ? ', …' : ''})`, {
      ...(validRange(version) !== null ? { hint: 'versions are exact, as in the Go tool; a range is not expanded' } : {}),
    });
  }
  const first = entry.urls[0];
  if (first === undefined) throw new ContentError(`${shown}: ${u.chart} ${version} lists no download URL`);
  // Helm resolves a relative chart URL against the index's own location.
  const url = new URL(first, indexUrl(u.repo!));
  const tgz = await deps.charts.get(url, CHART_LIMIT, `download chart ${u.chart} ${version}`);
  if (entry.digest !== undefined) {
    const want = entry.digest.replace(/^sha256:/, '').toLowerCase();
    const got = sha256Hex(tgz);
    if (got !== want) throw new ContentError(`${url.href} has sha256 ${got}, but ${shown} says ${want}; not mirrored`);
  }
  const fetched = await artifactFromArchive(tgz, url.href);
  if (fetched.name !== u.chart || fetched.version !== entry.version) {
    throw new ContentError(`${url.href} holds ${fetched.name} ${fetched.version}, not ${u.chart} ${entry.version} as ${shown} says`);
  }
  return fetched;
}

async function fromRegistry(u: MirrorUpstream, version: string, deps: ChartSourceDeps): Promise<FetchedChart> {
  const ref = parseReference(`${u.registry!}/${u.chart}:${version.replaceAll('+', '_')}`);
  const repo = deps.repository(`${ref.registry}/${ref.repository}`);
  const fetched = await repo.fetchManifest(ref.tag!);
  const manifest = parseManifestDocument(fetched.descriptor, fetched.bytes) as ImageManifest;
  const layer = Array.isArray(manifest.layers) ? manifest.layers.find((l) => l.mediaType === MediaType.helmChartContent) : undefined;
  if (layer === undefined || manifest.config === undefined) throw new ContentError(`${formatReference(ref)} is not a Helm chart (no ${MediaType.helmChartContent} layer)`);
  if (layer.size > CHART_LIMIT) throw new ContentError(`${formatReference(ref)}: the chart layer is larger than ${CHART_LIMIT >> 20} MiB`);
  const store = new MemoryStore();
  store.addBytes(fetched.descriptor, fetched.bytes);
  const configBytes = await readAll(await repo.fetch(manifest.config), MANIFEST_LIMIT, `chart config ${manifest.config.digest}`);
  store.addBytes(manifest.config, configBytes);
  const tgz = await readAll(await repo.fetch(layer), CHART_LIMIT, `chart layer ${layer.digest}`);
  store.addBytes(layer, tgz);
  // Copied as it is: the root keeps the source's digest.
  return artifactFromArchive(tgz, formatReference(ref), store, fetched.descriptor);
}

async function fromDirectory(u: MirrorUpstream, deps: ChartSourceDeps): Promise<FetchedChart> {
  // Packaged exactly as `build` packages a helm artifact (deterministic, no timestamps).
  const chart = await packageHelmChart(u.path!, { displayDir: u.path!, ...(deps.signal === undefined ? {} : { signal: deps.signal }) });
  const store = new MemoryStore();
  const config = store.addContent(MediaType.helmConfig, chart.config);
  const layer = store.addContent(MediaType.helmChartContent, chart.archive);
  const manifest: ImageManifest = { schemaVersion: 2, mediaType: MediaType.imageManifest, config, layers: [layer], annotations: chart.annotations };
  const root = store.addContent(MediaType.imageManifest, encodeImageManifest(manifest));
  const found = await findChartImages(chart.archive, u.path!);
  return { name: chart.name, version: chart.version, source: u.path!, store, root, images: found.mentions };
}

/** One version of one upstream, with the images `helm template` adds when helm is there. */
export async function fetchChart(u: MirrorUpstream, version: string | undefined, deps: ChartSourceDeps, indexes: ChartIndexCache): Promise<FetchedChart> {
  const fetched = await fetchChartContent(u, version, deps, indexes);
  if (deps.helm !== undefined) {
    const layer = (JSON.parse((await readAll(await fetched.store.fetch(fetched.root))).toString('utf8')) as ImageManifest).layers.find((l) => l.mediaType === MediaType.helmChartContent);
    if (layer !== undefined) {
      const tgz = await readAll(await fetched.store.fetch(layer));
      fetched.images.push(...(await helmTemplateImages(deps.helm, tgz, deps.signal)));
    }
  }
  return fetched;
}

/** A local chart is whatever version its Chart.yaml says; a listed version must match it. */
async function fetchChartContent(u: MirrorUpstream, version: string | undefined, deps: ChartSourceDeps, indexes: ChartIndexCache): Promise<FetchedChart> {
  switch (u.type) {
    case 'repo':
      return fromRepository(u, version!, deps, indexes);
    case 'oci':
      return fromRegistry(u, version!, deps);
    case 'local': {
      const fetched = await fromDirectory(u, deps);
      if (version !== undefined && version !== fetched.version) {
        throw new ContentError(`${u.path!} is ${fetched.name} ${fetched.version}, not version ${version} as the mirror file lists`);
      }
      if (fetched.name !== u.chart) throw new ContentError(`${u.path!} is chart ${fetched.name}, not ${u.chart} as the mirror file says`);
      return fetched;
    }
  }
}
