// Deterministic .tar.gz writer and a small reader: the same entries always give the
// same bytes, whatever the host, clock, owner or umask.

import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import * as tar from 'tar-stream';
import { ContentError } from '../errors/index.js';

export interface TarEntry {
  /** POSIX path inside the archive. */
  name: string;
  data: Buffer;
  /** Permission bits; 0o644 when absent. */
  mode?: number;
}

export interface TarGzipEntry {
  name: string;
  data: Buffer;
}

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

const EPOCH = new Date(0);
const DEFAULT_MODE = 0o644;
const GZIP_LEVEL = 6;
/** Offset of the OS byte in the gzip header (RFC 1952). */
const GZIP_OS_OFFSET = 9;
const GZIP_OS_UNKNOWN = 255;

export async function createTarGzip(entries: TarEntry[]): Promise<Buffer> {
  const tarball = await createTar(entries);
  const gz = await gzip(tarball, { level: GZIP_LEVEL });
  // zlib writes the OS it was compiled for; pin it so every platform agrees.
  gz[GZIP_OS_OFFSET] = GZIP_OS_UNKNOWN;
  return gz;
}

async function createTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();

  try {
    for (const entry of entries) {
      await new Promise<void>((resolve, reject) => {
        pack.entry(
          {
            name: entry.name,
            type: 'file',
            // tar-stream treats mode 0 as "use default"; a caller asking for 0 gets 0o644.
            mode: entry.mode ?? DEFAULT_MODE,
            mtime: EPOCH,
            uid: 0,
            gid: 0,
            uname: '',
            gname: '',
          },
          entry.data,
          (err) => (err ? reject(err) : resolve()),
        );
      });
    }
    pack.finalize();
  } catch (err) {
    pack.destroy(err instanceof Error ? err : new Error(String(err)));
    await collected.catch(() => undefined);
    throw err;
  }
  await collected;
  return Buffer.concat(chunks);
}

/** Read every regular file of a .tar.gz, in archive order. */
export async function readTarGzipEntries(buf: Buffer): Promise<TarGzipEntry[]> {
  let tarball: Buffer;
  try {
    tarball = await gunzip(buf);
  } catch (cause) {
    throw new ContentError('not a gzip-compressed archive', { cause });
  }
  const extract = tar.extract();
  const result: TarGzipEntry[] = [];
  const reading = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const type = entry.header.type;
      if (type === 'file' || type === 'contiguous-file') {
        result.push({ name: entry.header.name, data: Buffer.concat(chunks) });
      }
    }
  })();
  extract.end(tarball);
  try {
    await reading;
  } catch (cause) {
    throw new ContentError('not a valid tar archive', { cause });
  }
  return result;
}
