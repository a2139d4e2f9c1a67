// The validated .lazy file. Strings that later steps may reject (templates, paths)
// keep their source location so those errors can still point at FILE:LINE:COL.
import type { SourceLocation } from '../errors/index.js';

export interface Located<T> {
  value: T;
  loc: SourceLocation;
}

export type ArtifactType = 'image' | 'helm' | 'artifact' | 'docker';

export interface TargetConfig {
  /** Template source of `host[:port]/repository` or `oci-layout:PATH`. */
  registry: Located<string>;
  /** Template sources of the tags, in order. */
  tags: Located<string>[];
  loc: SourceLocation;
}

interface ArtifactBase {
  /** Zero-based position in `artifacts`. */
  index: number;
  name?: Located<string>;
  /** Annotation values are template sources. */
  annotations: Record<string, Located<string>>;
  targets: TargetConfig[];
  loc: SourceLocation;
}

export interface FileEntry {
  path: Located<string>;
  /** Absolute path, already checked to exist, be a regular file and stay inside the project. */
  absPath: string;
  mediaType?: string;
}

export interface FilesArtifactConfig extends ArtifactBase {
  type: 'artifact';
  mediaType?: string;
  /** The name of the artifact this one refers to (OCI 1.1 `subject`); it then has no targets of its own. */
  subject?: Located<string>;
  files: FileEntry[];
}

export interface HelmArtifactConfig extends ArtifactBase {
  type: 'helm';
  chartPath: Located<string>;
  /** Absolute chart directory, checked to exist and hold Chart.yaml. */
  chartDir: string;
}

export interface ImageArtifactConfig extends ArtifactBase {
  type: 'image';
  /** Absolute Dockerfile path. */
  dockerfile: string;
  /** Absolute build context directory. */
  context: string;
  platforms: string[];
  buildArgs: Record<string, Located<string>>;
  builder: 'auto' | 'buildx' | 'buildah';
}

export interface DockerArtifactConfig extends ArtifactBase {
  type: 'docker';
  image?: string;
  /** Absolute path of a docker-save tarball. */
  archive?: string;
}

export type ArtifactConfig =
  | FilesArtifactConfig
  | HelmArtifactConfig
  | ImageArtifactConfig
  | DockerArtifactConfig;

export interface LazyFile {
  /** Absolute path of the .lazy file. */
  file: string;
  /** Absolute directory holding it; every relative path resolves against it. */
  dir: string;
  /** The path as it should appear in messages (relative to the cwd when inside it). */
  displayPath: string;
  /** The file's text as read, so a run computes only the variables it names. */
  text: string;
  artifacts: ArtifactConfig[];
}
