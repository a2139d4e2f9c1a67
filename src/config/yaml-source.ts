// Parses .lazy YAML keeping source positions, and maps JSON paths back to 1-based
// line/column so every later problem can point at the exact node.
import { LineCounter, isAlias, isCollection, isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Document, Node, YAMLError } from 'yaml';

export interface Position {
  line: number;
  col: number;
}

export interface YamlProblem extends Position {
  message: string;
}

export type JsonPath = readonly (string | number)[];

export interface YamlSource {
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** Syntax errors and warnings; when non-empty the document must not be used. */
  problems: YamlProblem[];
}

export interface NodeLocation {
  /** The node found, or the nearest existing ancestor when the path does not exist. */
  node: Node | null;
  pos: Position;
  /** True when the whole path exists. */
  exact: boolean;
}

export function parseYamlSource(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    // yaml would otherwise call process.emitWarning for odd keys; we report them ourselves.
    logLevel: 'error',
  });
  const source: YamlSource = { text, doc, lineCounter, problems: [] };
  for (const err of [...doc.errors, ...doc.warnings]) source.problems.push(yamlErrorProblem(source, err));
  if (doc.errors.length === 0) source.problems.push(...collectionKeyProblems(source));
  return source;
}

export function positionAt(source: YamlSource, offset: number): Position {
  const { line, col } = source.lineCounter.linePos(Math.max(0, offset));
  return { line, col };
}

function nodePos(source: YamlSource, node: Node | null | undefined): Position | undefined {
  const start = node?.range?.[0];
  return start === undefined ? undefined : positionAt(source, start);
}

function isEmptyScalar(node: Node): boolean {
  return isScalar(node) && node.value === null && node.range != null && node.range[0] === node.range[1];
}

function yamlErrorProblem(source: YamlSource, err: YAMLError): YamlProblem {
  const pos = err.linePos?.[0] ?? positionAt(source, err.pos[0]);
  let message: string;
  switch (err.code) {
    case 'MULTIPLE_DOCS':
      message = 'the file holds several YAML documents (separated by ---); a .lazy file must hold exactly one';
      break;
    case 'DUPLICATE_KEY': {
      const key = keyAtOffset(source, err.pos[0]);
      message = key === undefined ? 'duplicate key in mapping' : `duplicate key "${key}"`;
      break;
    }
    default:
      message = `invalid YAML: ${err.message}`;
      if (/(^|[:\-[,]\s*)\{\{/.test(lineText(source, pos.line))) {
        message += ' (a value starting with {{ must be quoted)';
      }
  }
  return { line: pos.line, col: pos.col, message };
}

function lineText(source: YamlSource, line: number): string {
  const start = source.lineCounter.lineStarts[line - 1] ?? 0;
  const end = source.text.indexOf('\n', start);
  return source.text.slice(start, end === -1 ? undefined : end);
}

function keyAtOffset(source: YamlSource, offset: number): string | undefined {
  let found: string | undefined;
  visit(source.doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        found = String(pair.key.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

// An unquoted `{{ .Version }}` is a flow mapping whose key is another mapping; say so
// plainly instead of letting it surface later as a confusing type error.
function collectionKeyProblems(source: YamlSource): YamlProblem[] {
  const problems: YamlProblem[] = [];
  visit(source.doc, {
    Map(_, map) {
      for (const item of map.items) {
        if (!isCollection(item.key)) continue;
        const pos = nodePos(source, map) ?? { line: 1, col: 1 };
        const text = map.range ? source.text.slice(map.range[0], map.range[1]).trim() : '';
        problems.push({
          ...pos,
          message: text.startsWith('{{')
            ? `template ${text} must be quoted (YAML reads an unquoted {{ … }} as a mapping)`
            : 'a mapping key cannot itself be a mapping or a list',
        });
        return visit.SKIP;
      }
      return undefined;
    },
  });
  return problems;
}

/**
 * The YAML node at a JSON path and its position. With `key`, a mapping entry is
 * located at its key (for "unknown field" problems). A missing path falls back to
 * the nearest existing ancestor, so a missing required field points at its parent mapping.
 */
export function locate(source: YamlSource, path: JsonPath, opts: { key?: boolean } = {}): NodeLocation {
  const { doc } = source;
  const fallback: Position = { line: 1, col: 1 };
  let node: Node | null = (doc.contents as Node | null) ?? null;
  let pos = nodePos(source, node) ?? fallback;
  let keyPos: Position | undefined;

  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isAlias(node)) node = (node.resolve(doc) as Node | undefined) ?? null;
    let next: Node | null = null;
    let nextKeyPos: Position | undefined;
    let found = false;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) === String(seg) : false),
      );
      if (pair) {
        found = true;
        next = (pair.value as Node | null) ?? null;
        nextKeyPos = nodePos(source, pair.key as Node);
      }
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item !== undefined) {
        found = true;
        next = (item as Node | null) ?? null;
      }
    }
    if (!found) return { node, pos, exact: false };
    keyPos = nextKeyPos;
    const last = i === path.length - 1;
    if (last && opts.key && keyPos) return { node: next, pos: keyPos, exact: true };
    const p = nodePos(source, next) ?? keyPos;
    if (next === null || p === undefined || isEmptyScalar(next)) {
      // A key with no value (`chartPath:`): point at the key.
      return { node: next, pos: keyPos ?? pos, exact: last };
    }
    node = next;
    pos = p;
  }
  return { node, pos, exact: true };
}
