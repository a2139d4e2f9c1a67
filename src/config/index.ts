// Public API of the .lazy configuration: find the file, load it into a LazyFile, print its schema.
export { findLazyFile, LAZY_FILE_NAME } from './find-lazy-file.js';
export type { FindLazyFileOptions } from './find-lazy-file.js';
export { displayPathFor, inspectLazyFile, loadLazyFile, sortProblems } from './load-lazy-file.js';
export type { InspectedLazyFile, LoadLazyFileOptions, UnresolvedArtifact } from './load-lazy-file.js';
export { createSchemaValidator, formatPath, readSchema, schemaPath } from './validate-schema.js';
export type { SchemaProblem, SchemaValidator } from './validate-schema.js';
export { projectDir, resolveProjectPath } from './resolve-paths.js';
export type { PathKind, PathRequest, PathResult, ProjectDir } from './resolve-paths.js';
export { locate, parseYamlSource, positionAt } from './yaml-source.js';
export type { JsonPath, NodeLocation, Position, YamlProblem, YamlSource } from './yaml-source.js';
export type {
  ArtifactConfig,
  ArtifactType,
  DockerArtifactConfig,
  FileEntry,
  FilesArtifactConfig,
  HelmArtifactConfig,
  ImageArtifactConfig,
  LazyFile,
  Located,
  TargetConfig,
} from './types.js';
