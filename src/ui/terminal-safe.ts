// Makes text from registries and files safe to print on a terminal: control characters
// become visible escapes (`\x1b`, `\n`), so a tag, annotation or error message cannot set
// the window title, clear the screen, colour the output or fake extra lines.
// Free of imports: the live view's thread loads it too.

// C0 controls, DEL and C1 controls (0x9b is a one-byte CSI); the bidirectional marks,
// embeddings, overrides and isolates that reorder what is shown; line and paragraph
// separators, which some terminals and viewers break lines at.
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_EXCEPT_NEWLINE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One value on one line: every control character, newlines included, shown escaped. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** Text laid out in lines by lazyoci itself: its newlines stay, every other control is escaped. */
export function terminalSafeLines(text: string): string {
  return text.replace(UNSAFE_EXCEPT_NEWLINE, visible);
}
