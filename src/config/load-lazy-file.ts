// Reads a .lazy file and turns it into a LazyFile: YAML with positions, the JSON Schema,
// path checks and duplicate names, every problem collected into one ConfigError.
import path from 'node:path';
import { ConfigError } from '../errors/index.js';
import type { ConfigProblem, SourceLocation } from '../errors/index.js';
import { readCappedText } from './read-capped-text.js';
import { projectDir, resolveProjectPath } from './resolve-paths.js';
import type { PathKind, ProjectDir } from './resolve-paths.js';
import type {
  ArtifactConfig,
  DockerArtifactConfig,
  FileEntry,
  FilesArtifactConfig,
  HelmArtifactConfig,
  ImageArtifactConfig,
  LazyFile,
  Located,
  TargetConfig,
} from './types.js';
import { createSchemaValidator, formatPath } from './validate-schema.js';
import { locate, parseYamlSource } from './yaml-source.js';
import type { JsonPath, YamlSource } from './yaml-source.js';

export interface LoadLazyFileOptions {
  /** Directory messages are relative to; defaults to process.cwd(). */
  cwd?: string;
  /** Larger files are refused; defaults to MAX_LAZY_FILE_BYTES. */
  maxBytes?: number;
}

/**
 * A .lazy file is a few kilobytes. Loading is linear, but a 50 MB file still takes about
 * a minute and gigabytes of memory (every YAML node is an object), so past this it is refused.
 */
export const MAX_LAZY_FILE_BYTES = 4 * 1024 * 1024;

// The shapes the schema guarantees for an artifact it accepted.
interface RawTarget {
  registry: string;
  tags: string[];
}
interface RawArtifact {
  type: ArtifactConfig['type'];
  name?: string;
  annotations?: Record<string, string>;
  targets?: RawTarget[];
  subject?: string;
  mediaType?: string;
  files?: { path: string; mediaType?: string }[];
  chartPath?: string;
  dockerfile?: string;
  context?: string;
  platforms?: string[];
  buildArgs?: Record<string, string>;
  builder?: ImageArtifactConfig['builder'];
  image?: string;
  archive?: string;
}

/** The path as shown in messages: relative to cwd when inside it, else absolute. */
export function displayPathFor(absFile: string, cwd: string): string {
  const rel = path.relative(cwd, absFile);
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? absFile : rel;
}

export function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.line - b.p.line || a.p.col - b.p.col || a.i - b.i)
    .map(({ p }) => p);
}

class Builder {
  readonly problems: ConfigProblem[] = [];
  /** Artifacts dropped for path problems; their templates can still be checked. */
  readonly unresolved: UnresolvedArtifact[] = [];

  constructor(
    private readonly source: YamlSource,
    private readonly displayPath: string,
    private readonly project: ProjectDir,
  ) {}

  loc(p: JsonPath, key = false): SourceLocation {
    const { line, col } = locate(this.source, p, { key }).pos;
    return { file: this.displayPath, line, col };
  }

  located<T>(value: T, p: JsonPath): Located<T> {
    return { value, loc: this.loc(p) };
  }

  locatedMap(values: Record<string, string> | undefined, p: JsonPath): Record<string, Located<string>> {
    const out: Record<string, Located<string>> = {};
    for (const [k, v] of Object.entries(values ?? {})) out[k] = this.located(v, [...p, k]);
    return out;
  }

  /** Resolves one path field; undefined (with a problem recorded) when it is unusable. */
  async resolve(value: string, kind: PathKind, fieldPath: JsonPath, loc: SourceLocation): Promise<string | undefined> {
    const res = await resolveProjectPath(this.project, { value, kind, field: formatPath(fieldPath), loc });
    if (res.ok) return res.absPath;
    this.problems.push(res.problem);
    return undefined;
  }

  async artifact(raw: RawArtifact, index: number): Promise<ArtifactConfig | undefined> {
    const built = await this.#artifact(raw, index);
    if (built.artifact === undefined) this.unresolved.push(built.base);
    return built.artifact;
  }

  async #artifact(raw: RawArtifact, index: number): Promise<{ base: UnresolvedArtifact; artifact?: ArtifactConfig }> {
    const at: JsonPath = ['artifacts', index];
    const targets: TargetConfig[] = (raw.targets ?? []).map((t, ti) => {
      const tp = [...at, 'targets', ti];
      return {
        registry: this.located(t.registry, [...tp, 'registry']),
        tags: t.tags.map((tag, i) => this.located(tag, [...tp, 'tags', i])),
        loc: this.loc(tp),
      };
    });
    const base: UnresolvedArtifact = {
      index,
      type: raw.type,
      annotations: this.locatedMap(raw.annotations, [...at, 'annotations']),
      targets,
      loc: this.loc(at),
      ...(raw.name !== undefined ? { name: this.located(raw.name, [...at, 'name']) } : {}),
    };

    switch (raw.type) {
      case 'artifact': {
        const files: FileEntry[] = [];
        let ok = true;
        for (const [fi, f] of (raw.files ?? []).entries()) {
          const fp = [...at, 'files', fi, 'path'];
          const entryPath = this.located(f.path, fp);
          const absPath = await this.resolve(f.path, 'file', fp, entryPath.loc);
          if (absPath === undefined) ok = false;
          else files.push({ path: entryPath, absPath, ...(f.mediaType !== undefined ? { mediaType: f.mediaType } : {}) });
        }
        if (!ok) return { base };
        const out: FilesArtifactConfig = { ...base, type: 'artifact', files };
        if (raw.mediaType !== undefined) out.mediaType = raw.mediaType;
        if (raw.subject !== undefined) out.subject = this.located(raw.subject, [...at, 'subject']);
        return { base, artifact: out };
      }
      case 'helm': {
        const cp = [...at, 'chartPath'];
        const chartPath = this.located(raw.chartPath ?? '', cp);
        const chartDir = await this.resolve(chartPath.value, 'chart', cp, chartPath.loc);
        if (chartDir === undefined) return { base };
        const out: HelmArtifactConfig = { ...base, type: 'helm', chartPath, chartDir };
        return { base, artifact: out };
      }
      case 'image': {
        // A defaulted field has no scalar of its own; report it at the artifact.
        const dockerfile = await this.resolve(
          raw.dockerfile ?? 'Dockerfile',
          'file',
          [...at, 'dockerfile'],
          raw.dockerfile !== undefined ? this.loc([...at, 'dockerfile']) : base.loc,
        );
        const context = await this.resolve(
          raw.context ?? '.',
          'directory',
          [...at, 'context'],
          raw.context !== undefined ? this.loc([...at, 'context']) : base.loc,
        );
        if (dockerfile === undefined || context === undefined) return { base };
        const out: ImageArtifactConfig = {
          ...base,
          type: 'image',
          dockerfile,
          context,
          platforms: raw.platforms ?? [],
          buildArgs: this.locatedMap(raw.buildArgs, [...at, 'buildArgs']),
          builder: raw.builder ?? 'auto',
        };
        return { base, artifact: out };
      }
      case 'docker': {
        const out: DockerArtifactConfig = { ...base, type: 'docker' };
        if (raw.image !== undefined) out.image = raw.image;
        if (raw.archive !== undefined) {
          const ap = [...at, 'archive'];
          const archive = await this.resolve(raw.archive, 'file', ap, this.loc(ap));
          if (archive === undefined) return { base };
          out.archive = archive;
        }
        return { base, artifact: out };
      }
    }
  }
}

function duplicateNameProblems(builder: Builder, artifacts: unknown[]): ConfigProblem[] {
  const firstIndex = new Map<string, number>();
  const problems: ConfigProblem[] = [];
  artifacts.forEach((a, i) => {
    const name = a !== null && typeof a === 'object' ? (a as { name?: unknown }).name : undefined;
    if (typeof name !== 'string') return;
    const first = firstIndex.get(name);
    if (first === undefined) {
      firstIndex.set(name, i);
      return;
    }
    problems.push({
      ...builder.loc(['artifacts', i, 'name']),
      message: `artifacts[${i}].name: duplicate name "${name}" (also used by artifacts[${first}])`,
    });
  });
  return problems;
}

/** What templates need of an artifact that could not be fully resolved. */
export interface UnresolvedArtifact {
  index: number;
  type: ArtifactConfig['type'];
  name?: Located<string>;
  annotations: Record<string, Located<string>>;
  targets: TargetConfig[];
  loc: SourceLocation;
}

export interface InspectedLazyFile {
  /** The file with every artifact that passed its checks; broken ones are left out. */
  lazy: LazyFile;
  /** Every problem found, sorted by position; empty when the file is sound. */
  problems: ConfigProblem[];
  /** Artifacts left out for path problems, whose templates can still be checked. */
  unresolved: UnresolvedArtifact[];
}

/**
 * Loads, validates and resolves a .lazy file, keeping the sound artifacts next to the
 * problems so later steps (template rendering) can add theirs to the same report.
 * Throws only when the file cannot be read or parsed at all.
 */
export async function inspectLazyFile(file: string, opts: LoadLazyFileOptions = {}): Promise<InspectedLazyFile> {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const absFile = path.resolve(cwd, file);
  const displayPath = displayPathFor(absFile, cwd);
  const fail = (message: string): ConfigError => new ConfigError([{ file: displayPath, line: 1, col: 1, message }]);

  const maxBytes = opts.maxBytes ?? MAX_LAZY_FILE_BYTES;
  let text: string;
  try {
    const read = await readCappedText(absFile, maxBytes);
    if (!read.ok) throw fail(`the file is larger than ${formatLimit(maxBytes)}, the most a .lazy file may hold`);
    text = read.text;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw fail(`cannot read the file${code ? ` (${code})` : ''}`);
  }

  const source = parseYamlSource(text);
  if (source.problems.length > 0) {
    throw new ConfigError(sortProblems(source.problems.map((p) => ({ file: displayPath, ...p }))));
  }
  let data: unknown;
  try {
    data = source.doc.toJS();
  } catch (err) {
    // e.g. too many alias expansions
    throw fail(`cannot read the YAML: ${(err as Error).message}`);
  }

  const dir = path.dirname(absFile);
  const builder = new Builder(source, displayPath, await projectDir(dir));
  const broken = new Set<number>();
  for (const p of createSchemaValidator()(data)) {
    builder.problems.push({ ...builder.loc(p.path, p.atKey), message: p.message });
    if (p.path[0] === 'artifacts' && typeof p.path[1] === 'number') broken.add(p.path[1]);
  }

  const rawArtifacts = (data as { artifacts?: unknown } | null)?.artifacts;
  const artifacts: ArtifactConfig[] = [];
  if (Array.isArray(rawArtifacts)) {
    for (const [i, raw] of rawArtifacts.entries()) {
      if (broken.has(i)) continue;
      const a = await builder.artifact(raw as RawArtifact, i);
      if (a) artifacts.push(a);
    }
    builder.problems.push(...duplicateNameProblems(builder, rawArtifacts));
  }

  return {
    lazy: { file: absFile, dir, displayPath, text, artifacts },
    problems: sortProblems(builder.problems),
    unresolved: builder.unresolved,
  };
}

function formatLimit(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

/** Loads, validates and resolves a .lazy file; throws one ConfigError listing every problem. */
export async function loadLazyFile(file: string, opts: LoadLazyFileOptions = {}): Promise<LazyFile> {
  const { lazy, problems } = await inspectLazyFile(file, opts);
  if (problems.length > 0) throw new ConfigError(problems);
  return lazy;
}
