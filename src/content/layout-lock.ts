// A lock on a layout's index.json, so two lazyoci processes writing tags into one layout
// do not lose each other's entries (read-modify-write). The lock is a file created with
// O_EXCL holding its owner's pid and host; a lock whose owner died on this host, or that
// is older than any index update can take, is stale and broken.
import { hostname } from 'node:os';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { ContentError } from '../errors/index.js';
import { CREATE_EXCLUSIVE, fsError, isErrno, processAlive } from './layout-files.js';

export interface LockOptions {
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
  /** A lock this old is stale whoever holds it: an index update takes milliseconds (default 30 s). */
  staleMs?: number;
  signal?: AbortSignal;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function ownerText(): string {
  return `${process.pid}\n${hostname()}\n`;
}

async function isStale(lockPath: string, content: string, staleMs: number): Promise<boolean> {
  const [pidText, host] = content.split('\n');
  if (host === hostname() && !processAlive(Number(pidText))) return true;
  try {
    return Date.now() - (await stat(lockPath)).mtimeMs > staleMs;
  } catch {
    return false;
  }
}

/**
 * Break a stale lock: rename it aside (atomic, so of two breakers one wins), then make
 * sure what was moved is the stale lock that was read; a fresh lock taken meanwhile by
 * a third process is put back (link fails rather than overwrite a newer one).
 */
async function breakStale(lockPath: string, staleContent: string): Promise<void> {
  const aside = `${lockPath}.${process.pid}.stale`;
  try {
    await rename(lockPath, aside);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw fsError('remove the stale lock', lockPath, err);
  }
  const moved = await readFile(aside, 'utf8').catch(() => staleContent);
  if (moved !== staleContent) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

/** Run `work` holding `lockPath`. */
export async function withLock<T>(lockPath: string, work: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const staleMs = opts.staleMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let lastOwner = '';
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockPath, CREATE_EXCLUSIVE, 0o644);
      try {
        await handle.writeFile(ownerText());
      } finally {
        await handle.close();
      }
      break;
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw fsError('create', lockPath, err);
    }
    let content: string;
    try {
      content = await readFile(lockPath, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) continue; // released between our attempt and this read
      throw fsError('read', lockPath, err);
    }
    lastOwner = content;
    if (await isStale(lockPath, content, staleMs)) {
      await breakStale(lockPath, content);
      continue;
    }
    if (opts.signal?.aborted === true || Date.now() > deadline) {
      const [pid, host] = lastOwner.split('\n');
      throw new ContentError(`${lockPath} is held by process ${pid ?? '?'} on ${host ?? '?'}; gave up waiting after ${Math.round(timeoutMs / 1000)} s`, {
        hint: 'if no lazyoci is running on that layout, remove the lock file',
      });
    }
    // Short and jittered: the holder keeps the lock only for one small read-modify-write.
    await sleep(Math.min(100, 5 + attempt * 5) * (0.5 + Math.random()));
  }
  try {
    return await work();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}
