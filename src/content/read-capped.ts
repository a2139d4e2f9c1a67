// Reading a stream into memory without ever holding more than a cap: the one reader
// behind every "read this answer whole" in lazyoci. Past the cap the stream is
// destroyed at once (for an HTTP body that closes the connection), so an endless or
// huge answer costs at most `limit` bytes of memory, never its full size.
import type { Readable } from 'node:stream';

export interface CappedRead {
  /** What was read: all of it, or the first `limit` bytes. */
  bytes: Buffer;
  /** False when the stream had more than `limit` bytes; the rest was never read. */
  complete: boolean;
}

export async function readCapped(stream: Readable | AsyncIterable<Buffer | Uint8Array | string>, limit: number): Promise<CappedRead> {
  const chunks: Buffer[] = [];
  let total = 0;
  // Leaving the loop early (return) destroys a Readable; destroy() below also covers
  // other async iterables that expose it.
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array | string);
    if (total + buf.length > limit) {
      chunks.push(buf.subarray(0, limit - total));
      (stream as Partial<Readable>).destroy?.();
      return { bytes: Buffer.concat(chunks), complete: false };
    }
    chunks.push(buf);
    total += buf.length;
  }
  return { bytes: Buffer.concat(chunks), complete: true };
}

/** `4194304` → `4 MiB`, for messages that name a limit. */
export function describeLimit(bytes: number): string {
  for (const [unit, size] of [['GiB', 1 << 30], ['MiB', 1 << 20], ['KiB', 1 << 10]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}
