// What a repository search finds, whatever answered it: the same fields for the catalog,
// Docker Hub and Quay; null where the source does not say (a catalog has only names).
export interface SearchResult {
  name: string;
  description: string | null;
  stars: number | null;
  pulls: number | null;
  official: boolean | null;
}

/** One page as a search API hands it out. */
export interface ApiPage {
  results: SearchResult[];
  /** The API says there is a page after this one. */
  hasMore: boolean;
  /** Entries per page, where the API says (Quay picks its own). */
  pageSize?: number;
}

export function countOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

export function textOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function isSearchResult(value: unknown): value is SearchResult {
  const r = value as Partial<SearchResult> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.name === 'string' &&
    (r.description === null || typeof r.description === 'string') &&
    (r.stars === null || countOrNull(r.stars) !== null) &&
    (r.pulls === null || countOrNull(r.pulls) !== null) &&
    (r.official === null || typeof r.official === 'boolean')
  );
}
