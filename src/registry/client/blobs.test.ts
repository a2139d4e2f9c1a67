import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { chunksOf, heldBytes } from './blobs.js';

describe('chunksOf', () => {
  it('cuts a stream into fixed pieces after skipping a prefix, whatever the read sizes', async () => {
    const data = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    const reads = [data.subarray(0, 7), data.subarray(7, 40), data.subarray(40, 41), data.subarray(41)];
    const pieces: Buffer[] = [];
    for await (const c of chunksOf(Readable.from(reads), 13, 25)) pieces.push(c);
    expect(pieces.map((p) => p.length)).toEqual([25, 25, 25, 12]);
    expect(Buffer.concat(pieces).equals(data.subarray(13))).toBe(true);
    const none: Buffer[] = [];
    for await (const c of chunksOf(Readable.from(reads), 100, 25)) none.push(c);
    expect(none).toEqual([]);
  });
});

describe('heldBytes', () => {
  it('reads Range: 0-N as N+1 bytes', () => {
    expect(heldBytes('0-4194303')).toBe(4194304);
    expect(heldBytes('bytes=0-9')).toBe(10);
    expect(heldBytes('0--1')).toBe(0);
    expect(heldBytes('5-9')).toBeUndefined();
    expect(heldBytes(undefined)).toBeUndefined();
  });
});
