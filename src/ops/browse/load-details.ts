// What the browser's details pane shows for one tag or digest: the manifest or index
// summarised (inspect-manifest), and by kind: an image's config, a chart's Chart.yaml
// and values.yaml, an artifact's files.
import type { Readable } from 'node:stream';
import { readCapped } from '../../content/read-capped.js';
import { Annotation, MediaType } from '../../oci/media-types.js';
import type { Descriptor } from '../../oci/types.js';
import { inspectManifest, type ManifestSource, type ManifestSummary } from '../inspect-manifest.js';
import { readChartFiles, type ChartFiles } from './chart-files.js';

export interface DetailsSource extends ManifestSource {
  fetch(desc: Descriptor): Promise<Readable>;
}

export interface ImageConfigView {
  os?: string;
  architecture?: string;
  user?: string;
  workingDir?: string;
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  labels?: Record<string, string>;
  exposedPorts?: string[];
  created?: string;
  history: { created?: string; createdBy?: string; comment?: string; emptyLayer?: boolean }[];
}

export interface ArtifactFile {
  title: string;
  size: number;
  mediaType: string;
  digest: string;
}

export interface TagDetails {
  summary: ManifestSummary;
  /** The raw manifest or index, as the registry sent it (for the pager). */
  raw: string;
  config?: ImageConfigView;
  chart?: ChartFiles;
  files?: ArtifactFile[];
  /** A part that could not be read (config, chart): said in its tab, the rest still shown. */
  problems: string[];
}

const IMAGE_CONFIG_TYPES = new Set<string>([MediaType.imageConfig, 'application/vnd.docker.container.image.v1+json']);
const CONFIG_LIMIT = 4 << 20;
const CHART_LAYER_LIMIT = 32 << 20;

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function imageConfigView(json: unknown): ImageConfigView {
  const doc = (json ?? {}) as Record<string, unknown>;
  const c = (doc.config ?? {}) as Record<string, unknown>;
  const labels = c.Labels !== null && typeof c.Labels === 'object' ? (c.Labels as Record<string, unknown>) : {};
  const history = Array.isArray(doc.history) ? (doc.history as Record<string, unknown>[]) : [];
  const view: ImageConfigView = {
    history: history.map((h) => ({
      ...(str(h.created) === undefined ? {} : { created: str(h.created)! }),
      ...(str(h.created_by) === undefined ? {} : { createdBy: str(h.created_by)! }),
      ...(str(h.comment) === undefined ? {} : { comment: str(h.comment)! }),
      ...(h.empty_layer === true ? { emptyLayer: true } : {}),
    })),
  };
  const set = <K extends keyof ImageConfigView>(key: K, value: ImageConfigView[K] | undefined): void => {
    if (value !== undefined) view[key] = value;
  };
  set('os', str(doc.os));
  set('architecture', str(doc.architecture));
  set('created', str(doc.created));
  set('user', str(c.User));
  set('workingDir', str(c.WorkingDir));
  set('entrypoint', strings(c.Entrypoint));
  set('cmd', strings(c.Cmd));
  set('env', strings(c.Env));
  set('exposedPorts', c.ExposedPorts !== null && typeof c.ExposedPorts === 'object' ? Object.keys(c.ExposedPorts as object) : undefined);
  const labelEntries = Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string');
  if (labelEntries.length > 0) view.labels = Object.fromEntries(labelEntries);
  return view;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function readConfig(source: DetailsSource, config: Descriptor): Promise<ImageConfigView> {
  const read = await readCapped(await source.fetch(config), CONFIG_LIMIT);
  if (!read.complete) throw new Error(`image config ${config.digest} is larger than ${CONFIG_LIMIT >> 20} MiB`);
  try {
    return imageConfigView(JSON.parse(read.bytes.toString('utf8')));
  } catch {
    throw new Error(`image config ${config.digest} is not valid JSON`);
  }
}

export async function loadDetails(source: DetailsSource, reference: string, tagOrDigest: string): Promise<TagDetails> {
  const summary = await inspectManifest(source, reference, tagOrDigest);
  const doc = summary.document;
  const details: TagDetails = { summary, raw: JSON.stringify(doc, null, 2), problems: [] };
  const config = doc.config;
  const layers = doc.layers ?? [];
  if (summary.kind === 'image' && config !== undefined && IMAGE_CONFIG_TYPES.has(config.mediaType)) {
    try {
      details.config = await readConfig(source, config);
    } catch (err) {
      details.problems.push(`config: ${describe(err)}`);
    }
  } else if (summary.kind === 'helm') {
    const chart = layers.find((l) => l.mediaType === MediaType.helmChartContent);
    if (chart !== undefined && chart.size <= CHART_LAYER_LIMIT) {
      try {
        details.chart = await readChartFiles(await source.fetch(chart));
      } catch (err) {
        details.problems.push(`chart: ${describe(err)}`);
      }
    } else if (chart !== undefined) {
      details.problems.push(`chart: the chart layer is ${chart.size} bytes, more than the browser reads`);
    }
  }
  if (summary.kind !== 'image' && summary.kind !== 'index' && summary.kind !== 'helm') {
    details.files = layers.flatMap((l) => {
      const title = l.annotations?.[Annotation.title];
      return title === undefined ? [] : [{ title, size: l.size, mediaType: l.mediaType, digest: l.digest }];
    });
  }
  return details;
}
