import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContentError } from '../errors/index.js';
import { createTarGzip, readTarGzipEntries, type TarEntry } from './tar-gzip.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-targz-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** GNU tar's verbose listing of an archive, in UTC with numeric owners. */
async function gnuTarList(archive: Buffer, verbose = false): Promise<string[]> {
  const file = path.join(dir, 'a.tgz');
  await writeFile(file, archive);
  const args = verbose ? ['--numeric-owner', '-tvzf', file] : ['-tzf', file];
  const res = spawnSync('tar', args, { encoding: 'utf8', env: { ...process.env, TZ: 'UTC', LC_ALL: 'C.UTF-8' } });
  expect(res.status, res.stderr).toBe(0);
  expect(res.stderr).toBe('');
  return res.stdout.split('\n').filter((l) => l !== '');
}

const longDir = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(60)}/${'g'.repeat(60)}/${'h'.repeat(60)}`;
const entries: TarEntry[] = [
  { name: 'z-first.txt', data: Buffer.from('first\n') },
  { name: 'a/second.sh', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
  { name: `${'x'.repeat(120)}.txt`, data: Buffer.from('no slash, long name') },
  { name: `${longDir}/file.yaml`, data: Buffer.from('deep: true\n') },
  { name: 'ünïcode/ファイル.txt', data: Buffer.from('utf-8 name') },
  { name: 'empty', data: Buffer.alloc(0) },
];

describe('createTarGzip', () => {
  it('gives identical bytes for identical entries', async () => {
    const a = await createTarGzip(entries);
    const b = await createTarGzip(entries.map((e) => ({ ...e, data: Buffer.from(e.data) })));
    expect(a.equals(b)).toBe(true);
  });

  it('writes a platform-neutral gzip header: no mtime, OS unknown', async () => {
    const gz = await createTarGzip(entries);
    expect([...gz.subarray(0, 3)]).toEqual([0x1f, 0x8b, 8]);
    expect([...gz.subarray(4, 8)]).toEqual([0, 0, 0, 0]);
    expect(gz[9]).toBe(255);
    // Still a valid stream after the header edit.
    expect(gunzipSync(gz).length % 512).toBe(0);
  });

  it('keeps the given order and fixed owners, times and modes (GNU tar view)', async () => {
    const lines = await gnuTarList(await createTarGzip(entries), true);
    expect(lines).toHaveLength(entries.length);
    lines.forEach((line, i) => {
      const entry = entries[i]!;
      const perms = entry.mode === 0o755 ? '-rwxr-xr-x' : '-rw-r--r--';
      expect(line).toMatch(new RegExp(`^${perms} 0/0 +${entry.data.length} 1970-01-01 00:00 `));
      expect(line.endsWith(` ${entry.name}`)).toBe(true);
    });
  });

  it('lists long and non-ASCII names in full with GNU tar', async () => {
    const names = await gnuTarList(await createTarGzip(entries));
    expect(names).toEqual(entries.map((e) => e.name));
    expect(names[3]!.length).toBeGreaterThan(255);
  });

  it('round-trips through readTarGzipEntries without directory entries', async () => {
    const back = await readTarGzipEntries(await createTarGzip(entries));
    expect(back.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    back.forEach((e, i) => expect(e.data.equals(entries[i]!.data)).toBe(true));
  });

  it('changes bytes when content changes', async () => {
    const a = await createTarGzip(entries);
    const b = await createTarGzip([...entries.slice(0, -1), { name: 'empty', data: Buffer.from('x') }]);
    expect(a.equals(b)).toBe(false);
  });

  it('handles an empty entry list', async () => {
    const gz = await createTarGzip([]);
    expect(await readTarGzipEntries(gz)).toEqual([]);
    expect(gunzipSync(gz).equals(Buffer.alloc(1024))).toBe(true);
  });
});

describe('readTarGzipEntries', () => {
  it('rejects data that is not gzip with a ContentError', async () => {
    await expect(readTarGzipEntries(Buffer.from('plain text, not gzip'))).rejects.toBeInstanceOf(ContentError);
  });
});
