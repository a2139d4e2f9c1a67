import { describe, expect, it } from 'vitest';
import { ContentError } from '../errors/index.js';
import { safeTitlePath } from './pull-files.js';

describe('safeTitlePath', () => {
  it('keeps relative titles, cleaned', () => {
    expect(safeTitlePath('a.txt', 'r')).toBe('a.txt');
    expect(safeTitlePath('./dir//b.txt', 'r')).toBe('dir/b.txt');
    expect(safeTitlePath('tool:v2', 'r')).toBe('tool:v2');
  });

  it('refuses titles that could land outside the destination', () => {
    for (const title of ['../x', 'a/../../x', 'a/..', '/etc/x', 'C:/x', 'c:x', '..\\x', 'a\\b', 'x\0y', '.', './', '']) {
      expect(() => safeTitlePath(title, 'r'), title).toThrow(ContentError);
    }
  });
});
