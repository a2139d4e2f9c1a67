// Packaging: turns a planned artifact into a content graph in a memory store.
// Deterministic: the same inputs give the same manifest digest (no timestamps).
import { posix } from 'node:path';
import { MemoryStore } from '../content/memory-store.js';
import { packageHelmChart } from '../content/helm-chart.js';
import { ContentError } from '../errors/index.js';
import { digestFile } from '../oci/digest.js';
import { EMPTY_CONFIG_DESCRIPTOR, EMPTY_JSON } from '../oci/empty-config.js';
import { Annotation, MediaType } from '../oci/media-types.js';
import type { Descriptor, ImageManifest } from '../oci/types.js';
import type { PlannedArtifact } from './plan.js';
import type { FilesArtifactConfig, HelmArtifactConfig, ImageArtifactConfig } from '../config/types.js';
import { selectBuilder } from '../build/select-builder.js';
import { OciLayoutStore } from '../content/oci-layout-store.js';
import { readAll, type Fetcher } from '../content/store.js';
import { isGraphNode, manifestChildren } from '../copy/manifest-children.js';

export interface PackagedArtifact {
  /** Where the graph can be read from: memory, or the layout a builder wrote. */
  store: Fetcher;
  root: Descriptor;
  manifest: Buffer;
  /** Config and layers, in manifest order. */
  blobs: Descriptor[];
  /** Bytes of every blob plus the manifest(s). */
  totalSize: number;
  /** Removes temporary files (a built image's layout); call when the pushes are done. */
  cleanup?: () => Promise<void>;
}

export interface PackageOptions {
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** Image builds are stamped with SOURCE_DATE_EPOCH, else the epoch, so a dry run's digests hold. */
function buildTimestamp(env: NodeJS.ProcessEnv): number {
  const value = Number(env.SOURCE_DATE_EPOCH);
  return Number.isInteger(value) && value >= 0 ? value : 0;
}

/** Every blob and manifest under a root in a store, each once, for sizes and counts. */
async function graphContents(store: Fetcher, root: Descriptor, rootBytes: Buffer): Promise<{ blobs: Descriptor[]; manifestBytes: number }> {
  const blobs = new Map<string, Descriptor>();
  let manifestBytes = rootBytes.length;
  const visit = async (desc: Descriptor, bytes: Buffer): Promise<void> => {
    for (const child of manifestChildren(desc, bytes)) {
      if (isGraphNode(child)) {
        const childBytes = await readAll(await store.fetch(child), 4 << 20);
        manifestBytes += childBytes.length;
        await visit(child, childBytes);
      } else blobs.set(child.digest, child);
    }
  };
  await visit(root, rootBytes);
  return { blobs: [...blobs.values()], manifestBytes };
}

async function packageImage(artifact: PlannedArtifact, config: ImageArtifactConfig, opts: PackageOptions): Promise<PackagedArtifact> {
  const builder = await selectBuilder(config.builder, opts.env);
  const safeName = artifact.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'image';
  const built = await builder.build(
    {
      dockerfile: config.dockerfile,
      context: config.context,
      platforms: artifact.platforms,
      buildArgs: artifact.buildArgs,
      tag: `localhost/lazyoci-build/${safeName}:latest`,
      timestamp: buildTimestamp(opts.env),
    },
    opts.signal === undefined ? {} : { signal: opts.signal },
  );
  try {
    const store = new OciLayoutStore(built.layoutDir);
    // The layout's ref.name annotation names the root inside that layout only.
    const root: Descriptor = { mediaType: built.root.mediaType, digest: built.root.digest, size: built.root.size };
    const manifest = await readAll(await store.fetch(root), 4 << 20);
    const { blobs, manifestBytes } = await graphContents(store, root, manifest);
    const totalSize = blobs.reduce((sum, b) => sum + b.size, manifestBytes);
    return { store, root, manifest, blobs, totalSize, cleanup: () => built.cleanup() };
  } catch (err) {
    await built.cleanup();
    throw err;
  }
}

/** Serialise with a fixed key order; the bytes are what gets digested and pushed. */
function encodeManifest(manifest: ImageManifest): Buffer {
  const ordered: ImageManifest = {
    schemaVersion: 2,
    mediaType: manifest.mediaType,
    ...(manifest.artifactType === undefined ? {} : { artifactType: manifest.artifactType }),
    config: manifest.config,
    layers: manifest.layers,
    ...(manifest.annotations === undefined || Object.keys(manifest.annotations).length === 0
      ? {}
      : { annotations: sortKeys(manifest.annotations) }),
  };
  return Buffer.from(JSON.stringify(ordered), 'utf8');
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

async function packageFiles(config: FilesArtifactConfig, annotations: Record<string, string>, store: MemoryStore) {
  store.addBytes(EMPTY_CONFIG_DESCRIPTOR, EMPTY_JSON);
  const layers: Descriptor[] = [];
  for (const file of config.files) {
    const { digest, size } = await digestFile(file.absPath).catch((err: unknown) => {
      throw new ContentError(`cannot read ${file.path.value}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
    });
    const layer: Descriptor = {
      mediaType: file.mediaType ?? MediaType.octetStream,
      digest,
      size,
      // The title is the path as written in .lazy, normalised, as oras names files.
      annotations: { [Annotation.title]: posix.normalize(file.path.value.replaceAll('\\', '/')) },
    };
    store.addFile(layer, file.absPath);
    layers.push(layer);
  }
  // image-spec 1.1: an artifact with the empty config must say what it is.
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.imageManifest,
    artifactType: config.mediaType ?? MediaType.unknownArtifact,
    config: EMPTY_CONFIG_DESCRIPTOR,
    layers,
    annotations,
  };
  return { manifest, blobs: [EMPTY_CONFIG_DESCRIPTOR, ...layers] };
}

async function packageHelm(
  config: HelmArtifactConfig,
  annotations: Record<string, string>,
  store: MemoryStore,
  displayDir: string,
) {
  const chart = await packageHelmChart(config.chartDir, { displayDir });
  const configDesc = store.addContent(MediaType.helmConfig, chart.config);
  const layer = store.addContent(MediaType.helmChartContent, chart.archive);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.imageManifest,
    config: configDesc,
    layers: [layer],
    annotations: { ...chart.annotations, ...annotations },
  };
  return { manifest, blobs: [configDesc, layer] };
}

export async function packageArtifact(artifact: PlannedArtifact, opts: PackageOptions): Promise<PackagedArtifact> {
  const { config } = artifact;
  if (config.type === 'image') return packageImage(artifact, config, opts);
  const store = new MemoryStore();
  let built: { manifest: ImageManifest; blobs: Descriptor[] };
  switch (config.type) {
    case 'artifact':
      built = await packageFiles(config, artifact.annotations, store);
      break;
    case 'helm':
      built = await packageHelm(config, artifact.annotations, store, artifact.displayDir);
      break;
    default:
      throw new ContentError(`packaging "${config.type}" artifacts is not supported by this version of lazyoci`);
  }
  const bytes = encodeManifest(built.manifest);
  const descriptor = store.addContent(built.manifest.mediaType, bytes);
  const totalSize = built.blobs.reduce((sum, b) => sum + b.size, bytes.length);
  return { store, root: descriptor, manifest: bytes, blobs: built.blobs, totalSize };
}
