// Packaging: turns a planned artifact into a content graph lazyoci can copy: files and
// Helm charts into memory (deterministic, no timestamps), images through a builder,
// docker archives through the archive reader.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { runTool } from '../build/run-tool.js';
import { selectBuilder } from '../build/select-builder.js';
import type { BaseRegistryResolver } from '../build/builder.js';
import type { DockerArtifactConfig, FilesArtifactConfig, HelmArtifactConfig, ImageArtifactConfig } from '../config/types.js';
import { openArchive } from '../content/detect-archive.js';
import { DigestCache } from '../content/digest-cache.js';
import { packageHelmChart } from '../content/helm-chart.js';
import { encodeImageManifest } from '../content/image-manifest.js';
import { MemoryStore } from '../content/memory-store.js';
import { OciLayoutStore } from '../content/oci-layout-store.js';
import { readAll, type Fetcher } from '../content/store.js';
import { MANIFEST_LIMIT } from '../copy/copy-graph.js';
import { isGraphNode, manifestChildren } from '../copy/manifest-children.js';
import { CancelledError, ContentError, UsageError } from '../errors/index.js';
import { EMPTY_CONFIG_DESCRIPTOR, EMPTY_JSON } from '../oci/empty-config.js';
import { Annotation, MediaType } from '../oci/media-types.js';
import type { Descriptor, ImageManifest } from '../oci/types.js';
import type { PlannedArtifact } from './plan.js';

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
  /** How image builds reach their base images' registries (lazyoci's host rules and credentials). */
  baseRegistries?: BaseRegistryResolver;
  /** --ca-file, trusted by image builders too. */
  caFile?: string;
  signal?: AbortSignal;
  /** Digests of files seen before; without one every file is hashed. */
  digests?: DigestCache;
  /**
   * Called with each blob as soon as it is in the store, once packaging has spent
   * real time hashing (EARLY_UPLOAD_MIN_BYTES), so the caller can upload it while the
   * rest is hashed. Until then nothing is announced.
   */
  onBlob?: (desc: Descriptor, store: Fetcher) => void;
  /** The manifest this artifact refers to (OCI 1.1 `subject`); files artifacts only. */
  subject?: Descriptor;
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
        const childBytes = await readAll(await store.fetch(child), MANIFEST_LIMIT);
        manifestBytes += childBytes.length;
        await visit(child, childBytes);
      } else blobs.set(child.digest, child);
    }
  };
  await visit(root, rootBytes);
  return { blobs: [...blobs.values()], manifestBytes };
}

/** Package content that is already an OCI graph (a built layout, a converted archive). */
async function packageGraph(store: Fetcher, built: Descriptor, cleanup: () => Promise<void>): Promise<PackagedArtifact> {
  try {
    // A layout's ref.name annotation names the root inside that layout only.
    const root: Descriptor = { mediaType: built.mediaType, digest: built.digest, size: built.size };
    const manifest = await readAll(await store.fetch(root), MANIFEST_LIMIT);
    const { blobs, manifestBytes } = await graphContents(store, root, manifest);
    const totalSize = blobs.reduce((sum, b) => sum + b.size, manifestBytes);
    return { store, root, manifest, blobs, totalSize, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** A docker artifact: a docker-save tarball on disk, or a daemon image saved to one first. */
async function packageDocker(config: DockerArtifactConfig, opts: PackageOptions): Promise<PackagedArtifact> {
  let archive = config.archive;
  let tempDir: string | undefined;
  if (archive === undefined) {
    tempDir = await mkdtemp(join(tmpdir(), 'lazyoci-docker-save-'));
    archive = join(tempDir, 'image.tar');
    try {
      await runTool('docker', ['save', '--output', archive, config.image ?? ''], {
        env: opts.env,
        label: `docker save ${config.image ?? ''}`,
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      });
    } catch (err) {
      await rm(tempDir, { recursive: true, force: true });
      throw err;
    }
  }
  const removeTemp = async (): Promise<void> => {
    if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
  };
  let opened;
  try {
    opened = await openArchive(archive, {
      ...(config.image === undefined ? {} : { refName: config.image }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
  } catch (err) {
    await removeTemp();
    throw err;
  }
  const { content } = opened;
  if (opened.kind === 'helm-chart') {
    await content.close();
    await removeTemp();
    throw new UsageError(`${config.archive ?? archive} is a Helm chart, not a docker archive: use type: helm`);
  }
  return packageGraph(content.source, content.root, async () => {
    await content.close();
    await removeTemp();
  });
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
    {
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      ...(opts.baseRegistries === undefined ? {} : { registries: opts.baseRegistries }),
      ...(opts.caFile === undefined ? {} : { caFile: opts.caFile }),
    },
  );
  return packageGraph(new OciLayoutStore(built.layoutDir), built.root, () => built.cleanup());
}

/**
 * Early uploads begin once this much has been hashed. Below it hashing takes a few
 * milliseconds, and waiting for the root lets an unchanged push cost one HEAD (spec §5).
 */
export const EARLY_UPLOAD_MIN_BYTES = 16 << 20;

/**
 * Holds back ready blobs until packaging has hashed EARLY_UPLOAD_MIN_BYTES; from then
 * on each is passed on as it comes. A remembered or small artifact announces nothing,
 * so its push starts with the root (one HEAD when the registry has it all).
 */
function blobAnnouncer(onBlob: ((desc: Descriptor, store: Fetcher) => void) | undefined, store: Fetcher) {
  const held: Descriptor[] = [];
  let hashedBytes = 0;
  let open = false;
  return (desc: Descriptor, hashed: boolean): void => {
    if (onBlob === undefined) return;
    if (hashed) hashedBytes += desc.size;
    if (!open && hashedBytes >= EARLY_UPLOAD_MIN_BYTES) {
      open = true;
      for (const d of held.splice(0)) onBlob(d, store);
    }
    if (open) onBlob(desc, store);
    else held.push(desc);
  };
}

async function packageFiles(config: FilesArtifactConfig, annotations: Record<string, string>, store: MemoryStore, opts: PackageOptions) {
  store.addBytes(EMPTY_CONFIG_DESCRIPTOR, EMPTY_JSON);
  const announce = blobAnnouncer(opts.onBlob, store);
  announce(EMPTY_CONFIG_DESCRIPTOR, false);
  const digests = opts.digests ?? DigestCache.inMemory();
  const layers: Descriptor[] = [];
  for (const file of config.files) {
    if (opts.signal?.aborted === true) throw new CancelledError('cancelled');
    const { digest, size, hashed } = await digests.digest(file.absPath, opts.signal).catch((err: unknown) => {
      if (opts.signal?.aborted === true) throw new CancelledError('cancelled');
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
    announce(layer, hashed);
  }
  // image-spec 1.1: an artifact with the empty config must say what it is.
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.imageManifest,
    artifactType: config.mediaType ?? MediaType.unknownArtifact,
    config: EMPTY_CONFIG_DESCRIPTOR,
    layers,
    ...(opts.subject === undefined ? {} : { subject: { mediaType: opts.subject.mediaType, digest: opts.subject.digest, size: opts.subject.size } }),
    annotations,
  };
  return { manifest, blobs: [EMPTY_CONFIG_DESCRIPTOR, ...layers] };
}

async function packageHelm(
  config: HelmArtifactConfig,
  annotations: Record<string, string>,
  store: MemoryStore,
  displayDir: string,
  signal: AbortSignal | undefined,
) {
  const chart = await packageHelmChart(config.chartDir, { displayDir, ...(signal === undefined ? {} : { signal }) });
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

/**
 * Why an artifact's digest cannot be known without running something outside lazyoci
 * (an image builder, the Docker daemon), or undefined when packaging needs nothing but
 * files. A plain dry run lists such artifacts instead of packaging them.
 */
export function externalPackagingReason(artifact: PlannedArtifact): string | undefined {
  const { config } = artifact;
  if (config.type === 'image') return 'not computed: the image is built only by --dry-run=build or a real build';
  if (config.type === 'docker' && config.archive === undefined) {
    return `not computed: ${config.image ?? 'the image'} is read from the Docker daemon only by --dry-run=build or a real build`;
  }
  return undefined;
}

export async function packageArtifact(artifact: PlannedArtifact, opts: PackageOptions): Promise<PackagedArtifact> {
  const { config } = artifact;
  if (config.type === 'image') return packageImage(artifact, config, opts);
  if (config.type === 'docker') return packageDocker(config, opts);
  const store = new MemoryStore();
  let built: { manifest: ImageManifest; blobs: Descriptor[] };
  switch (config.type) {
    case 'artifact':
      built = await packageFiles(config, artifact.annotations, store, opts);
      break;
    case 'helm':
      built = await packageHelm(config, artifact.annotations, store, artifact.displayDir, opts.signal);
      break;
  }
  const bytes = encodeImageManifest(built.manifest);
  const descriptor = store.addContent(built.manifest.mediaType, bytes);
  const totalSize = built.blobs.reduce((sum, b) => sum + b.size, bytes.length);
  return { store, root: descriptor, manifest: bytes, blobs: built.blobs, totalSize };
}
