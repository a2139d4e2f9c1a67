// Reads and checks a Helm chart's Chart.yaml, reporting every problem at once with
// the line and column of the node at fault.

import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import validSemver from 'semver/functions/valid.js';
import { isMap, isScalar, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { ConfigError, ContentError, type ConfigProblem } from '../errors/index.js';

export interface ChartMetadata {
  apiVersion: 'v1' | 'v2';
  name: string;
  version: string;
  appVersion?: string;
  type?: 'application' | 'library';
  [key: string]: unknown;
}

export interface ChartYamlFile {
  /** Chart.yaml as named in messages (under displayDir when one was given). */
  file: string;
  /** The file's bytes exactly as on disk. */
  source: Buffer;
  metadata: ChartMetadata;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

type FieldKind = 'string' | 'string-list' | 'boolean' | 'map-list' | 'string-map';

// Helm decodes Chart.yaml into typed Go fields; a value of the wrong shape fails there.
const OPTIONAL_FIELDS: Record<string, FieldKind> = {
  home: 'string',
  sources: 'string-list',
  description: 'string',
  keywords: 'string-list',
  maintainers: 'map-list',
  icon: 'string',
  condition: 'string',
  tags: 'string',
  deprecated: 'boolean',
  annotations: 'string-map',
  kubeVersion: 'string',
  dependencies: 'map-list',
};

export async function readChartYaml(chartDir: string, opts?: { displayDir?: string }): Promise<ChartYamlFile> {
  const shownDir = opts?.displayDir ?? chartDir;
  const file = path.join(shownDir, 'Chart.yaml');
  let source: Buffer;
  try {
    source = await readFile(path.join(chartDir, 'Chart.yaml'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ConfigError([{ file, line: 1, col: 1, message: `Chart.yaml not found in ${shownDir}` }]);
    }
    if (code === 'EISDIR') {
      throw new ConfigError([{ file, line: 1, col: 1, message: 'Chart.yaml is a directory, not a file' }]);
    }
    throw new ContentError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  return { file, source, metadata: parseChartYaml(source.toString('utf8'), file) };
}

/** Parse Chart.yaml text; `file` is only used to name the file in problems. */
export function parseChartYaml(text: string, file: string): ChartMetadata {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  const problems: ConfigProblem[] = [];
  const at = (node: Node | null | undefined, message: string): void => {
    const offset = node?.range?.[0];
    const pos = offset === undefined ? { line: 1, col: 1 } : lineCounter.linePos(offset);
    problems.push({ file, line: pos.line, col: pos.col, message });
  };

  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const pos = err.linePos?.[0] ?? { line: 1, col: 1 };
      const summary = (err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      problems.push({ file, line: pos.line, col: pos.col, message: `invalid YAML: ${summary}` });
    }
    throw new ConfigError(problems);
  }

  const root = doc.contents;
  if (!isMap(root)) {
    at(root, 'Chart.yaml must be a mapping of fields (apiVersion, name, version, ...)');
    throw new ConfigError(problems);
  }

  const js: unknown = doc.toJS();
  const metadata: Record<string, unknown> = typeof js === 'object' && js !== null ? { ...(js as object) } : {};
  const node = (key: string): Node => (root.get(key, true) as Node | null | undefined) ?? root;

  const apiVersion = metadata.apiVersion;
  if (apiVersion === undefined || apiVersion === null) {
    at(node('apiVersion'), 'apiVersion is required (v1 or v2)');
  } else if (apiVersion !== 'v1' && apiVersion !== 'v2') {
    at(node('apiVersion'), `apiVersion must be v1 or v2, got ${JSON.stringify(apiVersion)}`);
  }

  const name = metadata.name;
  if (name === undefined || name === null || name === '') {
    at(node('name'), 'name is required');
  } else if (typeof name !== 'string') {
    at(node('name'), 'name must be a string');
  } else if (!NAME_PATTERN.test(name)) {
    at(node('name'), `name ${JSON.stringify(name)} may contain only letters, digits, ".", "_" and "-", and must start with a letter or digit`);
  }

  const version = scalarText(root, 'version', metadata.version);
  if (version === undefined && metadata.version !== undefined && metadata.version !== null) {
    at(node('version'), 'version must be a string such as 1.2.3');
  } else if (version === undefined || version === '') {
    at(node('version'), 'version is required (a SemVer 2 version such as 1.2.3)');
  } else if (!isStrictSemver(version)) {
    at(node('version'), `version ${JSON.stringify(version)} is not a valid SemVer 2 version (e.g. 1.2.3, no leading "v")`);
  } else {
    metadata.version = version;
  }

  const appVersion = scalarText(root, 'appVersion', metadata.appVersion);
  if (metadata.appVersion !== undefined && metadata.appVersion !== null) {
    if (appVersion === undefined) at(node('appVersion'), 'appVersion must be a string or a number');
    else metadata.appVersion = appVersion;
  } else {
    delete metadata.appVersion;
  }

  const type = metadata.type;
  if (type !== undefined && type !== null && type !== 'application' && type !== 'library') {
    at(node('type'), `type must be application or library, got ${JSON.stringify(type)}`);
  }

  for (const [field, kind] of Object.entries(OPTIONAL_FIELDS)) {
    const value = metadata[field];
    if (value === undefined || value === null) continue;
    const problem = shapeProblem(kind, value);
    if (problem) at(node(field), `${field} ${problem}`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return metadata as ChartMetadata;
}

/** A scalar's text as written: numbers keep their source form (1.10 stays "1.10"). */
function scalarText(root: YAMLMap, key: string, value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'number') return undefined;
  const node = root.get(key, true);
  return isScalar(node) && typeof node.source === 'string' ? node.source : String(value);
}

function isStrictSemver(v: string): boolean {
  // semver.valid tolerates a leading "v"/"=" and surrounding spaces; Chart.yaml must not.
  return /^\d/.test(v) && v.trim() === v && validSemver(v) !== null;
}

function shapeProblem(kind: FieldKind, value: unknown): string | undefined {
  const isPlainObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'string-list':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : 'must be a list of strings';
    case 'map-list':
      return Array.isArray(value) && value.every(isPlainObject) ? undefined : 'must be a list of mappings';
    case 'string-map':
      return isPlainObject(value) && Object.values(value).every((v) => typeof v === 'string')
        ? undefined
        : 'must be a mapping of string keys to string values';
  }
}
