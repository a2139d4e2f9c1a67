// Search API answers kept for a few minutes: $XDG_CACHE_HOME/lazyoci/search.json
// (~/.cache when unset), keyed by API URL + query + page, each entry with its expiry.
// Paging back and forth, or asking again, does not ask Docker Hub or Quay again.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { isSearchResult, type ApiPage } from './search-result.js';

export const SEARCH_CACHE_TTL_MS = 5 * 60 * 1000;
const FORMAT_VERSION = 1;
/** Enough for a session of searching; the file stays a few hundred KiB at most. */
const MAX_ENTRIES = 200;

interface Entry {
  expires: number;
  page: ApiPage;
}

export function searchCachePath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(env.HOME ?? homedir(), '.cache');
  return join(base, 'lazyoci', 'search.json');
}

export function searchCacheKey(apiUrl: URL): string {
  return apiUrl.href;
}

function isEntry(value: unknown): value is Entry {
  const e = value as Partial<Entry> | null;
  const p = e?.page as Partial<ApiPage> | undefined;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.expires === 'number' &&
    typeof p === 'object' &&
    p !== null &&
    typeof p.hasMore === 'boolean' &&
    (p.pageSize === undefined || (Number.isSafeInteger(p.pageSize) && p.pageSize > 0)) &&
    Array.isArray(p.results) &&
    p.results.every(isSearchResult)
  );
}

export class SearchCache {
  readonly #file: string | undefined;
  readonly #entries: Map<string, Entry>;
  readonly #now: () => number;
  #changed = false;

  private constructor(file: string | undefined, entries: Map<string, Entry>, now: () => number) {
    this.#file = file;
    this.#entries = entries;
    this.#now = now;
  }

  static inMemory(now: () => number = Date.now): SearchCache {
    return new SearchCache(undefined, new Map(), now);
  }

  /** Load the file, dropping what has expired; a missing, unreadable or foreign file is an empty cache. */
  static async open(file: string, now: () => number = Date.now): Promise<SearchCache> {
    const entries = new Map<string, Entry>();
    try {
      const doc = JSON.parse(await readFile(file, 'utf8')) as { version?: unknown; entries?: unknown };
      if (doc.version === FORMAT_VERSION && typeof doc.entries === 'object' && doc.entries !== null) {
        for (const [key, entry] of Object.entries(doc.entries)) if (isEntry(entry) && entry.expires > now()) entries.set(key, entry);
      }
    } catch {
      // A cache is only a shortcut: any trouble reading it means asking again.
    }
    return new SearchCache(file, entries, now);
  }

  get(key: string): ApiPage | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.#now()) {
      this.#entries.delete(key);
      this.#changed = true;
      return undefined;
    }
    return entry.page;
  }

  set(key: string, page: ApiPage, ttlMs = SEARCH_CACHE_TTL_MS): void {
    this.#entries.set(key, { expires: this.#now() + ttlMs, page });
    this.#changed = true;
  }

  /** Write back when changed, beside and renamed; failing to write only loses the shortcut. */
  async save(): Promise<void> {
    if (this.#file === undefined || !this.#changed) return;
    const kept = [...this.#entries].sort((a, b) => b[1].expires - a[1].expires).slice(0, MAX_ENTRIES);
    const temp = `${this.#file}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(this.#file), { recursive: true });
      await writeFile(temp, JSON.stringify({ version: FORMAT_VERSION, entries: Object.fromEntries(kept) }), { mode: 0o600 });
      await rename(temp, this.#file);
      this.#changed = false;
    } catch {
      // An unwritable cache directory must not fail a search that worked.
    }
  }
}
