// The shape of a loaded, validated mirror.yaml (schemas/mirror.schema.json).
import type { SourceLocation } from '../errors/index.js';
import type { PlatformSpec } from '../oci/platform.js';
import type { Reference } from '../ref/reference.js';

export interface MirrorTarget {
  /** As written, e.g. `registry.example.com/mirror`. */
  url: string;
  /** The host part of `url`, as references normalise it. */
  registry: string;
  /** The path part of `url` ('' when none). */
  prefix: string;
  insecure: boolean;
  chartsPrefix: string;
}

export type UpstreamType = 'repo' | 'oci' | 'local';

export interface MirrorUpstream {
  key: string;
  type: UpstreamType;
  chart: string;
  versions: string[];
  /** type repo: the chart repository URL. */
  repo?: string;
  /** type oci: host/path the chart lives under, without `oci://`. */
  registry?: string;
  /** type local: the chart directory, absolute. */
  path?: string;
  loc: SourceLocation;
}

export interface ImageSet {
  /** The repository, no tag or digest. */
  source: Reference;
  tags?: string[];
  semver?: string;
  regex?: RegExp;
  latest?: number;
  platforms?: PlatformSpec[];
  loc: SourceLocation;
}

export interface MirrorFile {
  file: string;
  dir: string;
  displayPath: string;
  target: MirrorTarget;
  upstreams: MirrorUpstream[];
  images: ImageSet[];
}
