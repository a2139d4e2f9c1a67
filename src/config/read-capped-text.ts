// Reads a text file but stops once it is larger than a limit, so a huge (or endless,
// e.g. a FIFO or /dev/zero) .lazy is refused instead of exhausting memory.
import { promises as fs } from 'node:fs';

export type CappedText = { ok: true; text: string } | { ok: false; tooLarge: true };

const CHUNK = 64 * 1024;

export async function readCappedText(file: string, maxBytes: number): Promise<CappedText> {
  const handle = await fs.open(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) return { ok: false, tooLarge: true };
    }
    return { ok: true, text: Buffer.concat(chunks, total).toString('utf8') };
  } finally {
    await handle.close();
  }
}
