// Turns a packaged Helm chart (.tgz) into a Helm OCI artifact as `helm push` does: the
// archive itself is the one layer, the config and annotations come from its Chart.yaml.
import { UsageError } from '../errors/index.js';
import { digestFile } from '../oci/digest.js';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor, ImageManifest } from '../oci/types.js';
import type { ArchiveContent } from './archive-content.js';
import { parseChartYaml, type ChartMetadata } from './chart-yaml.js';
import { helmChartAnnotations, helmChartConfig } from './helm-chart.js';
import { encodeImageManifest } from './image-manifest.js';
import { MemoryStore } from './memory-store.js';
import { compressionOf, readHead, readTarMembers } from './tar-archive.js';

export interface OpenHelmChartArchiveOptions {
  /** How the archive is named in messages; the path when absent. */
  display?: string;
}

export interface HelmChartArchiveContent extends ArchiveContent {
  store: MemoryStore;
  manifest: Buffer;
  /** Config, then the chart layer. */
  blobs: Descriptor[];
  totalSize: number;
  chart: ChartMetadata;
  /** The chart version as an OCI tag: `+` becomes `_`, as Helm does. */
  defaultTag: string;
}

/** Chart.yaml is a few KiB; a huge one is not a chart. */
const CHART_YAML_LIMIT = 1 << 20;
const TOP_LEVEL_CHART_YAML = /^[^/]+\/Chart\.yaml$/;

export async function openHelmChartArchive(path: string, opts: OpenHelmChartArchiveOptions = {}): Promise<HelmChartArchiveContent> {
  const display = opts.display ?? path;
  if (compressionOf(await readHead(path)) !== 'gzip') {
    throw new UsageError(`${display} is not a gzip-compressed Helm chart archive (.tgz)`);
  }
  const found = await readTarMembers(path, (name) => TOP_LEVEL_CHART_YAML.test(name), CHART_YAML_LIMIT, display);
  if (found.size === 0) throw new UsageError(`${display} is not a Helm chart: no <chart>/Chart.yaml at its top level`);
  if (found.size > 1) {
    throw new UsageError(`${display} holds several charts at its top level (${[...found.keys()].join(', ')}); a chart archive has one`);
  }
  const [name, text] = [...found.entries()][0]!;
  // ConfigError with file:line:col, shown as the member inside the archive.
  const chart = parseChartYaml(text.toString('utf8'), `${display}:${name}`);

  const store = new MemoryStore();
  const config = store.addContent(MediaType.helmConfig, helmChartConfig(chart));
  const { digest, size } = await digestFile(path);
  const layer: Descriptor = { mediaType: MediaType.helmChartContent, digest, size };
  store.addFile(layer, path);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.imageManifest,
    config,
    layers: [layer],
    annotations: helmChartAnnotations(chart),
  };
  const bytes = encodeImageManifest(manifest);
  const root = store.addContent(MediaType.imageManifest, bytes);
  return {
    source: store,
    store,
    root,
    manifest: bytes,
    blobs: [config, layer],
    totalSize: config.size + layer.size + bytes.length,
    chart,
    defaultTag: chart.version.replaceAll('+', '_'),
    close: async () => {},
  };
}
