import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Digest } from '../oci/types.js';
import { verifiedFileSink } from './verified-file-sink.js';

const digestOf = (b: Buffer): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('verifiedFileSink', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazyoci-sink-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  async function write(name: string, chunks: Buffer[], expected: { digest: Digest; size: number }, progress?: number[]) {
    const file = join(dir, name);
    const handle = await open(file, 'wx');
    try {
      await pipeline(
        Readable.from(chunks),
        verifiedFileSink(handle.fd, expected, (got) => new Error(`bad ${got.size} ${got.digest ?? 'early'}`), (n) => progress?.push(n)),
      );
    } finally {
      await handle.close();
    }
    return readFile(file);
  }

  it('writes every chunk in order and checks the digest, reporting progress at most once a MiB and at the end', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 123);
    const chunks: Buffer[] = [];
    for (let o = 0; o < data.length; o += 65536) chunks.push(data.subarray(o, o + 65536));
    const progress: number[] = [];
    const written = await write('ok', chunks, { digest: digestOf(data), size: data.length }, progress);
    expect(written.equals(data)).toBe(true);
    expect(progress.at(-1)).toBe(data.length);
    expect(progress.length).toBeLessThanOrEqual(5);
  });

  it('fails on a wrong digest, on too few bytes, and as soon as there are too many', async () => {
    const data = randomBytes(4096);
    await expect(write('wrong', [data], { digest: digestOf(randomBytes(4096)), size: 4096 })).rejects.toThrow(/bad 4096 sha256:/);
    await expect(write('short', [data], { digest: digestOf(data), size: 5000 })).rejects.toThrow(/bad 4096 sha256:/);
    await expect(write('long', [data, data], { digest: digestOf(data), size: 4096 })).rejects.toThrow(/bad 8192 early/);
  });

  it('accepts an empty blob', async () => {
    expect((await write('empty', [], { digest: digestOf(Buffer.alloc(0)), size: 0 })).length).toBe(0);
  });
});
