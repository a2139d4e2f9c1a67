// Lists the registry hands out a page at a time (tags, catalog): each page is a JSON
// object holding one string array, the next page named by a `Link: <…>; rel="next"` header.
import { readAll } from '../../content/store.js';
import { RegistryError } from '../../errors/index.js';
import { header, type RegistryHttp } from './registry-http.js';

const PAGE_LIMIT = 4 << 20;
const MAX_PAGES = 10_000;

/** The target of the `rel="next"` entry of a Link header (RFC 8288), if any. */
export function nextLink(link: string | undefined): string | undefined {
  if (link === undefined) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;(?:[^;]*;)*\s*rel="?([^";]*)"?/i.exec(part);
    if (m !== null && m[2]!.toLowerCase().split(/\s+/).includes('next')) return m[1];
  }
  return undefined;
}

export interface PagedListRequest {
  /** The first page: a path below the endpoint, with `n=` already set. */
  url: string;
  /** The array field of each page (`tags`, `repositories`). */
  field: string;
  scopes: readonly string[];
  what: string;
}

/** Yields each page's entries; stops at the last page, or when the caller stops asking. */
export async function* readPages(http: RegistryHttp, req: PagedListRequest): AsyncGenerator<string[]> {
  const seen = new Set<string>();
  let url: string | undefined = req.url;
  for (let page = 0; url !== undefined; page++) {
    // A registry that links back to a page already read would otherwise loop forever.
    if (page >= MAX_PAGES || seen.has(url)) {
      throw new RegistryError(`${req.what}: the registry's pagination does not end`, { method: 'GET', url });
    }
    seen.add(url);
    const res = await http.send({ method: 'GET', url, scopes: req.scopes, expect: [200], what: req.what });
    const text = (await readAll(res.body, PAGE_LIMIT)).toString('utf8');
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new RegistryError(`${req.what}: registry sent invalid JSON`, { method: 'GET', url, status: res.statusCode });
    }
    const entries = doc?.[req.field];
    const next = nextLink(header(res, 'link'));
    yield Array.isArray(entries) ? entries.filter((e): e is string => typeof e === 'string') : [];
    url = next;
  }
}
