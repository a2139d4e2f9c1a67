// Tag listing over `GET /v2/<name>/tags/list`, following `Link: <…>; rel="next"`
// pagination and stopping early once the caller has enough tags.
import { readPages } from './paged-list.js';
import type { RegistryHttp } from './registry-http.js';

export { nextLink } from './paged-list.js';

/** Asked for explicitly so a big repository is paged even where the registry's default is "all". */
export const DEFAULT_TAG_PAGE_SIZE = 100;

export interface ListTagsOptions {
  /** `n` sent with each page request. */
  pageSize?: number;
  /** Stop fetching pages once this many tags (that pass `match`) are known. */
  limit?: number;
  /** Only tags passing this count and are returned. */
  match?: (tag: string) => boolean;
}

export async function listTags(
  http: RegistryHttp,
  repository: string,
  scopes: readonly string[],
  options: ListTagsOptions = {},
): Promise<string[]> {
  const { limit, match } = options;
  const tags: string[] = [];
  const pages = readPages(http, {
    url: `/v2/${repository}/tags/list?n=${options.pageSize ?? DEFAULT_TAG_PAGE_SIZE}`,
    field: 'tags',
    scopes,
    what: `list tags of ${http.registry}/${repository}`,
    boundHint: 'browse tags --limit N reads only the first N tags',
  });
  for await (const page of pages) {
    tags.push(...(match === undefined ? page : page.filter(match)));
    if (limit !== undefined && tags.length >= limit) return tags.slice(0, limit);
  }
  return tags;
}
