// Quay's repository search: GET /api/v1/find/repositories?query=Q&page=N →
// {results:[{kind, namespace:{name}, name, description, stars?, popularity, is_public}],
// has_additional, page, page_size}. Quay chooses the page size (10 when this was written).
import { countOrNull, textOrNull, type ApiPage, type SearchResult } from './search-result.js';

export const QUAY_SEARCH_URL = 'https://quay.io';
export const QUAY_PAGE_SIZE = 10;

export function quaySearchUrl(base: URL, query: string, page: number): URL {
  const url = new URL('api/v1/find/repositories', base.href.endsWith('/') ? base : new URL(`${base.href}/`));
  url.search = new URLSearchParams({ query, page: String(page) }).toString();
  return url;
}

export function parseQuayPage(doc: unknown): ApiPage {
  const d = (typeof doc === 'object' && doc !== null ? doc : {}) as { results?: unknown; has_additional?: unknown; page_size?: unknown };
  const results: SearchResult[] = [];
  for (const raw of Array.isArray(d.results) ? d.results : []) {
    const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    // Quay's find also knows other kinds; only repositories can be browsed.
    if (r.kind !== undefined && r.kind !== 'repository') continue;
    const ns = (typeof r.namespace === 'object' && r.namespace !== null ? r.namespace : {}) as Record<string, unknown>;
    if (typeof r.name !== 'string' || r.name === '' || typeof ns.name !== 'string' || ns.name === '') continue;
    results.push({
      name: `${ns.name}/${r.name}`,
      description: textOrNull(r.description),
      stars: countOrNull(r.stars),
      // Quay counts no pulls here (its `popularity` is an activity score) and has no official images.
      pulls: null,
      official: null,
    });
  }
  const pageSize = countOrNull(d.page_size);
  return { results, hasMore: d.has_additional === true, ...(pageSize === null || pageSize === 0 ? {} : { pageSize }) };
}
