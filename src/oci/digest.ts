// sha256 digests of bytes and streams, and the grammar check for digest strings.
import { createHash } from 'node:crypto';
import { fileChunks } from './file-chunks.js';
import { Transform } from 'node:stream';
import type { Digest } from './types.js';

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function isDigest(value: string): value is Digest {
  return DIGEST_RE.test(value);
}

export function digestBytes(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Hash a file in one streamed read; memory stays flat whatever its size. */
/** `signal`, when it aborts, ends the read with its reason (a large file takes a while). */
export async function digestFile(path: string, signal?: AbortSignal): Promise<{ digest: Digest; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  // hash.update() is done with each chunk before the next is pulled, as fileChunks requires.
  for await (const chunk of fileChunks(path)) {
    signal?.throwIfAborted();
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/** The hex part of a digest, used as a file name in blob stores. */
export function digestHex(digest: Digest): string {
  return digest.slice('sha256:'.length);
}

/** What a verifying stream saw; `digest` is absent when it stopped early on size. */
export interface VerifyFailure {
  size: number;
  digest?: Digest;
}

/**
 * A pass-through that hashes and counts what flows through it and fails, with the
 * caller's error, as soon as there are more bytes than expected or, at the end, when
 * the digest or size differs. Content is checked in the same read that moves it.
 */
export function verifyingStream(expected: { digest: Digest; size: number }, toError: (got: VerifyFailure) => Error): Transform {
  const hash = createHash('sha256');
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > expected.size) {
        cb(toError({ size }));
        return;
      }
      hash.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      const digest: Digest = `sha256:${hash.digest('hex')}`;
      cb(size === expected.size && digest === expected.digest ? null : toError({ size, digest }));
    },
  });
}
