import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ContentError } from '../errors/index.js';
import { describeLimit, readCapped } from './read-capped.js';
import { readAll } from './store.js';

/** A stream that would never end, counting the chunks it was asked for. */
function endless(chunk = Buffer.alloc(1024, 'a')): { stream: Readable; pulled: () => number } {
  let pulled = 0;
  const stream = new Readable({
    read() {
      pulled++;
      this.push(chunk);
    },
  });
  return { stream, pulled: () => pulled };
}

describe('readCapped', () => {
  it('reads a stream within the cap whole', async () => {
    const { bytes, complete } = await readCapped(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4);
    expect(complete).toBe(true);
    expect(bytes.toString()).toBe('abcd');
  });

  it('stops an endless stream just past the cap, keeps the first bytes, and destroys it', async () => {
    const source = endless();
    const { bytes, complete } = await readCapped(source.stream, 10_000);
    expect(complete).toBe(false);
    expect(bytes.length).toBe(10_000);
    expect(source.stream.destroyed).toBe(true);
    // Read ahead by the stream's buffer at most, not on and on.
    expect(source.pulled()).toBeLessThan(40);
  });
});

describe('readAll', () => {
  it('refuses content past its limit with a ContentError naming it', async () => {
    const source = endless();
    const err = await readAll(source.stream, 4096, 'image config sha256:abc').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentError);
    expect((err as Error).message).toBe('image config sha256:abc is larger than 4 KiB, the most lazyoci reads into memory for it');
    expect(source.stream.destroyed).toBe(true);
  });
});

describe('describeLimit', () => {
  it('names limits in the largest whole unit', () => {
    expect(describeLimit(4 << 20)).toBe('4 MiB');
    expect(describeLimit(64 << 10)).toBe('64 KiB');
    expect(describeLimit(256 << 20)).toBe('256 MiB');
    expect(describeLimit(1000)).toBe('1000 bytes');
  });
});
