// The container images a packaged Helm chart names, found without Helm: its Chart.yaml
// image annotations, an image lock file, and values.yaml (`image:` strings and
// `{registry, repository, tag, digest}` maps, `global.imageRegistry`), subcharts too.
// Each image comes with where it was found.
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import * as tar from 'tar-stream';
import { parse as parseYaml } from 'yaml';
import { ContentError } from '../errors/index.js';
import { formatReference, parseReference } from '../ref/reference.js';

export interface ImageMention {
  /** The image, normalised: `docker.io/library/nginx:1.25`. */
  image: string;
  /** Where in the chart, e.g. `values.yaml .controller.image` or `charts/redis/Chart.yaml annotation images`. */
  where: string;
}

export interface ChartImages {
  /** The top-level Chart.yaml, exactly as in the archive. */
  chartYaml: Buffer;
  /** The name of the chart's top directory in the archive. */
  member: string;
  mentions: ImageMention[];
}

/** Limits on what is unpacked: a chart is kilobytes, a hostile archive must not take the memory. */
export const CHART_IMAGE_LIMITS = { unpackedBytes: 256 << 20, entries: 20_000, depth: 5 } as const;

const gunzip = promisify(zlib.gunzip) as (buf: Buffer, opts: zlib.ZlibOptions) => Promise<Buffer>;

const IMAGE_ANNOTATIONS = ['helm.sh/images', 'artifacthub.io/images', 'images'];
const LOCK_FILES = new Set(['images.lock', 'images.lock.yaml', 'images.lock.yml']);

/** Regular files of a .tgz by path, under the limits. */
async function unpack(tgz: Buffer, display: string): Promise<Map<string, Buffer>> {
  let tarball: Buffer;
  try {
    tarball = await gunzip(tgz, { maxOutputLength: CHART_IMAGE_LIMITS.unpackedBytes });
  } catch (cause) {
    const tooLarge = (cause as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    throw new ContentError(
      tooLarge ? `${display} unpacks to more than ${CHART_IMAGE_LIMITS.unpackedBytes >> 20} MiB; refusing to read it` : `${display} is not a gzip-compressed chart`,
      { cause },
    );
  }
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  let entries = 0;
  const reading = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      if (++entries > CHART_IMAGE_LIMITS.entries) throw new Error(`more than ${CHART_IMAGE_LIMITS.entries} entries`);
      if (entry.header.type === 'file' || entry.header.type === 'contiguous-file') {
        files.set(entry.header.name.replace(/^\.\//, ''), Buffer.concat(chunks));
      }
    }
  })();
  extract.end(tarball);
  try {
    await reading;
  } catch (cause) {
    throw new ContentError(`${display} is not a valid chart archive: ${(cause as Error).message}`, { cause });
  }
  return files;
}

function normalise(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim().replace(/^["']|["']$/g, '');
  if (text === '' || text.includes('{{') || text === 'null') return undefined;
  try {
    return formatReference(parseReference(text, { defaultTag: 'latest' }));
  } catch {
    return undefined;
  }
}

function yamlOf(bytes: Buffer | string | undefined): unknown {
  if (bytes === undefined) return undefined;
  try {
    return parseYaml(typeof bytes === 'string' ? bytes : bytes.toString('utf8'), { maxAliasCount: 1000 });
  } catch {
    return undefined;
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  if (typeof v === 'number') return String(v);
  return undefined;
}

/** `[a, b]` or `[{image: a}, {name: x, image: b}]` (Artifact Hub's form, lock files). */
function imageList(value: unknown): unknown[] {
  if (!Array.isArray(value)) return [];
  return value.map((item) => (isMap(item) ? item.image : item));
}

function pathText(path: (string | number)[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_][A-Za-z0-9_-]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`)).join('');
}

/** `{registry, repository, tag, digest}` as Bitnami's and most charts' image helpers compose it. */
function composeImage(map: Record<string, unknown>, globalRegistry: string | undefined, appVersion: string | undefined): string | undefined {
  const repository = scalar(map.repository);
  if (repository === undefined) return undefined;
  const registry = globalRegistry ?? scalar(map.registry);
  const digest = scalar(map.digest);
  const tag = scalar(map.tag) ?? appVersion ?? 'latest';
  const name = registry === undefined ? repository : `${registry}/${repository}`;
  return digest !== undefined ? `${name}@${digest}` : `${name}:${tag}`;
}

function valuesImages(values: unknown, ctx: { globalRegistry: string | undefined; appVersion: string | undefined; file: string }, add: (raw: unknown, where: string) => void): void {
  const walk = (node: unknown, path: (string | number)[], depth: number): void => {
    if (depth > 64) return;
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, [...path, i], depth + 1));
      return;
    }
    if (!isMap(node)) return;
    for (const [key, value] of Object.entries(node)) {
      const here = [...path, key];
      if (/image$/i.test(key)) {
        if (typeof value === 'string') add(value, `${ctx.file} ${pathText(here)}`);
        else if (isMap(value)) {
          const composed = composeImage(value, ctx.globalRegistry, ctx.appVersion);
          if (composed !== undefined) add(composed, `${ctx.file} ${pathText(here)}`);
        }
      }
      walk(value, here, depth + 1);
    }
  };
  walk(values, [], 0);
}

/** The chart root inside an archive: the directory holding the top-level Chart.yaml. */
function chartRoot(files: Map<string, Buffer>, display: string): string {
  const roots = [...files.keys()].filter((n) => /^[^/]+\/Chart\.yaml$/.test(n));
  if (roots.length !== 1) throw new ContentError(`${display} is not a Helm chart: ${roots.length === 0 ? 'no' : 'more than one'} <chart>/Chart.yaml at its top level`);
  return roots[0]!.slice(0, -'Chart.yaml'.length);
}

async function scanChart(
  files: Map<string, Buffer>,
  root: string,
  label: string,
  inherited: { globalRegistry: string | undefined },
  depth: number,
  display: string,
  add: (raw: unknown, where: string) => void,
): Promise<void> {
  const chartYaml = yamlOf(files.get(`${root}Chart.yaml`));
  const meta = isMap(chartYaml) ? chartYaml : {};
  const annotations = isMap(meta.annotations) ? meta.annotations : {};
  for (const key of IMAGE_ANNOTATIONS) {
    const value = annotations[key];
    if (typeof value === 'string') for (const item of imageList(yamlOf(value))) add(item, `${label}Chart.yaml annotation ${key}`);
  }
  for (const [name, bytes] of files) {
    if (!name.startsWith(root)) continue;
    const rel = name.slice(root.length);
    if (rel.includes('/') || !LOCK_FILES.has(rel.toLowerCase())) continue;
    const lock = yamlOf(bytes);
    if (isMap(lock)) for (const item of imageList(lock.images)) add(item, `${label}${rel}`);
  }
  const values = yamlOf(files.get(`${root}values.yaml`));
  const global = isMap(values) && isMap(values.global) ? values.global : {};
  // A parent's globals reach its subcharts, as Helm merges them.
  const globalRegistry = inherited.globalRegistry ?? scalar(global.imageRegistry);
  const appVersion = scalar(meta.appVersion);
  valuesImages(values, { globalRegistry, appVersion, file: `${label}values.yaml` }, add);

  if (depth >= CHART_IMAGE_LIMITS.depth) return;
  const subRoots = new Set<string>();
  for (const name of files.keys()) {
    const m = new RegExp(`^${escapeRegExp(root)}charts/([^/]+)/Chart\\.yaml$`).exec(name);
    if (m !== null) subRoots.add(m[1]!);
  }
  for (const sub of [...subRoots].sort()) {
    await scanChart(files, `${root}charts/${sub}/`, `${label}charts/${sub}/`, { globalRegistry }, depth + 1, display, add);
  }
  for (const [name, bytes] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const m = new RegExp(`^${escapeRegExp(root)}charts/([^/]+\\.tgz)$`).exec(name);
    if (m === null) continue;
    const inner = await unpack(bytes, `${display}:${name}`);
    const innerRoot = chartRoot(inner, `${display}:${name}`);
    await scanChart(inner, innerRoot, `${label}charts/${m[1]!}:`, { globalRegistry }, depth + 1, display, add);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every image a chart archive names, each with the places it was found, in first-found order. */
export async function findChartImages(tgz: Buffer, display: string): Promise<ChartImages> {
  const files = await unpack(tgz, display);
  const root = chartRoot(files, display);
  const out: ImageMention[] = [];
  const seen = new Set<string>();
  const add = (raw: unknown, where: string): void => {
    const image = normalise(raw);
    if (image === undefined) return;
    const key = `${image}\u0000${where}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ image, where });
  };
  await scanChart(files, root, '', { globalRegistry: undefined }, 0, display, add);
  return { chartYaml: files.get(`${root}Chart.yaml`)!, member: `${root}Chart.yaml`, mentions: out };
}
