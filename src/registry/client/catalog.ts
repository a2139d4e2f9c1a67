// The registry's catalog (`GET /v2/_catalog`): every repository it will admit to,
// paged through `Link` like tags. Registry-wide, so it has its own scope.
import { readPages } from './paged-list.js';
import type { RegistryHttp } from './registry-http.js';

export const DEFAULT_CATALOG_PAGE_SIZE = 100;
export const CATALOG_SCOPE = 'registry:catalog:*';

export async function listRepositories(http: RegistryHttp, pageSize = DEFAULT_CATALOG_PAGE_SIZE): Promise<string[]> {
  const repositories: string[] = [];
  const pages = readPages(http, {
    url: `/v2/_catalog?n=${pageSize}`,
    field: 'repositories',
    scopes: [CATALOG_SCOPE],
    what: `list repositories of ${http.registry}`,
  });
  for await (const page of pages) repositories.push(...page);
  return repositories;
}
