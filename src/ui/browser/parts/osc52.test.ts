import { describe, expect, it } from 'vitest';
import { clipboardSequence, detectMultiplexer, osc52Sequence, OSC52_MAX_ENCODED } from './osc52.js';

const ref = 'localhost:5000/app:v1';
// base64 of the reference above, worked out by hand-checked Buffer: bG9jYWxob3N0OjUwMDAvYXBwOnYx
const b64 = 'bG9jYWxob3N0OjUwMDAvYXBwOnYx';

describe('OSC 52 clipboard sequence', () => {
  it('is ESC ] 52 ; c ; base64 BEL in a plain terminal', () => {
    expect(Buffer.from(ref).toString('base64')).toBe(b64);
    const seq = clipboardSequence(ref, { TERM: 'xterm-256color' })!;
    expect(Buffer.from(seq, 'latin1')).toEqual(Buffer.concat([Buffer.from([0x1b, 0x5d]), Buffer.from(`52;c;${b64}`), Buffer.from([0x07])]));
    expect(osc52Sequence(ref)).toBe(seq);
  });

  it('encodes UTF-8 text', () => {
    expect(osc52Sequence('é')).toBe('\x1b]52;c;w6k=\x07');
  });

  it('inside tmux, is a DCS tmux; passthrough with every ESC doubled, ended by ESC \\', () => {
    const seq = clipboardSequence(ref, { TMUX: '/tmp/tmux-1000/default,123,0', TERM: 'screen-256color' })!;
    expect(seq).toBe(`\x1bPtmux;\x1b\x1b]52;c;${b64}\x07\x1b\\`);
  });

  it('inside GNU screen, is sent as DCS pieces of at most 76 bytes', () => {
    const long = 'x'.repeat(120); // 160 base64 bytes, 168 with the OSC framing
    const seq = clipboardSequence(long, { TERM: 'screen.xterm-256color' })!;
    const whole = osc52Sequence(long);
    const pieces = [whole.slice(0, 76), whole.slice(76, 152), whole.slice(152)];
    expect(seq).toBe(pieces.map((p) => `\x1bP${p}\x1b\\`).join(''));
    expect(pieces[2]!.length).toBeGreaterThan(0);
  });

  it('tmux wins over a screen TERM; no multiplexer otherwise', () => {
    expect(detectMultiplexer({ TMUX: 'x', TERM: 'screen' })).toBe('tmux');
    expect(detectMultiplexer({ TMUX: '', TERM: 'screen' })).toBe('screen');
    expect(detectMultiplexer({})).toBe('none');
  });

  it('refuses text whose base64 would pass the cap, and takes text exactly at it', () => {
    const atCap = 'a'.repeat((OSC52_MAX_ENCODED / 4) * 3);
    expect(clipboardSequence(atCap, {})).toHaveLength(OSC52_MAX_ENCODED + 7 + 1);
    expect(clipboardSequence(`${atCap}a`, {})).toBeUndefined();
    expect(clipboardSequence('abcd', {}, 8)).toBe('\x1b]52;c;YWJjZA==\x07');
    expect(clipboardSequence('abcdefg', {}, 8)).toBeUndefined();
  });
});
