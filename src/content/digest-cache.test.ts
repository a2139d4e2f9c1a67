import { mkdtemp, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestBytes } from '../oci/digest.js';
import { DigestCache, digestCachePath } from './digest-cache.js';

describe('DigestCache', () => {
  let dir: string;
  let cacheFile: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazyoci-digest-cache-'));
    cacheFile = join(dir, 'cache', 'digests.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('hashes a file once, then answers from the saved cache in a later run', async () => {
    const file = join(dir, 'a.bin');
    await writeFile(file, 'first content');
    const first = await DigestCache.open(cacheFile);
    expect(await first.digest(file)).toEqual({ digest: digestBytes('first content'), size: 13, hashed: true });
    await first.save();

    const second = await DigestCache.open(cacheFile);
    expect(await second.digest(file)).toEqual({ digest: digestBytes('first content'), size: 13, hashed: false });
  });

  it('hashes again when the content changes, even with the same size and the old mtime put back', async () => {
    const file = join(dir, 'a.bin');
    await writeFile(file, 'AAAA');
    await utimes(file, 1_700_000_000, 1_700_000_000);
    const old = await stat(file, { bigint: true });
    const cache = await DigestCache.open(cacheFile);
    await cache.digest(file);
    await cache.save();

    await writeFile(file, 'BBBB');
    await utimes(file, 1_700_000_000, 1_700_000_000); // as touch -r or rsync -t would
    expect((await stat(file, { bigint: true })).mtimeNs).toBe(old.mtimeNs);
    const again = await DigestCache.open(cacheFile);
    expect(await again.digest(file)).toEqual({ digest: digestBytes('BBBB'), size: 4, hashed: true });
  });

  it('hashes again when the file is replaced by another one renamed over it', async () => {
    const file = join(dir, 'a.bin');
    await writeFile(file, 'one');
    const cache = DigestCache.inMemory();
    await cache.digest(file);
    const other = join(dir, 'b.bin');
    await writeFile(other, 'two');
    await rename(other, file);
    expect(await cache.digest(file)).toMatchObject({ digest: digestBytes('two'), hashed: true });
    expect(await cache.digest(file)).toMatchObject({ digest: digestBytes('two'), hashed: false });
  });

  it('treats a damaged or foreign cache file as empty', async () => {
    const file = join(dir, 'a.bin');
    await writeFile(file, 'x');
    for (const body of ['not json', '{"version":99,"files":{}}', `{"version":1,"files":{"${file}":{"size":"1"}}}`]) {
      await rm(join(dir, 'cache'), { recursive: true, force: true });
      await writeFile(join(dir, 'cache.json'), body);
      const cache = await DigestCache.open(join(dir, 'cache.json'));
      expect(await cache.digest(file)).toMatchObject({ digest: digestBytes('x'), hashed: true });
    }
  });

  it('writes nothing back when every answer came from it', async () => {
    const file = join(dir, 'a.bin');
    await writeFile(file, 'x');
    const cache = await DigestCache.open(cacheFile);
    await cache.digest(file);
    await cache.save();
    expect(JSON.parse(await readFile(cacheFile, 'utf8'))).toMatchObject({ version: 1, files: { [file]: { digest: digestBytes('x'), size: 1 } } });

    const reopened = await DigestCache.open(cacheFile);
    await rm(cacheFile);
    expect(await reopened.digest(file)).toMatchObject({ hashed: false });
    await reopened.save();
    await expect(stat(cacheFile)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('lives under XDG_CACHE_HOME, else ~/.cache', () => {
    expect(digestCachePath({ XDG_CACHE_HOME: '/c' })).toBe('/c/lazyoci/digests.json');
    expect(digestCachePath({ HOME: '/h' })).toBe('/h/.cache/lazyoci/digests.json');
  });
});
