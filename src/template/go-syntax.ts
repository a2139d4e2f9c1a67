// Parses the small Go-template subset lazyoci accepts ({{ .Var }}, if/else/end,
// written with {{ }} or << >>) into a tree, rejecting everything else.

import { TemplateError } from '../errors/index.js';

export type TemplateNode = TextNode | OutputNode | IfNode;

export interface TextNode {
  kind: 'text';
  text: string;
}

export interface OutputNode {
  kind: 'output';
  variable: string;
  /** The action as written, e.g. `{{ .Tag }}`. */
  action: string;
}

export interface IfBranch {
  variable: string;
  negated: boolean;
  action: string;
  body: TemplateNode[];
}

export interface IfNode {
  kind: 'if';
  /** The `if` branch first, then each `else if` in order. */
  branches: IfBranch[];
  elseBody: TemplateNode[] | undefined;
}

export interface VariableRef {
  /** The name after the dot, not yet checked against the known variables. */
  name: string;
  /** 'output' when the value is written out; 'test' when it only decides an `if`. */
  usage: 'output' | 'test';
  action: string;
}

export interface ParsedTemplate {
  nodes: TemplateNode[];
  refs: VariableRef[];
}

interface Delimiters {
  open: string;
  close: string;
}

/**
 * `if` blocks nested deeper than this are refused: the tree is rendered recursively and
 * a hostile template of thousands of nested ifs would overflow the stack. Real tags use one or two.
 */
export const MAX_IF_DEPTH = 100;

const CURLY: Delimiters = { open: '{{', close: '}}' };
const ANGLE: Delimiters = { open: '<<', close: '>>' };

// Go trims exactly these characters around a trim marker.
const TRIM_SPACE = /^[ \t\r\n]$/;
const LEADING_SPACE = /^[ \t\r\n]+/;
const TRAILING_SPACE = /[ \t\r\n]+$/;

type Token =
  | { kind: 'text'; text: string }
  | { kind: 'action'; raw: string; inner: string; trimBefore: boolean; trimAfter: boolean; delims: Delimiters };

/**
 * Finds action openers left to right. Each opener's next position is remembered until the
 * scan passes it, so a long template is searched once overall rather than once per action.
 */
class OpenerScanner {
  #curly = -2;
  #angle = -2;
  /** `<<` shows up in prose and shell snippets, so it only opens an action when a `>>` follows. */
  readonly #lastAngleClose: number;

  constructor(private readonly source: string) {
    this.#lastAngleClose = source.lastIndexOf(ANGLE.close);
  }

  /** The next opener at or after `from`. */
  next(from: number): { at: number; delims: Delimiters } | undefined {
    if (this.#curly !== -1 && this.#curly < from) this.#curly = this.source.indexOf(CURLY.open, from);
    if (this.#angle !== -1 && this.#angle < from) this.#angle = this.source.indexOf(ANGLE.open, from);
    const curly = this.#curly;
    const angle = this.#angle !== -1 && this.#angle + ANGLE.open.length <= this.#lastAngleClose ? this.#angle : -1;
    if (curly === -1 && angle === -1) return undefined;
    if (angle === -1 || (curly !== -1 && curly < angle)) return { at: curly, delims: CURLY };
    return { at: angle, delims: ANGLE };
  }
}

/** Shown in messages instead of the rest of a possibly huge string. */
function excerpt(text: string): string {
  return text.length <= 40 ? text : `${text.slice(0, 40)}…`;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const openers = new OpenerScanner(source);
  let pos = 0;
  for (;;) {
    const open = openers.next(pos);
    if (open === undefined) {
      if (pos < source.length) tokens.push({ kind: 'text', text: source.slice(pos) });
      return tokens;
    }
    if (open.at > pos) tokens.push({ kind: 'text', text: source.slice(pos, open.at) });
    const { delims } = open;
    const bodyStart = open.at + delims.open.length;
    const closeAt = source.indexOf(delims.close, bodyStart);
    if (closeAt === -1) {
      throw new TemplateError(`unclosed template action "${excerpt(source.slice(open.at))}": missing ${delims.close}`);
    }
    const raw = source.slice(open.at, closeAt + delims.close.length);
    let inner = source.slice(bodyStart, closeAt);
    // A trim marker is a '-' separated from the action's content by white space, as in Go.
    const trimBefore = inner.length >= 2 && inner[0] === '-' && TRIM_SPACE.test(inner[1] ?? '');
    if (trimBefore) inner = inner.slice(1);
    const trimAfter = inner.length >= 2 && inner.endsWith('-') && TRIM_SPACE.test(inner[inner.length - 2] ?? '');
    if (trimAfter) inner = inner.slice(0, -1);
    tokens.push({ kind: 'action', raw, inner: inner.trim(), trimBefore, trimAfter, delims });
    pos = closeAt + delims.close.length;
  }
}

function applyTrimMarkers(tokens: Token[]): void {
  tokens.forEach((token, i) => {
    if (token.kind !== 'action') return;
    const before = tokens[i - 1];
    if (token.trimBefore && before?.kind === 'text') before.text = before.text.replace(TRAILING_SPACE, '');
    const after = tokens[i + 1];
    if (token.trimAfter && after?.kind === 'text') after.text = after.text.replace(LEADING_SPACE, '');
  });
}

const IDENT = '([A-Za-z_][A-Za-z0-9_]*)';
const OUTPUT_RE = new RegExp(`^\\.${IDENT}$`);
const IF_RE = new RegExp(`^if\\s+(not\\s+)?\\.${IDENT}$`);
const ELSE_IF_RE = new RegExp(`^else\\s+if\\s+(not\\s+)?\\.${IDENT}$`);

interface OpenIf {
  node: IfNode;
  action: string;
  /** Where nodes go right now: the latest branch's body or the else body. */
  body: TemplateNode[];
  inElse: boolean;
  elseAction: string | undefined;
}

/** Parses a template string; throws TemplateError for anything outside the supported subset. */
export function parseTemplate(source: string): ParsedTemplate {
  const tokens = tokenize(source);
  applyTrimMarkers(tokens);

  const root: TemplateNode[] = [];
  const refs: VariableRef[] = [];
  const stack: OpenIf[] = [];
  const current = (): TemplateNode[] => stack[stack.length - 1]?.body ?? root;

  for (const token of tokens) {
    if (token.kind === 'text') {
      if (token.text !== '') current().push({ kind: 'text', text: token.text });
      continue;
    }
    const { raw, inner, delims } = token;
    const ifAction = `${delims.open} if ${delims.close}`;

    let m = OUTPUT_RE.exec(inner);
    if (m) {
      const variable = m[1] as string;
      refs.push({ name: variable, usage: 'output', action: raw });
      current().push({ kind: 'output', variable, action: raw });
      continue;
    }
    m = IF_RE.exec(inner);
    if (m) {
      const variable = m[2] as string;
      refs.push({ name: variable, usage: 'test', action: raw });
      if (stack.length >= MAX_IF_DEPTH) {
        throw new TemplateError(`"${raw}" nests if blocks deeper than ${MAX_IF_DEPTH} levels`);
      }
      const branch: IfBranch = { variable, negated: m[1] !== undefined, action: raw, body: [] };
      const node: IfNode = { kind: 'if', branches: [branch], elseBody: undefined };
      current().push(node);
      stack.push({ node, action: raw, body: branch.body, inElse: false, elseAction: undefined });
      continue;
    }
    m = ELSE_IF_RE.exec(inner);
    if (m) {
      const open = stack[stack.length - 1];
      if (open === undefined) throw new TemplateError(`"${raw}" has no matching ${ifAction}`);
      if (open.inElse) throw new TemplateError(`"${raw}" comes after "${open.elseAction ?? ''}" in the same if`);
      const variable = m[2] as string;
      refs.push({ name: variable, usage: 'test', action: raw });
      const branch: IfBranch = { variable, negated: m[1] !== undefined, action: raw, body: [] };
      open.node.branches.push(branch);
      open.body = branch.body;
      continue;
    }
    if (inner === 'else') {
      const open = stack[stack.length - 1];
      if (open === undefined) throw new TemplateError(`"${raw}" has no matching ${ifAction}`);
      if (open.inElse) throw new TemplateError(`"${raw}" is a second else in the same if`);
      open.node.elseBody = [];
      open.body = open.node.elseBody;
      open.inElse = true;
      open.elseAction = raw;
      continue;
    }
    if (inner === 'end') {
      if (stack.pop() === undefined) throw new TemplateError(`"${raw}" has no matching ${ifAction}`);
      continue;
    }
    throw new TemplateError(
      `unsupported template action "${raw}": only .Var, if, if not, else if, else and end are supported`,
    );
  }

  const unclosed = stack[stack.length - 1];
  if (unclosed !== undefined) {
    const delims = unclosed.action.startsWith(ANGLE.open) ? ANGLE : CURLY;
    throw new TemplateError(`"${unclosed.action}" has no matching ${delims.open} end ${delims.close}`);
  }
  return { nodes: root, refs };
}

/** True when the string contains something the parser would read as an action. */
export function containsAction(source: string): boolean {
  return new OpenerScanner(source).next(0) !== undefined;
}
