// `lazyoci pull` as a service: resolve a reference, pick a platform from an index when
// asked, and copy the graph into an OCI image layout with the one copy engine.
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { readAll, type Fetcher } from '../content/store.js';
import { OciLayoutStore, type TagMove } from '../content/oci-layout-store.js';
import { copyGraphCounting } from './copy-counts.js';
import type { CopyEventHandler } from '../copy/events.js';
import { ContentError, UsageError } from '../errors/index.js';
import { digestHex } from '../oci/digest.js';
import { isIndexMediaType, MediaType } from '../oci/media-types.js';
import { parseManifestDocument } from '../oci/validate-manifest.js';
import { availablePlatforms, formatPlatform, parsePlatform, selectPlatform, type PlatformSpec } from '../oci/platform.js';
import type { Descriptor, ImageIndex } from '../oci/types.js';
import { formatReference, type Reference } from '../ref/reference.js';
import type { FetchedManifest } from '../registry/client/manifests.js';
import { graphTotal, type GraphTotal } from './graph-total.js';
import { ManifestCache, OverlayFetcher } from './manifest-overlay.js';
import { defaultArtifactDir, type UserSettings } from '../settings/index.js';

/** Where a pull reads from: a remote repository. */
export type PullSource = Fetcher & {
  readonly name: string;
  fetchManifest(reference: string): Promise<FetchedManifest>;
};

export interface PullOptions {
  reference: Reference;
  dest: string;
  platform?: PlatformSpec;
  concurrency?: number;
  signal?: AbortSignal;
  onEvent?: CopyEventHandler;
  /** The size of what is pulled, reported before the copy (its manifests are read first, once). */
  onTotal?: (total: GraphTotal) => void;
  /** The layout's tag pointed at other content before this pull (the pull still succeeds). */
  onTagMoved?: (move: TagMove) => void;
}

export interface PullResult {
  reference: string;
  /** The root written to the layout: the index, or the platform's manifest. */
  digest: string;
  mediaType: string;
  dest: string;
  /** Its name in the layout's index.json (org.opencontainers.image.ref.name). */
  tag: string;
  platform?: string;
  /** Blobs and manifests written, and those the layout already had. */
  copied: number;
  skipped: number;
}

/** Image configs are small JSON; anything bigger is not one. */
const CONFIG_LIMIT = 4 << 20;
const IMAGE_CONFIG_TYPES = new Set<string>([MediaType.imageConfig, 'application/vnd.docker.container.image.v1+json']);

/**
 * The layout name for a pull: the tag, or for a digest pull its hex. ref.name allows
 * `:` but the hex alone is what tools accept on every `oci:DIR:NAME` command line.
 */
export function layoutTagFor(ref: Reference): string {
  if (ref.tag !== undefined) return ref.tag;
  if (ref.digest !== undefined) return digestHex(ref.digest);
  return 'latest';
}

/** A registry host as one safe path component (`127.0.0.1:5000` → `127.0.0.1_5000`). */
function registryDirName(registry: string): string {
  return registry.replace(/[^A-Za-z0-9._-]/g, '_');
}

function expandHome(dir: string, env: NodeJS.ProcessEnv): string {
  if (dir === '~') return env.HOME ?? homedir();
  if (dir.startsWith('~/')) return join(env.HOME ?? homedir(), dir.slice(2));
  return dir;
}

/**
 * `<artifactDir>/<registry>/<repository>`. The repository passed the reference grammar
 * (lowercase components starting with a letter or digit), so it cannot climb out.
 */
export function defaultPullDest(ref: Reference, settings: UserSettings, env: NodeJS.ProcessEnv, cwd: string): string {
  const base = expandHome(settings.artifactDir ?? defaultArtifactDir(env), env);
  const root = isAbsolute(base) ? base : resolve(cwd, base);
  return join(root, registryDirName(ref.registry), ...ref.repository.split('/'));
}

/** A single image pulled with --platform must be for that platform. */
export async function checkImagePlatform(source: PullSource, manifest: FetchedManifest, wanted: PlatformSpec, reference: string): Promise<void> {
  const doc = parseManifestDocument(manifest.descriptor, manifest.bytes);
  const config: Descriptor | undefined = 'config' in doc ? doc.config : undefined;
  // Only an image config says which platform it is for; other artifacts have none.
  if (config === undefined || !IMAGE_CONFIG_TYPES.has(config.mediaType)) return;
  const configBytes = await readAll(await source.fetch(config), CONFIG_LIMIT, `${reference}: image config ${config.digest}`);
  let image: Partial<PlatformSpec>;
  try {
    image = JSON.parse(configBytes.toString('utf8')) as Partial<PlatformSpec>;
  } catch {
    throw new ContentError(`${reference}: image config ${config.digest} is not valid JSON`);
  }
  if (typeof image.os !== 'string' || typeof image.architecture !== 'string') return;
  const actual = formatPlatform({
    os: image.os,
    architecture: image.architecture,
    ...(typeof image.variant === 'string' ? { variant: image.variant } : {}),
  });
  if (selectPlatform([{ ...manifest.descriptor, platform: parsePlatform(actual) }], wanted) === undefined) {
    throw new UsageError(`${reference} is a single-platform image for ${actual}, not ${formatPlatform(wanted)}`);
  }
}

export async function pullToLayout(source: PullSource, opts: PullOptions): Promise<PullResult> {
  const ref = opts.reference;
  const reference = formatReference(ref);
  const layout = new OciLayoutStore(opts.dest, {
    source: reference,
    ...(opts.onTagMoved === undefined ? {} : { onTagMoved: opts.onTagMoved }),
  });
  // A dest that is not (or not safely) a layout is refused before anything is fetched or written.
  await layout.checkDestination();
  // A digest, when given, is what is pulled; the tag then only names it in the layout.
  const fetched = await source.fetchManifest(ref.digest ?? ref.tag ?? 'latest');
  let root = fetched.descriptor;
  let platform: string | undefined;

  if (opts.platform !== undefined) {
    if (isIndexMediaType(root.mediaType)) {
      const index = parseManifestDocument(root, fetched.bytes) as ImageIndex;
      const manifests = index.manifests;
      const picked = selectPlatform(manifests, opts.platform);
      if (picked === undefined) {
        const available = availablePlatforms(manifests);
        throw new UsageError(
          `${reference} has no ${formatPlatform(opts.platform)} image; available platforms: ${available.length > 0 ? available.join(', ') : 'none'}`,
        );
      }
      root = { mediaType: picked.mediaType, digest: picked.digest, size: picked.size };
      platform = formatPlatform(picked.platform!);
    } else {
      await checkImagePlatform(source, fetched, opts.platform, reference);
      platform = formatPlatform(opts.platform);
    }
  }

  // The manifests read here (for the total) stay in memory, and the copy reads them from there.
  const cache = new ManifestCache(source, opts.concurrency);
  cache.memory.addBytes(fetched.descriptor, fetched.bytes);
  if (opts.onTotal !== undefined) {
    const rootBytes = await cache.read(root);
    // An index's manifests, each platform's, are fetched together rather than one by one.
    await cache.readChildren(root, rootBytes);
    const total = await graphTotal(root, rootBytes, (desc) => cache.read(desc));
    if (total !== undefined) opts.onTotal(total);
  }

  const tag = layoutTagFor(ref);
  const { copied, skipped } = await copyGraphCounting(new OverlayFetcher(cache.memory, source), root, layout, [tag], {
    ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    ...(opts.onEvent === undefined ? {} : { onEvent: opts.onEvent }),
  });
  return {
    reference,
    digest: root.digest,
    mediaType: root.mediaType,
    dest: opts.dest,
    tag,
    ...(platform === undefined ? {} : { platform }),
    copied,
    skipped,
  };
}
