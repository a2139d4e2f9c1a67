import { describe, expect, it } from 'vitest';
import { terminalSafe, terminalSafeLines } from './terminal-safe.js';

describe('terminalSafe', () => {
  it('leaves ordinary text, Unicode and emoji alone', () => {
    for (const s of ['v1.2.3', 'sha256:abc', 'naïve → café ✓', 'größe 日本 🚀', 'a\\x1b literal backslash']) {
      expect(terminalSafe(s)).toBe(s);
    }
  });

  it('shows escape sequences, newlines and NUL as visible escapes', () => {
    expect(terminalSafe('\u001b]0;pwned\u0007')).toBe('\\x1b]0;pwned\\x07');
    expect(terminalSafe('a\nb\r\tc\u0000')).toBe('a\\nb\\r\\tc\\x00');
    expect(terminalSafe('\u001b[2J\u001b[31mred')).toBe('\\x1b[2J\\x1b[31mred');
  });

  it('escapes DEL, the C1 controls (one-byte CSI) and bidi overrides', () => {
    expect(terminalSafe('x\u007fy\u009b31m\u0085')).toBe('x\\x7fy\\x9b31m\\x85');
    expect(terminalSafe('abc\u202etxt.exe\u2066\u2069')).toBe('abc\\u202etxt.exe\\u2066\\u2069');
    expect(terminalSafe('line\u2028sep')).toBe('line\\u2028sep');
  });

  it('leaves no byte a terminal acts on', () => {
    let all = '';
    for (let c = 0; c < 0x2070; c++) all += String.fromCharCode(c);
    expect(terminalSafe(all)).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  });
});

describe('terminalSafeLines', () => {
  it("keeps lazyoci's own newlines and escapes every other control", () => {
    expect(terminalSafeLines('one\ntwo \u001b[2J\r\u0000')).toBe('one\ntwo \\x1b[2J\\r\\x00');
  });
});
