import { describe, expect, it } from 'vitest';
import { splitMouse } from './mouse.js';

describe('splitMouse', () => {
  it('takes SGR wheel and click reports out of the key input', () => {
    const r = splitMouse('j\x1b[<64;10;5M\x1b[<0;3;4Mk\x1b[<0;3;4m');
    expect(r.rest).toBe('jk');
    expect(r.events).toEqual([
      { kind: 'wheel-up', button: 0, x: 9, y: 4 },
      { kind: 'press', button: 0, x: 2, y: 3 },
      { kind: 'release', button: 0, x: 2, y: 3 },
    ]);
  });

  it('finishes a report cut between two chunks, and leaves a lone Esc alone', () => {
    const first = splitMouse('x\x1b[<65;1');
    expect(first.rest).toBe('x');
    const second = splitMouse(';2M', first.pending);
    expect(second.events).toEqual([{ kind: 'wheel-down', button: 1, x: 0, y: 1 }]);
    expect(splitMouse('\x1b').rest).toBe('\x1b');
    expect(splitMouse('\x1b[A').rest).toBe('\x1b[A');
  });
});
