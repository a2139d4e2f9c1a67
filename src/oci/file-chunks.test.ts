import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileChunks } from './file-chunks.js';

const openFds = async (): Promise<number> => (await readdir('/proc/self/fd')).length;

describe('fileChunks', () => {
  let dir: string;
  let file: string;
  const data = randomBytes(5 * 1024 + 17);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazyoci-chunks-'));
    file = join(dir, 'f.bin');
    await writeFile(file, data);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the whole file, reusing two buffers in turn', async () => {
    const copies: Buffer[] = [];
    const backing: ArrayBufferLike[] = [];
    for await (const chunk of fileChunks(file, 1024)) {
      copies.push(Buffer.from(chunk)); // a consumer that keeps bytes must copy them
      backing.push(chunk.buffer);
    }
    expect(Buffer.concat(copies).equals(data)).toBe(true);
    expect(copies.map((c) => c.length)).toEqual([1024, 1024, 1024, 1024, 1024, 17]);
    expect(new Set(backing).size).toBe(2);
    expect(backing[0]).toBe(backing[2]);
  });

  it('reads a file smaller than a chunk into one buffer of about its size, not two chunk-sized ones', async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of fileChunks(file, 1 << 20)) chunks.push(Buffer.from(chunk));
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    const backing: number[] = [];
    for await (const chunk of fileChunks(file, 1 << 20)) backing.push(chunk.buffer.byteLength);
    // Small buffers come from Node's 8 KiB pool; either way far below the 1 MiB chunk.
    expect(Math.max(...backing)).toBeLessThan(64 * 1024);
  });

  it('reads an empty file as no chunks', async () => {
    const empty = join(dir, 'empty.bin');
    await writeFile(empty, '');
    const chunks: Buffer[] = [];
    for await (const chunk of fileChunks(empty, 1024)) chunks.push(chunk);
    expect(chunks).toEqual([]);
  });

  it('closes the file when the consumer stops early or never starts', async () => {
    const before = await openFds();
    for await (const chunk of fileChunks(file, 1024)) {
      expect(chunk.length).toBe(1024);
      break;
    }
    const unstarted = fileChunks(file, 1024);
    await unstarted.return();
    expect(await openFds()).toBe(before);
  });
});
