import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCappedText } from './read-capped-text.js';

describe('readCappedText', () => {
  it('reads a file up to the limit', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lazyoci-capped-'));
    try {
      const file = path.join(dir, 'f');
      await fs.writeFile(file, 'héllo');
      expect(await readCappedText(file, 6)).toEqual({ ok: true, text: 'héllo' });
      expect(await readCappedText(file, 5)).toEqual({ ok: false, tooLarge: true });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('stops reading an endless file once it is over the limit', async () => {
    expect(await readCappedText('/dev/zero', 1024 * 1024)).toEqual({ ok: false, tooLarge: true });
  });
});
