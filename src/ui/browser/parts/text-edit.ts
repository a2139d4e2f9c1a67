// One line of editable text with a cursor, as the browser's prompts and form fields edit
// it: typing and pasting, backspace, arrows, Home/End, and the readline keys people expect.
import type { Key } from 'ink';

export interface TextState {
  value: string;
  /** 0..value.length, in UTF-16 units. */
  cursor: number;
}

export function textAtEnd(value: string): TextState {
  return { value, cursor: value.length };
}

/** Pasted text arrives as one input: keep one line of printable characters. */
function printable(input: string): string {
  return input.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

/** The new state, or undefined when the key is not an editing key (the caller handles it). */
export function editText(state: TextState, input: string, key: Key): TextState | undefined {
  const { value, cursor } = state;
  // Ink names the Backspace key (DEL, 0x7f) `delete`; both erase before the cursor.
  if (key.backspace || key.delete) {
    if (cursor === 0) return state;
    return { value: value.slice(0, cursor - 1) + value.slice(cursor), cursor: cursor - 1 };
  }
  if (key.leftArrow) return { value, cursor: Math.max(0, cursor - 1) };
  if (key.rightArrow) return { value, cursor: Math.min(value.length, cursor + 1) };
  if (key.home || (key.ctrl && input === 'a')) return { value, cursor: 0 };
  if (key.end || (key.ctrl && input === 'e')) return { value, cursor: value.length };
  if (key.ctrl && input === 'u') return { value: value.slice(cursor), cursor: 0 };
  if (key.ctrl && input === 'k') return { value: value.slice(0, cursor), cursor };
  if (key.ctrl && input === 'w') {
    const start = value.slice(0, cursor).replace(/[^\s/:@]*[\s/:@]?$/, '').length;
    return { value: value.slice(0, start) + value.slice(cursor), cursor: start };
  }
  if (key.ctrl || key.meta || key.return || key.escape || key.tab || key.upArrow || key.downArrow || key.pageUp || key.pageDown) return undefined;
  const text = printable(input);
  if (text === '') return undefined;
  return { value: value.slice(0, cursor) + text + value.slice(cursor), cursor: cursor + text.length };
}

const NO_KEY: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false,
  home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false,
  backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false,
};

/**
 * Keys that reached ink in one chunk (a paste, a fast `tmux send-keys`, a slow link) come
 * as one input with no key flag set: "alice\tsecret" would be typed into one field, the
 * password drawn in clear. Split such a chunk at its Tabs, so a form moves from field to
 * field as a person typing would. Line ends stay in the text runs, where editText drops
 * them: a paste never confirms.
 */
export function splitChunk(input: string, key: Key): Array<{ input: string; key: Key }> {
  if (input.length <= 1 || key.ctrl || key.meta || !input.includes('\t')) return [{ input, key }];
  const keys: Array<{ input: string; key: Key }> = [];
  for (const piece of input.split(/(\t)/)) {
    if (piece === '\t') keys.push({ input: '', key: { ...NO_KEY, tab: true } });
    else if (piece !== '') keys.push({ input: piece, key: NO_KEY });
  }
  return keys;
}
