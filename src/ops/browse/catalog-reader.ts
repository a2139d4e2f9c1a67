// A registry's catalog read one page at a time, as the browser's list scrolls, and the
// registries that have none (Docker Hub, GHCR, or a 404/405/UNSUPPORTED answer).
import { RegistryError } from '../../errors/index.js';
import { CATALOG_SCOPE } from '../../registry/client/catalog.js';
import { readPages } from '../../registry/client/paged-list.js';
import type { RegistryHttp } from '../../registry/client/registry-http.js';
import { CatalogUnsupported, knownCatalogless } from './catalog-support.js';

export { CatalogUnsupported, knownCatalogless } from './catalog-support.js';

/** Repositories asked for per page: a screenful or two, so the first rows come quickly. */
export const CATALOG_PAGE_SIZE = 100;

export interface CatalogPage {
  repositories: string[];
  /** No page after this one. */
  done: boolean;
}

export interface CatalogReader {
  /** Why the registry has no catalog to read, when known before asking. */
  readonly unsupported?: string;
  next(): Promise<CatalogPage>;
}

function isUnsupported(err: unknown): boolean {
  if (!(err instanceof RegistryError)) return false;
  return err.status === 404 || err.status === 405 || err.codes.some((c) => c.code === 'UNSUPPORTED');
}

export function openCatalog(http: RegistryHttp, pageSize = CATALOG_PAGE_SIZE): CatalogReader {
  const known = knownCatalogless(http.registry);
  if (known !== undefined) {
    return {
      unsupported: known,
      next: async () => {
        throw new CatalogUnsupported(known);
      },
    };
  }
  const pages = readPages(http, {
    url: `/v2/_catalog?n=${pageSize}`,
    field: 'repositories',
    scopes: [CATALOG_SCOPE],
    what: `list repositories of ${http.registry}`,
  });
  let done = false;
  return {
    next: async () => {
      if (done) return { repositories: [], done: true };
      try {
        const page = await pages.next();
        if (page.done === true) {
          done = true;
          return { repositories: [], done: true };
        }
        return { repositories: page.value, done: false };
      } catch (err) {
        done = true;
        if (isUnsupported(err)) throw new CatalogUnsupported(`${http.registry} offers no catalog (${(err as RegistryError).status ?? 'UNSUPPORTED'})`);
        throw err;
      }
    },
  };
}
