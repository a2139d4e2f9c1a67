// The image builder interface (buildx, buildah) and what every builder hands back:
// an OCI image layout in a temp dir, plus the root descriptor found in its index.json.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError } from '../errors/index.js';
import { isDigest } from '../oci/digest.js';
import { Annotation, isManifestMediaType } from '../oci/media-types.js';
import type { Descriptor, ImageIndex } from '../oci/types.js';

export interface ImageBuildRequest {
  /** Absolute Dockerfile path. */
  dockerfile: string;
  /** Absolute build context directory. */
  context: string;
  /** `os/arch[/variant]`; none builds for the host, one gives a manifest, several an index. */
  platforms: string[];
  buildArgs: Record<string, string>;
  /** Local image name used inside the builder, e.g. `localhost/lazyoci/app:build`. */
  tag: string;
  /**
   * Epoch seconds for the image's `created` times (and file times where the tool can),
   * so the same inputs give the same digests. Absent: the tool uses the current time.
   */
  timestamp?: number;
}

/** How a builder may reach a base image's registry, decided by lazyoci's own rules (spec §5). */
export interface BaseRegistryAccess {
  /** Plain HTTP or an unverified certificate is fine: a loopback registry on HTTP, --insecure, a registry saved as insecure. */
  insecure: boolean;
  /** From lazyoci's credential chain; handed to the builder in a private file, never on a command line. */
  credential?: { username: string; password: string } | { identityToken: string; username?: string };
}

/** Asked once per registry host a Dockerfile pulls from (`docker.io` for Docker Hub). */
export type BaseRegistryResolver = (host: string) => Promise<BaseRegistryAccess>;

export interface BuildRunOptions {
  signal?: AbortSignal;
  /** How to reach the registries of the Dockerfile's base images; none: the builder's own settings. */
  registries?: BaseRegistryResolver;
  /** --ca-file: a PEM bundle the builder trusts too. */
  caFile?: string;
  /** Every line the tool prints, stdout and stderr interleaved as they arrive. */
  onLog?: (line: string) => void;
}

export interface BuiltImage {
  /** An OCI image layout directory (oci-layout, index.json, blobs/sha256). */
  layoutDir: string;
  /** The `org.opencontainers.image.ref.name` of the root in index.json (buildah: `latest`). */
  refName: string;
  /** The built image manifest, or the image index for a multi-platform build. */
  root: Descriptor;
  /** Removes the layout and every other temp file of the build. Safe to call twice. */
  cleanup(): Promise<void>;
}

export interface ImageBuilder {
  readonly name: 'buildx' | 'buildah';
  build(req: ImageBuildRequest, opts?: BuildRunOptions): Promise<BuiltImage>;
}

/** The ref name every builder gives its result in the layout's index.json. */
export const BUILT_REF_NAME = 'latest';

/**
 * The descriptor in `layoutDir/index.json` named `refName`, or the only entry when
 * none carries that name (buildx writes its own names).
 */
export async function readLayoutRoot(layoutDir: string, refName: string): Promise<Descriptor> {
  let index: ImageIndex;
  try {
    index = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')) as ImageIndex;
  } catch (err) {
    throw new BuildError(`the builder did not write a readable OCI layout index.json in ${layoutDir}`, { cause: err });
  }
  const entries = Array.isArray(index.manifests) ? index.manifests : [];
  const named = entries.filter((d) => d.annotations?.[Annotation.refName] === refName);
  const candidates = named.length > 0 ? named : entries;
  if (candidates.length !== 1) {
    throw new BuildError(
      `the built OCI layout in ${layoutDir} has ${candidates.length} root entries in index.json; expected exactly one`,
    );
  }
  const root = candidates[0] as Descriptor;
  if (!isDigest(root.digest) || !isManifestMediaType(root.mediaType) || !Number.isSafeInteger(root.size)) {
    throw new BuildError(`the built OCI layout in ${layoutDir} has an unusable root ${JSON.stringify(root)}`);
  }
  return root;
}

/** The BuiltImage for a finished layout; cleanup removes `workDir`, which holds it. */
export async function builtImageFrom(workDir: string, layoutDir: string, refName: string): Promise<BuiltImage> {
  const root = await readLayoutRoot(layoutDir, refName);
  return {
    layoutDir,
    refName: root.annotations?.[Annotation.refName] ?? refName,
    root,
    cleanup: () => rm(workDir, { recursive: true, force: true }),
  };
}
