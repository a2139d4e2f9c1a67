import { access, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CancelledError, UsageError } from '../errors/index.js';
import { writeTar } from '../../test/support/tar-fixture.js';
import { extractTar, linkTargetName, listTar, readTarMembers, safeEntryName, scanTar } from './tar-archive.js';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-tar-test-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

describe('safeEntryName', () => {
  it('cleans harmless spellings', () => {
    expect(safeEntryName('./a//b/./c/', 'x.tar')).toBe('a/b/c');
    expect(safeEntryName('./', 'x.tar')).toBe('');
  });
  it('refuses absolute names and ..', () => {
    expect(() => safeEntryName('/etc/passwd', 'x.tar')).toThrow(/absolute path/);
    expect(() => safeEntryName('C:\\x', 'x.tar')).toThrow(/absolute path/);
    expect(() => safeEntryName('../x', 'x.tar')).toThrow(/\.\./);
    expect(() => safeEntryName('a/../../x', 'x.tar')).toThrow(UsageError);
  });
  it('resolves links inside the archive and refuses escaping ones', () => {
    expect(linkTargetName('a/layer.tar', '../b.tar', false, 'x.tar')).toBe('b.tar');
    expect(linkTargetName('a/c', 'b/x', true, 'x.tar')).toBe('b/x');
    expect(() => linkTargetName('a/layer.tar', '../../etc/passwd', false, 'x.tar')).toThrow(/outside the archive/);
    expect(() => linkTargetName('evil', '/etc/passwd', false, 'x.tar')).toThrow(/absolute/);
    expect(() => linkTargetName('evil', '../x', true, 'x.tar')).toThrow(/outside the archive/);
  });
});

describe('extractTar', () => {
  it('extracts wanted files under numbered names, hashes them and follows inner links', async () => {
    const file = path.join(work, 'ok.tar.gz');
    await writeTar(
      file,
      [
        { name: 'dir/', type: 'directory' },
        { name: './dir/a.txt', data: 'alpha' },
        { name: 'skip.txt', data: 'not wanted' },
        { name: 'other/link.txt', type: 'symlink', linkname: '../dir/a.txt' },
      ],
      { gzip: true },
    );
    const out = await extractTar(file, { want: (n) => n !== 'skip.txt' });
    try {
      const a = out.get('dir/a.txt');
      expect(a?.size).toBe(5);
      expect(a?.digest).toBe('sha256:8ed3f6ad685b959ead7022518e1af76cd816f8e8ec7ccdda1ed4018e8f2223f8');
      expect(out.get('other/link.txt')?.path).toBe(a?.path);
      expect(out.get('skip.txt')).toBeUndefined();
      expect((await readdir(out.dir)).length).toBe(1);
    } finally {
      await out.close();
    }
    expect(await exists(out.dir)).toBe(false);
  });

  for (const [label, entries] of [
    ['a ../ name', [{ name: '../escaped.txt', data: 'x' }]],
    ['an absolute name', [{ name: '/tmp/lazyoci-absolute-escape.txt', data: 'x' }]],
    ['a symlink that escapes', [{ name: 'evil', type: 'symlink' as const, linkname: '../../../escaped.txt' }, { name: 'evil', data: 'through the link' }]],
    ['a hard link that escapes', [{ name: 'evil', type: 'link' as const, linkname: '../escaped.txt' }]],
  ] as const) {
    it(`refuses ${label} and writes nothing outside its temp dir`, async () => {
      const inner = path.join(work, 'inner');
      await mkdir(inner);
      const file = path.join(inner, 'bad.tar');
      await writeTar(file, [...entries]);
      // A private TMPDIR (os.tmpdir() reads it on each call) shows what the extraction left.
      const privateTmp = path.join(work, 'tmp');
      await mkdir(privateTmp);
      const saved = process.env.TMPDIR;
      process.env.TMPDIR = privateTmp;
      try {
        await expect(extractTar(file, { want: () => true })).rejects.toThrow(/refusing unsafe tar entry/);
      } finally {
        if (saved === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = saved;
      }
      expect(await readdir(privateTmp)).toEqual([]);
      expect(await exists(path.join(work, 'escaped.txt'))).toBe(false);
      expect(await exists(path.join(inner, 'escaped.txt'))).toBe(false);
      expect(await exists('/tmp/lazyoci-absolute-escape.txt')).toBe(false);
      await expect(scanTar(file, () => false)).rejects.toThrow(UsageError);
    });
  }

  it('stops when cancelled and removes what it wrote', async () => {
    const file = path.join(work, 'c.tar');
    await writeTar(file, [{ name: 'a', data: 'x' }]);
    const privateTmp = path.join(work, 'tmp');
    await mkdir(privateTmp);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = privateTmp;
    try {
      await expect(extractTar(file, { want: () => true, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CancelledError);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    expect(await readdir(privateTmp)).toEqual([]);
  });

  it('stops at the size guard', async () => {
    const file = path.join(work, 'big.tar');
    await writeTar(file, [{ name: 'a', data: Buffer.alloc(4096) }]);
    await expect(extractTar(file, { want: () => true, maxTotalBytes: 1000 })).rejects.toThrow(/more than 1000 bytes/);
  });

  it('calls garbage what it is', async () => {
    const file = path.join(work, 'junk.tar');
    await writeFile(file, Buffer.alloc(2048, 7));
    await expect(extractTar(file, { want: () => true })).rejects.toThrow(/not a readable tar archive/);
  });
});

describe('readTarMembers / scanTar', () => {
  it('reads only the picked small members and can stop early', async () => {
    const file = path.join(work, 'm.tgz');
    await writeTar(file, [{ name: 'c/Chart.yaml', data: 'name: c' }, { name: 'c/values.yaml', data: 'a: 1' }], { gzip: true });
    const found = await readTarMembers(file, (n) => n.endsWith('Chart.yaml'), 100);
    expect([...found.keys()]).toEqual(['c/Chart.yaml']);
    expect(found.get('c/Chart.yaml')?.toString()).toBe('name: c');
    await expect(readTarMembers(file, () => true, 3)).rejects.toThrow(/larger than 3 bytes/);
    const seen: string[] = [];
    await scanTar(file, (e) => {
      seen.push(e.name);
      return true;
    });
    expect(seen).toEqual(['c/Chart.yaml']);
  });
});

describe('listTar and the entry limit', () => {
  it('lists every entry, resolves links, reads only kept members, and the last entry of a name wins', async () => {
    const file = path.join(work, 'l.tar.gz');
    await writeTar(
      file,
      [
        { name: 'a', data: 'first a' },
        { name: 'big', data: Buffer.alloc(4096) },
        { name: 'dir/link', type: 'symlink', linkname: '../a' },
        { name: 'a', data: 'second a' },
      ],
      { gzip: true },
    );
    const { listing, kept } = await listTar(file, { keep: (e) => e.size < 100 });
    expect([...kept.entries()].map(([k, v]) => [k, v.toString()])).toEqual([['a', 'second a']]);
    expect(listing.resolve('dir/link')).toMatchObject({ name: 'a', index: 3, size: 8 });
    expect(listing.get('big')).toMatchObject({ type: 'file', size: 4096, index: 1 });
    expect(listing.resolve('nowhere')).toBeUndefined();
  });

  it('refuses an archive with more entries than the limit, in every reader', async () => {
    const file = path.join(work, 'many.tar');
    await writeTar(file, Array.from({ length: 6 }, (_, i) => ({ name: `junk/${i}`, data: '' })));
    await expect(listTar(file, { maxEntries: 5, display: 'many.tar' })).rejects.toThrow('many.tar holds more than 5 entries; refusing to read it');
    await expect(extractTar(file, { want: () => true, maxEntries: 5 })).rejects.toThrow(/holds more than 5 entries/);
    expect((await listTar(file, { maxEntries: 6 })).listing.get('junk/5')).toBeDefined();
  });

  it('extracts by position and stops once it has what it wanted', async () => {
    const file = path.join(work, 's.tar');
    await writeTar(file, [
      { name: 'a', data: 'old' },
      { name: 'a', data: 'new' },
      { name: 'b', data: 'b' },
    ]);
    const seen: string[] = [];
    const out = await extractTar(file, {
      want: (name, entry) => {
        seen.push(name);
        return entry.index === 1;
      },
      stopAfter: 1,
    });
    try {
      expect(seen).toEqual(['a', 'a']);
      expect(out.get('a')?.size).toBe(3);
      expect((await readdir(out.dir)).length).toBe(1);
    } finally {
      await out.close();
    }
  });
});
