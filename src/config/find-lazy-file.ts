// Decides which .lazy file a command works on: --file, else the positional path
// (a file, or a directory holding .lazy), else .lazy in the working directory.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors/index.js';

export const LAZY_FILE_NAME = '.lazy';

export interface FindLazyFileOptions {
  /** The --file flag. */
  file?: string;
  /** The positional [path] argument. */
  positional?: string;
  cwd: string;
}

function shownPath(abs: string, cwd: string): string {
  const rel = path.relative(cwd, abs);
  if (rel === '') return '.';
  if (rel.startsWith('..') || path.isAbsolute(rel)) return abs;
  return `.${path.sep}${rel}`;
}

async function kindOf(p: string): Promise<'file' | 'dir' | 'other' | undefined> {
  try {
    const st = await fs.stat(p);
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
  } catch {
    return undefined;
  }
}

/** Returns the absolute path of the .lazy file to use; throws UsageError when there is none. */
export async function findLazyFile(opts: FindLazyFileOptions): Promise<string> {
  const cwd = path.resolve(opts.cwd);
  const given = opts.file ?? opts.positional;
  const how = opts.file !== undefined ? 'check the --file path' : 'pass a file or directory, or --file';

  let candidate = path.join(cwd, LAZY_FILE_NAME);
  if (given !== undefined && given !== '') {
    const abs = path.resolve(cwd, given);
    const kind = await kindOf(abs);
    if (kind === 'file') return abs;
    if (kind === 'other') throw new UsageError(`${shownPath(abs, cwd)} is not a regular file (${how})`);
    candidate = kind === 'dir' ? path.join(abs, LAZY_FILE_NAME) : abs;
  }
  const kind = await kindOf(candidate);
  if (kind === 'file') return candidate;
  const what = kind === undefined ? `no .lazy file at ${shownPath(candidate, cwd)}` : `${shownPath(candidate, cwd)} is not a regular file`;
  throw new UsageError(`${what} (${how})`);
}
