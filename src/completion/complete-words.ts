// Finds what the word under the cursor is — a command, a flag, a flag's value or an
// argument — from the words before it, against the command tree. No I/O.
import type { ArgumentSpec, CommandSpec, OptionSpec } from './command-tree.js';

export interface WordsSoFar {
  /** Commands from the program down: [root, browse, tags]. */
  path: CommandSpec[];
  /** Flags given so far, by name, with their last value (`true` for a switch). */
  given: Map<string, string | true>;
  /** Arguments given to the innermost command. */
  operands: string[];
}

export type Wanted =
  | { kind: 'flag' }
  /** `prefix` is `--output=` when the value is written in the same word. */
  | { kind: 'value'; option: OptionSpec; prefix: string }
  /** A subcommand or the argument at `index`; `argument` is undefined past the last. */
  | { kind: 'operand'; index: number; argument?: ArgumentSpec };

export interface Analysis extends WordsSoFar {
  wanted: Wanted;
  current: string;
}

/** Flags recognised at this depth: the command's own and every parent's (commander's default). */
export function flagsIn(path: CommandSpec[]): OptionSpec[] {
  return path.flatMap((c) => c.options);
}

function findFlag(path: CommandSpec[], flag: string): OptionSpec | undefined {
  // The innermost definition wins, as in commander.
  for (let i = path.length - 1; i >= 0; i--) {
    const found = path[i]!.options.find((o) => o.flags.includes(flag));
    if (found !== undefined) return found;
  }
  return undefined;
}

function subcommand(cmd: CommandSpec, word: string): CommandSpec | undefined {
  return cmd.commands.find((c) => c.name === word || c.aliases.includes(word));
}

/** `words` are those after the program name; the last one is the word being completed. */
export function analyseWords(root: CommandSpec, words: string[]): Analysis {
  const before = words.slice(0, -1);
  const current = words.at(-1) ?? '';
  const state: WordsSoFar = { path: [root], given: new Map(), operands: [] };
  let pending: OptionSpec | undefined;
  let onlyOperands = false;

  for (const word of before) {
    if (pending !== undefined) {
      state.given.set(pending.name, word);
      pending = undefined;
      continue;
    }
    if (!onlyOperands && word === '--') {
      onlyOperands = true;
      continue;
    }
    if (!onlyOperands && word.startsWith('-') && word !== '-') {
      const eq = word.startsWith('--') ? word.indexOf('=') : -1;
      if (eq > 0) {
        const option = findFlag(state.path, word.slice(0, eq));
        if (option !== undefined) state.given.set(option.name, word.slice(eq + 1));
        continue;
      }
      // A short flag with its value attached: -ojson.
      const short = !word.startsWith('--') && word.length > 2 ? findFlag(state.path, word.slice(0, 2)) : undefined;
      if (short !== undefined && short.value !== 'none') {
        state.given.set(short.name, word.slice(2));
        continue;
      }
      const option = findFlag(state.path, word);
      if (option === undefined) continue;
      // An optional value (`--dry-run [build]`) is not taken from the next word here:
      // what follows is completed as an argument, which is how lazyoci reads it too.
      if (option.value === 'required') pending = option;
      else state.given.set(option.name, true);
      continue;
    }
    const inner = state.path.at(-1)!;
    const sub = state.operands.length === 0 && !onlyOperands ? subcommand(inner, word) : undefined;
    if (sub !== undefined) {
      state.path.push(sub);
      state.operands = [];
    } else {
      state.operands.push(word);
    }
  }

  const wanted = ((): Wanted => {
    if (pending !== undefined) return { kind: 'value', option: pending, prefix: '' };
    if (!onlyOperands && current.startsWith('--') && current.includes('=')) {
      const eq = current.indexOf('=');
      const option = findFlag(state.path, current.slice(0, eq));
      if (option !== undefined && option.value !== 'none') return { kind: 'value', option, prefix: current.slice(0, eq + 1) };
    }
    if (!onlyOperands && current.startsWith('-')) return { kind: 'flag' };
    const inner = state.path.at(-1)!;
    const index = state.operands.length;
    const last = inner.arguments.at(-1);
    const argument = inner.arguments[index] ?? (last?.variadic === true ? last : undefined);
    return { kind: 'operand', index, ...(argument === undefined ? {} : { argument }) };
  })();
  return { ...state, wanted, current };
}

/**
 * bash splits the line at COMP_WORDBREAKS, so `host:5000/repo` arrives as `host`, `:`,
 * `5000/repo` and `--output=json` as `--output`, `=`, `json`. Glue them back, and keep
 * the last piece: bash replaces only that piece with what is offered.
 */
export function joinBashWords(pieces: string[]): { words: string[]; lastPiece: string } {
  const words: string[] = [];
  let glue = false;
  for (const piece of pieces) {
    const isBreak = piece !== '' && /^[:=]+$/.test(piece);
    if ((isBreak || glue) && words.length > 0) words[words.length - 1] += piece;
    else words.push(piece);
    glue = isBreak;
  }
  return { words: words.length === 0 ? [''] : words, lastPiece: pieces.at(-1) ?? '' };
}
