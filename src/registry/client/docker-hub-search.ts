// Docker Hub's repository search (it offers no catalog): GET /v2/search/repositories/
// ?query=Q&page=N&page_size=M → {count, next, previous, results:[{repo_name,
// short_description, star_count, pull_count, is_official, …}]}.
import { countOrNull, textOrNull, type ApiPage, type SearchResult } from './search-result.js';

export const DOCKER_HUB_SEARCH_URL = 'https://hub.docker.com';
/** The most Docker Hub hands out in one page. */
export const DOCKER_HUB_MAX_PAGE_SIZE = 100;

export function dockerHubSearchUrl(base: URL, query: string, page: number, pageSize: number): URL {
  const url = new URL('v2/search/repositories/', base.href.endsWith('/') ? base : new URL(`${base.href}/`));
  url.search = new URLSearchParams({ query, page: String(page), page_size: String(pageSize) }).toString();
  return url;
}

/** The page's entries that have a name; a missing or odd field reads as unknown (null). */
export function parseDockerHubPage(doc: unknown): ApiPage {
  const d = (typeof doc === 'object' && doc !== null ? doc : {}) as { next?: unknown; results?: unknown };
  const results: SearchResult[] = [];
  for (const raw of Array.isArray(d.results) ? d.results : []) {
    const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    if (typeof r.repo_name !== 'string' || r.repo_name === '') continue;
    results.push({
      name: r.repo_name,
      description: textOrNull(r.short_description),
      stars: countOrNull(r.star_count),
      pulls: countOrNull(r.pull_count),
      official: typeof r.is_official === 'boolean' ? r.is_official : null,
    });
  }
  return { results, hasMore: typeof d.next === 'string' && d.next !== '' };
}
