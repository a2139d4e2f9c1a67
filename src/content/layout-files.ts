// File operations for an OCI image layout that may be hostile: a layout in a checkout or
// an existing --dest can hold symbolic links that point anywhere (issue 11). Its own
// entries are opened without following links, new files are created exclusively, and
// file-system failures become one ContentError naming the file.
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { ContentError } from '../errors/index.js';
import type { Digest } from '../oci/types.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

/** Create a new file; fails if anything (a file, a link) already has the name. */
export const CREATE_EXCLUSIVE = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
/** Read a file that must not be a link. */
export const READ_NO_FOLLOW = O_RDONLY | O_NOFOLLOW;

const ERRNO_TEXT: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ELOOP: 'it is a symbolic link',
  ENOTDIR: 'a path component is not a directory',
  EISDIR: 'it is a directory',
  EIO: 'input/output error',
};

/** A file-system failure as one line: `cannot write FILE: no space left on device (ENOSPC)`. */
export function fsError(action: string, file: string, err: unknown): ContentError {
  if (err instanceof ContentError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const text = code === undefined ? (err instanceof Error ? err.message : String(err)) : `${ERRNO_TEXT[code] ?? 'failed'} (${code})`;
  return new ContentError(`cannot ${action} ${file}: ${text}`, { cause: err });
}

export function isErrno(err: unknown, ...codes: string[]): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && codes.includes(code);
}

/** lstat, or undefined when nothing has the name. */
export async function lstatIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw fsError('read', path, err);
  }
}

export function symlinkRefused(shown: string): ContentError {
  return new ContentError(`${shown} is a symbolic link; a layout's own files must not be links, refusing to use it`);
}

/** A directory of the layout (`blobs`, `blobs/sha256`): created if missing, never a link. */
export async function ensureLayoutDir(path: string, shown: string): Promise<void> {
  try {
    await mkdir(path);
    return;
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw fsError('create', path, err);
  }
  const stats = await lstat(path);
  if (stats.isSymbolicLink()) throw symlinkRefused(shown);
  if (!stats.isDirectory()) throw new ContentError(`${shown} is not a directory`);
}

/** Open a new file exclusively, without following a link planted under its name. */
export async function createExclusive(path: string): Promise<FileHandle> {
  try {
    return await open(path, CREATE_EXCLUSIVE, 0o644);
  } catch (err) {
    throw fsError('create', path, err);
  }
}

/** A whole small file read without following a link (ELOOP when it is one). */
export async function readNoFollow(path: string, shown: string): Promise<Buffer> {
  let handle: FileHandle;
  try {
    handle = await open(path, READ_NO_FOLLOW);
  } catch (err) {
    if (isErrno(err, 'ELOOP')) throw symlinkRefused(shown);
    throw err;
  }
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** The sha256 of a file opened without following links. */
export async function hashNoFollow(path: string, shown: string): Promise<{ digest: Digest; size: number }> {
  let handle: FileHandle;
  try {
    handle = await open(path, READ_NO_FOLLOW);
  } catch (err) {
    if (isErrno(err, 'ELOOP')) throw symlinkRefused(shown);
    throw fsError('read', path, err);
  }
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  let size = 0;
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
  } catch (err) {
    throw fsError('read', path, err);
  } finally {
    await handle.close();
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/** Whether a process with this id is running on this machine (EPERM: it is, as another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM');
  }
}
