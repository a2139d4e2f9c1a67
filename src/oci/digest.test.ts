import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestBytes, digestFile } from './digest.js';
import { FILE_CHUNK_SIZE } from './file-chunks.js';

describe('digestFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazyoci-digest-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('hashes files of every length the same as hashing their bytes at once', async () => {
    // Around the read size: empty, one byte, exact multiples and one over.
    const chunk = FILE_CHUNK_SIZE;
    for (const size of [0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk, 3 * chunk + 12_345]) {
      const data = randomBytes(size);
      const file = join(dir, `f${size}`);
      await writeFile(file, data);
      expect(await digestFile(file)).toEqual({ digest: digestBytes(data), size });
    }
  });

  it('fails for a missing file with the system error code', async () => {
    await expect(digestFile(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
