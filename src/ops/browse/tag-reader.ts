// A repository's tags page by page through `Link`, for a view that shows them as
// they arrive.
import { readPages } from '../../registry/client/paged-list.js';
import type { RegistryHttp } from '../../registry/client/registry-http.js';

/** Large pages: the browser wants every tag (to sort them), in as few requests as the registry allows. */
export const BROWSER_TAG_PAGE_SIZE = 1000;

export function tagPages(http: RegistryHttp, repository: string, pageSize = BROWSER_TAG_PAGE_SIZE): AsyncGenerator<string[]> {
  return readPages(http, {
    url: `/v2/${repository}/tags/list?n=${pageSize}`,
    field: 'tags',
    scopes: [`repository:${repository}:pull`],
    what: `list tags of ${http.registry}/${repository}`,
  });
}
