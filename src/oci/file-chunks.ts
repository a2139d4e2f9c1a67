// Reads a file as a sequence of chunks through two buffers that take turns, so reading
// the next chunk overlaps using this one and no memory is allocated per chunk (a fresh
// buffer a chunk costs a page fault a page and, in bulk, a full GC every few dozen MiB).
import { open } from 'node:fs/promises';

/**
 * 4 MiB: each chunk is one trip through libuv's thread pool (a read there, a wake-up
 * here) and, on upload, one socket write that wakes the receiver. With 1 MiB chunks
 * those wake-ups cost a cold 600 MiB push about 0.1 CPU-s more (npm run bench); the
 * price is 8 MiB of buffers per file being read at once.
 */
export const FILE_CHUNK_SIZE = 4 << 20;

/**
 * The file's bytes, chunk by chunk. Each chunk is valid only until the next one is
 * asked for: its memory is then reused. A consumer must be done with a chunk — hashed
 * it, copied it, or handed it to a socket that has flushed it — before pulling again.
 * The file is opened on the first pull and closed when iteration ends or is abandoned.
 */
export async function* fileChunks(path: string, chunkSize = FILE_CHUNK_SIZE): AsyncGenerator<Buffer, void, undefined> {
  const file = await open(path, 'r');
  let pending: Promise<{ bytesRead: number }> | undefined;
  try {
    const { size } = await file.stat();
    if (size < chunkSize) {
      // A small file (most files of a .lazy): one buffer of its size, not two of 4 MiB. Two
      // 4 MiB buffers a file made a build of 200 small artifacts allocate over 3 GB and
      // spend most of its CPU in full GCs forced by external memory pressure (issue 19).
      // One byte more than the size, so a file that grew since is still read to its end.
      const buffer = Buffer.allocUnsafe(size + 1);
      for (;;) {
        const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) return;
        yield buffer.subarray(0, bytesRead);
      }
    }
    const buffers = [Buffer.allocUnsafeSlow(chunkSize), Buffer.allocUnsafeSlow(chunkSize)] as const;
    let turn = 0;
    pending = file.read(buffers[0], 0, chunkSize, null);
    for (;;) {
      const { bytesRead } = await pending;
      pending = undefined;
      if (bytesRead === 0) return;
      const current = buffers[turn]!;
      turn ^= 1;
      // The other buffer's chunk was released when this one was asked for.
      pending = file.read(buffers[turn]!, 0, chunkSize, null);
      yield current.subarray(0, bytesRead);
    }
  } finally {
    // A read still in flight must finish before its file is closed.
    await pending?.catch(() => undefined);
    await file.close();
  }
}
