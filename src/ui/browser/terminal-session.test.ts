// Lending the terminal to a pager: suspend leaves the alternate screen and drops ink's
// frames, a SIGINT meanwhile (Ctrl-C in the pager) does not end the browser, resume
// takes the screen back. Streams stand in for the terminal; tmux runs the real one
// (test/browser-actions-tui.test.ts).
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startTerminalSession } from './terminal-session.js';

function fakeTerminal() {
  const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
  const written: string[] = [];
  const stdout = { write: (chunk: string) => (written.push(String(chunk)), true), columns: 80, rows: 24, isTTY: true } as unknown as NodeJS.WriteStream;
  return { stdin, stdout, written };
}

describe('terminal session: suspend and resume', () => {
  it('leaves the alternate screen, drops frames while suspended, ignores SIGINT then, and takes the screen back', () => {
    const { stdin, stdout, written } = fakeTerminal();
    const fatal: number[] = [];
    const session = startTerminalSession({ stdin, stdout, mouse: true, onFatal: (code) => void fatal.push(code) });
    try {
      expect(written.join('')).toContain('\x1b[?1049h');
      session.output.write('frame 1');
      expect(written.at(-1)).toBe('frame 1');
      session.suspend();
      expect(written.at(-1)).toContain('\x1b[?1049l');
      expect(written.at(-1)).toContain('\x1b[?25h');
      const before = written.length;
      session.output.write('frame drawn over the pager');
      expect(written.length).toBe(before);
      process.emit('SIGINT');
      expect(fatal).toEqual([]);
      session.resume();
      expect(written.at(-1)).toContain('\x1b[?1049h');
      expect(written.at(-1)).toContain('\x1b[?25l');
      session.output.write('frame 2');
      expect(written.at(-1)).toBe('frame 2');
      // Outside a pager, SIGINT (kill -INT) ends the session as before.
      process.emit('SIGINT');
      expect(fatal).toEqual([130]);
    } finally {
      session.restore();
    }
  });
});
