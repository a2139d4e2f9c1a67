// zstd decompression as a pull stream. Node 20's zlib has no zstd, so this uses fzstd
// (pure JS). fzstd hands out every block the input it is given completes, at once; a
// few KiB of a layer of zeros can hold gigabytes of RLE blocks, so the input is fed in
// slices sized to keep each step's output near OUTPUT_STEP, and the consumer pulls.
import { Readable } from 'node:stream';
import { Decompress } from 'fzstd';
import { ContentError } from '../errors/index.js';

const OUTPUT_STEP = 4 << 20;
const MIN_SLICE = 64;
const MAX_SLICE = 64 << 10;

async function* decompressChunks(source: AsyncIterable<Buffer>, what: string): AsyncGenerator<Buffer> {
  let out: Buffer[] = [];
  let outBytes = 0;
  const decoder = new Decompress((chunk) => {
    // In streaming mode fzstd allocates each block it hands out, so it can be wrapped.
    out.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    outBytes += chunk.length;
  });
  const take = (): Buffer[] => {
    const taken = out;
    out = [];
    outBytes = 0;
    return taken;
  };
  const push = (data: Uint8Array, final: boolean): void => {
    try {
      decoder.push(data, final);
    } catch (err) {
      throw new ContentError(`${what}: not valid zstd data (${err instanceof Error ? err.message : String(err)})`);
    }
  };
  // Start small: the first few bytes may already be a long run.
  let slice = MIN_SLICE;
  for await (const chunk of source) {
    for (let at = 0; at < chunk.length; ) {
      const piece = chunk.subarray(at, at + slice);
      at += piece.length;
      push(piece, false);
      const produced = outBytes;
      yield* take();
      // Highly compressed input (long runs) gets smaller slices, plain input bigger ones.
      if (produced > OUTPUT_STEP) slice = Math.max(MIN_SLICE, slice >> 1);
      else if (produced < OUTPUT_STEP >> 2) slice = Math.min(MAX_SLICE, slice << 1);
    }
  }
  push(new Uint8Array(0), true);
  yield* take();
}

/** The decompressed bytes of a zstd stream (one or more frames). */
export function zstdDecompress(source: Readable, what: string): Readable {
  const out = Readable.from(decompressChunks(source, what), { objectMode: false });
  out.once('close', () => source.destroy());
  return out;
}
