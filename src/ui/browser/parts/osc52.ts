// Copy to the clipboard with OSC 52: the terminal (even at the far end of ssh) sets its
// own clipboard from the escape sequence. tmux and GNU screen swallow unknown sequences,
// so the sequence is wrapped in their pass-through (DCS) form when running inside them.

const ESC = '\x1b';
const BEL = '\x07';
/** Past this many bytes of base64 some terminals truncate or drop the sequence (xterm's default is 100 KB). */
export const OSC52_MAX_ENCODED = 100 * 1024;
/** GNU screen cuts a DCS string at 768 bytes: the sequence is sent in pieces well below. */
const SCREEN_CHUNK = 76;

export type Multiplexer = 'tmux' | 'screen' | 'none';

export function detectMultiplexer(env: NodeJS.ProcessEnv): Multiplexer {
  if ((env.TMUX ?? '') !== '') return 'tmux';
  if ((env.TERM ?? '').startsWith('screen')) return 'screen';
  return 'none';
}

/** The bare OSC 52 sequence setting the clipboard (`c`) to `text`. */
export function osc52Sequence(text: string): string {
  return `${ESC}]52;c;${Buffer.from(text, 'utf8').toString('base64')}${BEL}`;
}

/** tmux passes a DCS `tmux;` string through when every ESC inside is doubled (needs `allow-passthrough on` in tmux ≥ 3.3). */
function wrapForTmux(sequence: string): string {
  return `${ESC}Ptmux;${sequence.replaceAll(ESC, ESC + ESC)}${ESC}\\`;
}

function wrapForScreen(sequence: string): string {
  let out = '';
  for (let i = 0; i < sequence.length; i += SCREEN_CHUNK) out += `${ESC}P${sequence.slice(i, i + SCREEN_CHUNK)}${ESC}\\`;
  return out;
}

/**
 * What to write to the terminal to put `text` on the clipboard, wrapped for the
 * multiplexer `env` shows; undefined when the text is too large to send.
 */
export function clipboardSequence(text: string, env: NodeJS.ProcessEnv, maxEncoded = OSC52_MAX_ENCODED): string | undefined {
  if (Math.ceil(Buffer.byteLength(text, 'utf8') / 3) * 4 > maxEncoded) return undefined;
  const sequence = osc52Sequence(text);
  const mux = detectMultiplexer(env);
  return mux === 'tmux' ? wrapForTmux(sequence) : mux === 'screen' ? wrapForScreen(sequence) : sequence;
}
