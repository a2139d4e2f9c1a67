// Writes tar archives by hand (tar-stream, no lazyoci code), including hostile ones with
// `..` names, absolute paths and escaping links, for the archive readers' tests.
import { writeFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';

export interface FixtureEntry {
  name: string;
  data?: Buffer | string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  linkname?: string;
}

export async function tarBytes(entries: FixtureEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const header = { name: e.name, type, mode: type === 'directory' ? 0o755 : 0o644, mtime: new Date(0), ...(e.linkname === undefined ? {} : { linkname: e.linkname }) };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (type === 'file') pack.entry(header, typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0)), cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export async function writeTar(file: string, entries: FixtureEntry[], opts: { gzip?: boolean } = {}): Promise<Buffer> {
  const bytes = await tarBytes(entries);
  const out = opts.gzip === true ? gzipSync(bytes) : bytes;
  await writeFile(file, out);
  return out;
}

/** One member of a (gzip) tar, read with tar-stream alone: the oracle side of a test. */
export async function tarMember(archive: Buffer, name: string): Promise<Buffer | undefined> {
  const bytes = archive[0] === 0x1f && archive[1] === 0x8b ? gunzipSync(archive) : archive;
  const extract = tar.extract();
  let found: Buffer | undefined;
  const reading = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      if (entry.header.name.replace(/^\.\//, '') === name) found = Buffer.concat(chunks);
    }
  })();
  extract.end(bytes);
  await reading;
  return found;
}
