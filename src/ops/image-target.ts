// The one image that `browse files|cat|config` look inside: a reference resolved to an
// image manifest (a platform picked from an index) and its config document.
import { readAll, type Fetcher } from '../content/store.js';
import { ContentError, UsageError } from '../errors/index.js';
import { digestBytes } from '../oci/digest.js';
import { isIndexMediaType, MediaType } from '../oci/media-types.js';
import { availablePlatforms, formatPlatform, selectPlatform, type PlatformSpec } from '../oci/platform.js';
import type { Descriptor, ImageIndex, ImageManifest } from '../oci/types.js';
import { parseManifestDocument } from '../oci/validate-manifest.js';
import type { FetchedManifest } from '../registry/client/manifests.js';

/** Where the image is read from: a remote repository. */
export type ImageSource = Fetcher & { fetchManifest(reference: string): Promise<FetchedManifest> };

/** Image configs are small JSON; anything bigger is not one. */
const CONFIG_LIMIT = 4 << 20;
export const IMAGE_CONFIG_TYPES = new Set<string>([MediaType.imageConfig, 'application/vnd.docker.container.image.v1+json']);

export interface ResolvedImage {
  /** What was asked for, as given (normalised). */
  reference: string;
  /** The image manifest's descriptor (a platform's, for an index). */
  descriptor: Descriptor;
  manifest: ImageManifest;
  /** The platform picked from an index. */
  platform?: string;
}

export interface ResolveImageOptions {
  /** --platform; without it an index gives this machine's platform, when it has one. */
  platform?: PlatformSpec;
  /** This machine's platform, from the caller (the core reads no process globals). */
  hostPlatform: PlatformSpec;
}

/** Node's `process.platform` / `process.arch` as OCI names them. */
export function ociPlatformOf(platform: string, arch: string): PlatformSpec {
  const architecture = ({ x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[arch] ?? arch;
  const os = platform === 'win32' ? 'windows' : platform;
  return { os, architecture, ...(architecture === 'arm' ? { variant: 'v7' } : {}) };
}

export async function resolveImage(source: ImageSource, reference: string, tagOrDigest: string, opts: ResolveImageOptions): Promise<ResolvedImage> {
  const fetched = await source.fetchManifest(tagOrDigest);
  let descriptor = fetched.descriptor;
  let bytes = fetched.bytes;
  let platform: string | undefined;
  let doc = parseManifestDocument(descriptor, bytes);
  if (isIndexMediaType(descriptor.mediaType) || !('config' in doc)) {
    const manifests = (doc as ImageIndex).manifests ?? [];
    const wanted = opts.platform ?? opts.hostPlatform;
    const picked = selectPlatform(manifests, wanted);
    if (picked === undefined) {
      const available = availablePlatforms(manifests);
      throw new UsageError(
        `${reference} has no ${formatPlatform(wanted)} image${opts.platform === undefined ? ' (this machine\'s platform)' : ''}; available platforms: ${available.length > 0 ? available.join(', ') : 'none'}`,
        { hint: 'pick one with --platform OS/ARCH' },
      );
    }
    platform = formatPlatform(picked.platform!);
    const child = await source.fetchManifest(picked.digest);
    descriptor = { mediaType: child.descriptor.mediaType, digest: picked.digest, size: child.descriptor.size };
    bytes = child.bytes;
    doc = parseManifestDocument(descriptor, bytes);
    if (!('config' in doc)) throw new ContentError(`${reference}: the ${platform} entry is itself an index, not an image`);
  }
  return { reference, descriptor, manifest: doc, ...(platform === undefined ? {} : { platform }) };
}

/** The image config as JSON; refused when the artifact is not a container image. */
export async function fetchImageConfig(source: ImageSource, image: ResolvedImage): Promise<Record<string, unknown>> {
  const config = image.manifest.config;
  if (!IMAGE_CONFIG_TYPES.has(config.mediaType)) {
    throw new ContentError(`${image.reference} is not a container image: its config is ${config.mediaType}`, {
      hint: 'browse manifest shows what it is',
    });
  }
  const bytes = await readAll(await source.fetch(config), CONFIG_LIMIT, `${image.reference}: image config ${config.digest}`);
  if (digestBytes(bytes) !== config.digest) throw new ContentError(`${image.reference}: image config does not match its digest ${config.digest}`);
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as unknown;
    if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) return doc as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new ContentError(`${image.reference}: image config ${config.digest} is not a JSON object`);
}
