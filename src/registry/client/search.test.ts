import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDockerHubPage } from './docker-hub-search.js';
import { parseQuayPage } from './quay-search.js';
import { collectWindow } from './search.js';
import { SearchCache, searchCachePath } from './search-cache.js';
import type { ApiPage, SearchResult } from './search-result.js';

const named = (name: string): SearchResult => ({ name, description: null, stars: null, pulls: null, official: null });

/** An API of `total` entries paged `size` at a time, that says its page size. */
function pagedApi(total: number, size: number, asked: number[]): (n: number) => Promise<ApiPage> {
  return async (n) => {
    asked.push(n);
    const start = (n - 1) * size;
    const results = Array.from({ length: Math.max(0, Math.min(size, total - start)) }, (_, i) => named(`r${start + i}`));
    return { results, hasMore: start + size < total, pageSize: size };
  };
}

describe('collectWindow', () => {
  it('asks again from the right page when the API names another page size than assumed', async () => {
    const asked: number[] = [];
    const got = await collectWindow(pagedApi(50, 5, asked), 10, 20, 4);
    expect(got.results.map((r) => r.name)).toEqual(['r20', 'r21', 'r22', 'r23']);
    expect(got.hasMore).toBe(true);
    expect(asked).toEqual([3, 5]);
  });

  it('stops at the last page and on an empty page that claims more', async () => {
    const asked: number[] = [];
    expect(await collectWindow(pagedApi(7, 5, asked), 5, 0, 25)).toEqual({ results: Array.from({ length: 7 }, (_, i) => named(`r${i}`)), hasMore: false });
    const liar = async (): Promise<ApiPage> => ({ results: [], hasMore: true });
    expect(await collectWindow(liar, 10, 0, 25)).toEqual({ results: [], hasMore: false });
  });

  it('reads a bounded number of pages from an API whose pages are tiny', async () => {
    const asked: number[] = [];
    const got = await collectWindow(pagedApi(10_000, 1, asked), 1, 0, 100);
    expect(asked.length).toBe(20);
    expect(got.results).toHaveLength(20);
    expect(got.hasMore).toBe(true);
  });
});

describe('search API parsing', () => {
  it('takes odd Docker Hub answers as unknown fields, never as a crash', () => {
    expect(parseDockerHubPage(null)).toEqual({ results: [], hasMore: false });
    expect(parseDockerHubPage({ results: 'x', next: 3 })).toEqual({ results: [], hasMore: false });
    const page = parseDockerHubPage({ next: '', results: [null, { repo_name: '' }, { repo_name: 'a/b', star_count: -1, pull_count: 1.5, is_official: 'yes', short_description: 7 }] });
    expect(page).toEqual({ results: [named('a/b')], hasMore: false });
  });

  it('names Quay repositories namespace/name and keeps only repositories', () => {
    const page = parseQuayPage({ results: [{ kind: 'repository', namespace: { name: 'o' }, name: 'r', stars: 3 }, { namespace: 'o', name: 'x' }], has_additional: true, page_size: 0 });
    expect(page).toEqual({ results: [{ name: 'o/r', description: null, stars: 3, pulls: null, official: null }], hasMore: true });
  });
});

describe('SearchCache', () => {
  it('keeps entries until they expire, across a save and an open', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-search-cache-'));
    try {
      let now = 1_000;
      const file = searchCachePath({ XDG_CACHE_HOME: dir });
      expect(file).toBe(path.join(dir, 'lazyoci', 'search.json'));
      const cache = await SearchCache.open(file, () => now);
      cache.set('k', { results: [named('a')], hasMore: false }, 60_000);
      await cache.save();
      now += 59_999;
      expect((await SearchCache.open(file, () => now)).get('k')?.results[0]?.name).toBe('a');
      now += 1;
      expect((await SearchCache.open(file, () => now)).get('k')).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('treats a foreign or damaged file as empty and drops malformed entries', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-search-cache-'));
    try {
      const file = path.join(dir, 'search.json');
      await writeFile(file, '{not json');
      expect((await SearchCache.open(file)).get('k')).toBeUndefined();
      const far = Date.now() + 60_000;
      await writeFile(file, JSON.stringify({ version: 1, entries: { bad: { expires: far, page: { results: [{ name: 1 }], hasMore: false } }, good: { expires: far, page: { results: [], hasMore: true } } } }));
      const cache = await SearchCache.open(file);
      expect(cache.get('bad')).toBeUndefined();
      expect(cache.get('good')).toEqual({ results: [], hasMore: true });
      expect(JSON.parse(await readFile(file, 'utf8')).version).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
