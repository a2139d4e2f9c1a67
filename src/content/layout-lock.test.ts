import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContentError } from '../errors/index.js';
import { withLock } from './layout-lock.js';

/** The id of a process that has exited. */
function deadPid(): number {
  const pid = spawnSync('true').pid;
  if (pid === undefined) throw new Error('could not start `true`');
  return pid;
}

describe('withLock', () => {
  let dir: string;
  let lock: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazyoci-lock-'));
    lock = join(dir, 'index.json.lock');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('never lets two holders overlap, and removes the lock afterwards', async () => {
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 12 }, () =>
        withLock(lock, async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((r) => setTimeout(r, 2));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('breaks a lock whose owner died on this host', async () => {
    await writeFile(lock, `${deadPid()}\n${hostname()}\n`);
    expect(await withLock(lock, async () => 'ran', { timeoutMs: 200 })).toBe('ran');
    expect(await readdir(dir)).toEqual([]);
  });

  it('breaks a lock older than any index update, whoever holds it', async () => {
    await writeFile(lock, `${process.pid}\nanother-host\n`);
    const old = new Date(Date.now() - 120_000);
    await utimes(lock, old, old);
    expect(await withLock(lock, async () => 'ran', { timeoutMs: 200 })).toBe('ran');
  });

  it('waits for a live holder, then gives up naming it', async () => {
    await writeFile(lock, `${process.pid}\n${hostname()}\n`);
    const err = await withLock(lock, async () => 'ran', { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentError);
    expect((err as Error).message).toContain(`held by process ${process.pid} on ${hostname()}`);
  });
});
