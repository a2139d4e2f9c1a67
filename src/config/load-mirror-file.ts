// Reads a mirror.yaml the way a .lazy is read: YAML with positions, the JSON Schema
// (schemas/mirror.schema.json), then the checks a schema cannot make (references,
// URLs, ranges, expressions, chart directories) — every problem at once, located.
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Ajv } from 'ajv';
import validRange from 'semver/ranges/valid.js';
import { ConfigError, type ConfigProblem, type SourceLocation } from '../errors/index.js';
import { parsePlatform } from '../oci/platform.js';
import { packageRoot } from '../package-root.js';
import { parseReference, type Reference } from '../ref/reference.js';
import { displayPathFor, sortProblems } from './load-lazy-file.js';
import type { ImageSet, MirrorFile, MirrorTarget, MirrorUpstream, UpstreamType } from './mirror-types.js';
import { readCappedText } from './read-capped-text.js';
import { AJV_OPTIONS } from './schema-options.js';
import { formatPath, toProblems } from './validate-schema.js';
import { locate, parseYamlSource, type JsonPath, type YamlSource } from './yaml-source.js';

export const MIRROR_FILE_NAME = 'mirror.yaml';
const MAX_MIRROR_FILE_BYTES = 4 * 1024 * 1024;

export function mirrorSchemaPath(): string {
  return path.join(packageRoot(import.meta.url), 'schemas', 'mirror.schema.json');
}

interface RawUpstream {
  type: UpstreamType;
  chart: string;
  repo?: string;
  registry?: string;
  path?: string;
  versions?: string[];
}
interface RawImageSet {
  source: string;
  tags?: string[];
  semver?: string;
  regex?: string;
  latest?: number;
  platforms?: string[];
}
interface RawMirror {
  target: { url: string; insecure?: boolean; 'charts-prefix'?: string };
  upstreams?: Record<string, RawUpstream>;
  images?: RawImageSet[];
}

class Problems {
  readonly list: ConfigProblem[] = [];
  constructor(
    private readonly source: YamlSource,
    private readonly file: string,
  ) {}

  loc(p: JsonPath, key = false): SourceLocation {
    const { line, col } = locate(this.source, p, { key }).pos;
    return { file: this.file, line, col };
  }

  add(p: JsonPath, message: string, key = false): void {
    this.list.push({ ...this.loc(p, key), message: `${formatPath(p)}: ${message}` });
  }
}

/** `host[:port][/path]` → registry and path; undefined (with a problem) when it is not one. */
function parseTargetUrl(url: string, problems: Problems): { registry: string; prefix: string } | undefined {
  if (/^[a-z]+:\/\//i.test(url)) {
    problems.add(['target', 'url'], `"${url}" has a scheme; write host[:port][/path] (use target.insecure for plain HTTP)`);
    return undefined;
  }
  const trimmed = url.replace(/\/+$/, '');
  const slash = trimmed.indexOf('/');
  const host = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const prefix = slash === -1 ? '' : trimmed.slice(slash + 1);
  if (!(host.includes('.') || host.includes(':') || host === 'localhost')) {
    problems.add(['target', 'url'], `"${url}" does not start with a registry host (a name with a dot or a port, or localhost)`);
    return undefined;
  }
  try {
    const ref = parseReference(`${trimmed}/x`);
    return { registry: ref.registry, prefix };
  } catch (err) {
    problems.add(['target', 'url'], `"${url}" is not a registry location: ${(err as Error).message}`);
    return undefined;
  }
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function upstream(key: string, raw: RawUpstream, dir: string, problems: Problems): Promise<MirrorUpstream | undefined> {
  const at: JsonPath = ['upstreams', key];
  const out: MirrorUpstream = { key, type: raw.type, chart: raw.chart, versions: raw.versions ?? [], loc: problems.loc(at, true) };
  let ok = true;
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(raw.chart)) {
    problems.add([...at, 'chart'], `"${raw.chart}" is not a valid chart name (lowercase letters, digits, "-", "_" and ".")`);
    ok = false;
  }
  if (raw.type === 'repo' && raw.repo !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(raw.repo);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      problems.add([...at, 'repo'], `"${raw.repo}" is not an http(s) URL`);
      ok = false;
    } else if (url.username !== '' || url.password !== '') {
      problems.add([...at, 'repo'], 'credentials in the URL are not supported (they would be written to logs and lock files)');
      ok = false;
    } else out.repo = raw.repo;
  }
  if (raw.type === 'oci' && raw.registry !== undefined) {
    const base = raw.registry.replace(/^oci:\/\//, '').replace(/\/+$/, '');
    try {
      const ref = parseReference(`${base}/${raw.chart}`);
      if (ref.tag !== undefined || ref.digest !== undefined) throw new Error('no tag or digest belongs here');
      out.registry = base;
    } catch (err) {
      problems.add([...at, 'registry'], `"${raw.registry}" is not oci://host[:port]/path: ${(err as Error).message}`);
      ok = false;
    }
  }
  if (raw.type === 'local' && raw.path !== undefined) {
    const abs = path.resolve(dir, raw.path);
    if (!(await isDirectory(abs))) {
      problems.add([...at, 'path'], `"${raw.path}" is not a directory (resolved against the mirror file's directory)`);
      ok = false;
    } else out.path = abs;
  }
  if (raw.type !== 'local' && out.versions.length === 0) {
    problems.add(at, `lists no versions; add "versions: [X.Y.Z]"`, true);
    ok = false;
  }
  return ok ? out : undefined;
}

function imageSet(raw: RawImageSet, index: number, problems: Problems): ImageSet | undefined {
  const at: JsonPath = ['images', index];
  let ok = true;
  let source: Reference | undefined;
  try {
    source = parseReference(raw.source);
    if (source.tag !== undefined || source.digest !== undefined) {
      problems.add([...at, 'source'], `"${raw.source}" names a tag or digest; give the repository and choose tags with tags/semver/regex/latest`);
      ok = false;
    }
  } catch (err) {
    problems.add([...at, 'source'], (err as Error).message);
    ok = false;
  }
  const out: Partial<ImageSet> = { loc: problems.loc(at) };
  if (raw.tags === undefined && raw.semver === undefined && raw.regex === undefined && raw.latest === undefined) {
    problems.add(at, 'needs a tag rule: tags, semver, regex or latest');
    ok = false;
  }
  if (raw.tags !== undefined && (raw.semver !== undefined || raw.regex !== undefined || raw.latest !== undefined)) {
    problems.add([...at, 'tags'], 'lists tags exactly; it cannot be combined with semver, regex or latest', true);
    ok = false;
  }
  if (raw.tags !== undefined) out.tags = raw.tags;
  if (raw.semver !== undefined) {
    if (validRange(raw.semver, { loose: true }) === null) {
      problems.add([...at, 'semver'], `"${raw.semver}" is not a semver range (e.g. ">=1.25 <2", "~1.2", "^3")`);
      ok = false;
    } else out.semver = raw.semver;
  }
  if (raw.regex !== undefined) {
    try {
      out.regex = new RegExp(raw.regex);
    } catch (err) {
      problems.add([...at, 'regex'], `not a regular expression: ${(err as Error).message}`);
      ok = false;
    }
  }
  if (raw.latest !== undefined) out.latest = raw.latest;
  if (raw.platforms !== undefined) {
    try {
      out.platforms = raw.platforms.map(parsePlatform);
    } catch (err) {
      problems.add([...at, 'platforms'], (err as Error).message);
      ok = false;
    }
  }
  return ok && source !== undefined ? ({ ...out, source } as ImageSet) : undefined;
}

/** Loads and validates a mirror.yaml; throws one ConfigError listing every problem (exit 2). */
export async function loadMirrorFile(file: string, opts: { cwd?: string } = {}): Promise<MirrorFile> {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const absFile = path.resolve(cwd, file);
  const displayPath = displayPathFor(absFile, cwd);
  const fail = (message: string): ConfigError => new ConfigError([{ file: displayPath, line: 1, col: 1, message }]);

  let text: string;
  try {
    const read = await readCappedText(absFile, MAX_MIRROR_FILE_BYTES);
    if (!read.ok) throw fail('the file is larger than 4 MiB, the most a mirror file may hold');
    text = read.text;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw fail(`cannot read the file${code ? ` (${code})` : ''}`);
  }
  const source = parseYamlSource(text);
  if (source.problems.length > 0) throw new ConfigError(sortProblems(source.problems.map((p) => ({ file: displayPath, ...p }))));
  let data: unknown;
  try {
    data = source.doc.toJS();
  } catch (err) {
    throw fail(`cannot read the YAML: ${(err as Error).message}`);
  }

  const problems = new Problems(source, displayPath);
  const schema = JSON.parse(readFileSync(mirrorSchemaPath(), 'utf8')) as Record<string, unknown>;
  const validate = new Ajv({ ...AJV_OPTIONS }).compile(schema);
  // Parts the schema refused are not checked further; the rest still are, so one run lists everything.
  const broken = new Set<string>();
  if (!validate(data)) {
    for (const p of toProblems(validate.errors ?? [], data, schema)) {
      if (p.path.length === 0) {
        const message = /mapping/.test(p.message) ? 'the file must be a YAML mapping with "target" and "upstreams" or "images"' : p.message;
        problems.list.push({ ...problems.loc(p.path, p.atKey), message });
        if (/mapping/.test(p.message)) throw new ConfigError(problems.list);
        continue;
      }
      problems.list.push({ ...problems.loc(p.path, p.atKey), message: p.message });
      broken.add(p.path[0] === 'target' ? 'target' : `${String(p.path[0])}/${String(p.path[1])}`);
    }
  }

  const raw = data as Partial<RawMirror>;
  const dir = path.dirname(absFile);
  const parsedTarget = raw.target === undefined || broken.has('target') ? undefined : parseTargetUrl(raw.target.url, problems);
  const chartsPrefix = (raw.target?.['charts-prefix'] ?? '').replace(/^\/+|\/+$/g, '');
  if (chartsPrefix !== '' && !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(chartsPrefix)) {
    problems.add(['target', 'charts-prefix'], `"${chartsPrefix}" is not a repository path (lowercase components separated by /)`);
  }
  const upstreams: MirrorUpstream[] = [];
  for (const [key, u] of Object.entries(typeof raw.upstreams === 'object' && raw.upstreams !== null ? raw.upstreams : {})) {
    if (broken.has(`upstreams/${key}`)) continue;
    const built = await upstream(key, u, dir, problems);
    if (built !== undefined) upstreams.push(built);
  }
  const images: ImageSet[] = [];
  for (const [i, s] of (Array.isArray(raw.images) ? raw.images : []).entries()) {
    if (broken.has(`images/${i}`)) continue;
    const built = imageSet(s, i, problems);
    if (built !== undefined) images.push(built);
  }
  const upstreamsGiven = raw.upstreams !== null && typeof raw.upstreams === 'object' ? Object.keys(raw.upstreams).length : 0;
  if (upstreamsGiven === 0 && (Array.isArray(raw.images) ? raw.images.length : 0) === 0 && broken.size === 0) {
    problems.list.push({ file: displayPath, line: 1, col: 1, message: 'nothing to mirror: add "upstreams" (charts) or "images" (image sets)' });
  }
  if (problems.list.length > 0 || parsedTarget === undefined) throw new ConfigError(sortProblems(problems.list));

  const target: MirrorTarget = { url: raw.target!.url, ...parsedTarget, insecure: raw.target!.insecure === true, chartsPrefix };
  return { file: absFile, dir, displayPath, target, upstreams, images };
}
