// `browse search`: repositories whose name holds a query. Docker Hub and Quay answer from
// their public search APIs; any other registry from its catalog, filtered here
// (case-insensitive substring). GHCR has neither, and says so.
import { RegistryError, UsageError } from '../../errors/index.js';
import { DOCKER_HUB } from '../../ref/reference.js';
import { CATALOG_SCOPE, DEFAULT_CATALOG_PAGE_SIZE } from './catalog.js';
import { DOCKER_HUB_MAX_PAGE_SIZE, dockerHubSearchUrl, parseDockerHubPage } from './docker-hub-search.js';
import { readPages } from './paged-list.js';
import type { PublicApi } from './public-api.js';
import { parseQuayPage, QUAY_PAGE_SIZE, quaySearchUrl } from './quay-search.js';
import type { RegistryHttp } from './registry-http.js';
import { searchCacheKey, type SearchCache } from './search-cache.js';
import type { ApiPage, SearchResult } from './search-result.js';

export type SearchSource = 'catalog' | 'docker-hub' | 'quay';

export interface SearchRequest {
  registry: string;
  query: string;
  /** Results a page; at most MAX_SEARCH_LIMIT. */
  limit: number;
  /** 1-based page of `limit` results. */
  page: number;
}

export interface SearchOutcome {
  registry: string;
  source: SearchSource;
  results: SearchResult[];
  /** Another page follows this one. */
  hasMore: boolean;
}

export interface SearchDeps {
  /** The registry itself, for its catalog. */
  registry: () => RegistryHttp;
  api: PublicApi;
  cache: SearchCache;
  /** Where the Docker Hub and Quay search APIs live (LAZYOCI_*_SEARCH_URL in tests). */
  dockerHubUrl: URL;
  quayUrl: URL;
}

export const DEFAULT_SEARCH_LIMIT = 25;
export const MAX_SEARCH_LIMIT = 100;
/** API pages one search may read: a page of 100 from Quay's pages of 10, with room to spare. */
const MAX_API_PAGES = 20;

export const GHCR = 'ghcr.io';

export async function searchRepositories(req: SearchRequest, deps: SearchDeps): Promise<SearchOutcome> {
  const offset = (req.page - 1) * req.limit;
  if (req.registry === GHCR) {
    throw new UsageError('GHCR offers no catalog and no search API, so it cannot be searched', {
      hint: 'browse tags ghcr.io/OWNER/REPO',
    });
  }
  if (req.registry === DOCKER_HUB) {
    const pageSize = Math.min(req.limit, DOCKER_HUB_MAX_PAGE_SIZE);
    const fetch = (n: number): Promise<ApiPage> =>
      cachedPage(deps, dockerHubSearchUrl(deps.dockerHubUrl, req.query, n, pageSize), `search Docker Hub for "${req.query}"`, parseDockerHubPage);
    return { registry: req.registry, source: 'docker-hub', ...(await collectWindow(fetch, pageSize, offset, req.limit)) };
  }
  if (req.registry === 'quay.io') {
    const fetch = (n: number): Promise<ApiPage> => cachedPage(deps, quaySearchUrl(deps.quayUrl, req.query, n), `search Quay for "${req.query}"`, parseQuayPage);
    return { registry: req.registry, source: 'quay', ...(await collectWindow(fetch, QUAY_PAGE_SIZE, offset, req.limit)) };
  }
  return { registry: req.registry, source: 'catalog', ...(await searchCatalog(deps.registry(), req.query, offset, req.limit)) };
}

async function cachedPage(deps: SearchDeps, url: URL, what: string, parse: (doc: unknown) => ApiPage): Promise<ApiPage> {
  const key = searchCacheKey(url);
  const cached = deps.cache.get(key);
  if (cached !== undefined) return cached;
  const page = parse(await deps.api.getJson(url, what));
  deps.cache.set(key, page);
  return page;
}

/**
 * Results offset..offset+limit from an API that pages by its own size. An API that
 * names another page size than assumed is asked again from the right page.
 */
export async function collectWindow(
  fetch: (apiPage: number) => Promise<ApiPage>,
  assumedPageSize: number,
  offset: number,
  limit: number,
): Promise<{ results: SearchResult[]; hasMore: boolean }> {
  let pageSize = assumedPageSize;
  let apiPage = Math.floor(offset / pageSize) + 1;
  let skip = offset % pageSize;
  let resized = false;
  const out: SearchResult[] = [];
  for (let read = 0; read < MAX_API_PAGES; read++) {
    const page = await fetch(apiPage);
    if (!resized && page.pageSize !== undefined && page.pageSize !== pageSize) {
      resized = true;
      pageSize = page.pageSize;
      const start = Math.floor(offset / pageSize) + 1;
      skip = offset % pageSize;
      if (start !== apiPage) {
        apiPage = start;
        continue;
      }
    }
    out.push(...page.results.slice(skip));
    skip = 0;
    if (out.length > limit) return { results: out.slice(0, limit), hasMore: true };
    if (!page.hasMore || page.results.length === 0) return { results: out, hasMore: false };
    if (out.length === limit) return { results: out, hasMore: true };
    apiPage++;
  }
  return { results: out, hasMore: true };
}

/** The catalog read page by page until one match past the window shows whether more follow. */
async function searchCatalog(http: RegistryHttp, query: string, offset: number, limit: number): Promise<{ results: SearchResult[]; hasMore: boolean }> {
  const needle = query.toLowerCase();
  const matches: string[] = [];
  const pages = readPages(http, {
    url: `/v2/_catalog?n=${DEFAULT_CATALOG_PAGE_SIZE}`,
    field: 'repositories',
    scopes: [CATALOG_SCOPE],
    what: `search the catalog of ${http.registry}`,
  });
  try {
    for await (const page of pages) {
      for (const name of page) if (name.toLowerCase().includes(needle)) matches.push(name);
      // Stopping the generator here reads no further page.
      if (matches.length > offset + limit) break;
    }
  } catch (err) {
    throw noCatalog(err, http.registry) ?? err;
  }
  const window = matches.slice(offset, offset + limit);
  return {
    results: window.map((name) => ({ name, description: null, stars: null, pulls: null, official: null })),
    hasMore: matches.length > offset + limit,
  };
}

/** A registry that does not serve `/v2/_catalog` at all: say what works there instead. */
function noCatalog(err: unknown, registry: string): RegistryError | undefined {
  if (!(err instanceof RegistryError)) return undefined;
  const unsupported = err.status === 404 || err.status === 405 || err.codes.some((c) => c.code === 'UNSUPPORTED');
  if (!unsupported) return undefined;
  return new RegistryError(`${registry} offers no catalog (${err.status ?? err.codes[0]?.code}), so it cannot be searched`, {
    method: err.method,
    url: err.url,
    ...(err.status === undefined ? {} : { status: err.status }),
    hint: `browse tags ${registry}/REPOSITORY lists a repository you know the name of`,
    final: true,
  });
}
