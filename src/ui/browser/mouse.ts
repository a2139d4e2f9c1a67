// SGR mouse reports (`ESC [ < b ; x ; y M|m`, xterm mode 1006): wheel and clicks, taken
// out of the key input before ink sees it. Terminals that do not report the mouse
// simply never send these.

export interface MouseEvent {
  kind: 'press' | 'release' | 'wheel-up' | 'wheel-down' | 'drag';
  button: number;
  /** 0-based cell. */
  x: number;
  y: number;
}

/** Mouse reporting on: button events (1000), drag (1002), SGR coordinates (1006). */
export const MOUSE_ON = '\x1b[?1000h\x1b[?1002h\x1b[?1006h';
export const MOUSE_OFF = '\x1b[?1006l\x1b[?1002l\x1b[?1000l';

const SGR = /\x1b\[<(\d+);(\d+);(\d+)([Mm])/g;

export function parseMouse(b: number, x: number, y: number, final: string): MouseEvent {
  const base = { button: b & 3, x: x - 1, y: y - 1 };
  if ((b & 64) !== 0) return { ...base, kind: (b & 1) === 0 ? 'wheel-up' : 'wheel-down' };
  if ((b & 32) !== 0) return { ...base, kind: 'drag' };
  return { ...base, kind: final === 'M' ? 'press' : 'release' };
}

/**
 * Splits a chunk of terminal input into mouse events and the rest. A report cut at the
 * end of a chunk is kept in `pending` and finished by the next chunk.
 */
export function splitMouse(chunk: string, pending = ''): { events: MouseEvent[]; rest: string; pending: string } {
  let text = pending + chunk;
  let carry = '';
  // Only a report already begun (`ESC [ <`) is held back: a lone ESC is the Esc key.
  const partial = /\x1b\[<[\d;]*$/.exec(text);
  if (partial !== null) {
    carry = partial[0];
    text = text.slice(0, partial.index);
  }
  const events: MouseEvent[] = [];
  const rest = text.replace(SGR, (_m, b: string, x: string, y: string, final: string) => {
    events.push(parseMouse(Number(b), Number(x), Number(y), final));
    return '';
  });
  return { events, rest, pending: carry };
}

export interface MouseSource {
  subscribe(listener: (event: MouseEvent) => void): () => void;
}
