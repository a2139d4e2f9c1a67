// Parses .lazy YAML keeping source positions, and maps JSON paths back to 1-based
// line/column so every later problem can point at the exact node.
import { Composer, LineCounter, Parser, isAlias, isCollection, isMap, isPair, isScalar, isSeq, visit } from 'yaml';
import type { CST, Document, DocumentOptions, Node, ParseOptions, Pair, SchemaOptions, YAMLError, YAMLMap } from 'yaml';
import { YAMLParseError } from 'yaml';

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
  /** Each mapping's pairs by key, built on first lookup so locating a path stays linear overall. */
  pairIndex: WeakMap<YAMLMap, Map<string, Pair>>;
}

/**
 * Lists and mappings nested deeper than this are refused before the document is composed:
 * yaml composes (and we walk) nodes recursively, and a hostile `[[[[…]]]]` would otherwise
 * overflow the stack. A real .lazy nests about six levels.
 */
export const MAX_YAML_DEPTH = 100;

const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  prettyErrors: false,
  // yaml checks duplicate keys by comparing each key with every earlier one, which is
  // quadratic in a mapping's size; duplicateKeyProblems does the same check in one pass.
  uniqueKeys: false,
  // yaml would otherwise call process.emitWarning for odd keys; we report them ourselves.
  logLevel: 'error',
};

export interface NodeLocation {
  /** The node found, or the nearest existing ancestor when the path does not exist. */
  node: Node | null;
  pos: Position;
  /** True when the whole path exists. */
  exact: boolean;
}

export function parseYamlSource(text: string): YamlSource {
  const lineCounter = new LineCounter();
  // The CST parser keeps its own stack (no recursion), so the depth can be checked
  // on its tokens before anything recursive sees them.
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  const tooDeepAt = firstOffsetDeeperThan(tokens, MAX_YAML_DEPTH);
  const doc = composeFirstDocument(tooDeepAt === undefined ? tokens : [], text.length);
  const source: YamlSource = { text, doc, lineCounter, problems: [], pairIndex: new WeakMap() };
  if (tooDeepAt !== undefined) {
    source.problems.push({
      ...positionAt(source, tooDeepAt),
      message: `lists and mappings nest deeper than ${MAX_YAML_DEPTH} levels here; a .lazy file needs only a few`,
    });
    return source;
  }
  for (const err of [...doc.errors, ...doc.warnings]) source.problems.push(yamlErrorProblem(source, err));
  source.problems.push(...duplicateKeyProblems(source));
  if (doc.errors.length === 0) source.problems.push(...collectionKeyProblems(source));
  return source;
}

/** What yaml's parseDocument does, from tokens already parsed. */
function composeFirstDocument(tokens: CST.Token[], length: number): Document.Parsed {
  let doc: Document.Parsed | undefined;
  for (const next of new Composer(YAML_OPTIONS).compose(tokens, true, length)) {
    if (doc === undefined) {
      doc = next;
    } else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'several documents'));
      break;
    }
  }
  // compose(…, forceDoc = true) always yields at least one document.
  return doc as Document.Parsed;
}

/** The offset of the first collection nested deeper than `limit`, walking the CST without recursion. */
function firstOffsetDeeperThan(tokens: CST.Token[], limit: number): number | undefined {
  const pending: { token: CST.Token; depth: number }[] = tokens.map((token) => ({ token, depth: 0 }));
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { token, depth } = next;
    switch (token.type) {
      case 'document':
        if (token.value) pending.push({ token: token.value, depth });
        break;
      case 'block-map':
      case 'block-seq':
      case 'flow-collection': {
        if (depth + 1 > limit) return token.offset;
        for (const item of token.items as { key?: CST.Token | null; value?: CST.Token }[]) {
          if (item.key) pending.push({ token: item.key, depth: depth + 1 });
          if (item.value) pending.push({ token: item.value, depth: depth + 1 });
        }
        break;
      }
      default:
        break;
    }
  }
  return undefined;
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

/**
 * Keys that repeat in one mapping, located at the repeat. Keys are compared as the text
 * they become in the loaded data, so `1` and `"1"` clash too (one would silently win).
 */
function duplicateKeyProblems(source: YamlSource): YamlProblem[] {
  const problems: YamlProblem[] = [];
  visit(source.doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (seen.has(key)) {
          problems.push({ ...(nodePos(source, pair.key) ?? { line: 1, col: 1 }), message: `duplicate key "${key}"` });
        }
        seen.add(key);
      }
    },
  });
  return problems;
}

/** The mapping's pair for a key (the first one when a key repeats). */
function pairFor(source: YamlSource, map: YAMLMap, key: string): Pair | undefined {
  let index = source.pairIndex.get(map);
  if (index === undefined) {
    index = new Map();
    for (const pair of map.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const k = String(pair.key.value);
      if (!index.has(k)) index.set(k, pair as Pair);
    }
    source.pairIndex.set(map, index);
  }
  return index.get(key);
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
      const pair = pairFor(source, node as YAMLMap, String(seg));
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
