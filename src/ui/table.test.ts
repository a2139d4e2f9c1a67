import { describe, expect, it } from 'vitest';
import { formatTable } from './table.js';

describe('formatTable', () => {
  it('pads every column but the last to its widest cell, two spaces apart', () => {
    const out = formatTable([
      ['PLATFORM', 'SIZE', 'DIGEST'],
      ['linux/amd64', '1.2 KiB', 'sha256:aa'],
      ['linux/arm64/v8', '12 B', 'sha256:bb'],
    ]);
    expect(out.split('\n')).toEqual([
      'PLATFORM        SIZE     DIGEST',
      'linux/amd64     1.2 KiB  sha256:aa',
      'linux/arm64/v8  12 B     sha256:bb',
    ]);
  });

  it('indents, fills short rows, and leaves no trailing blanks', () => {
    const out = formatTable(
      [
        ['a', 'bb', 'c'],
        ['aaa', ''],
        ['x'],
      ],
      { indent: '  ' },
    );
    expect(out.split('\n')).toEqual(['  a    bb  c', '  aaa', '  x']);
    for (const line of out.split('\n')) expect(line).not.toMatch(/\s$/);
  });

  it('is empty for no rows', () => {
    expect(formatTable([])).toBe('');
  });
});
