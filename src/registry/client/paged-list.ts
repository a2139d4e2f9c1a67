// Lists the registry hands out a page at a time (tags, catalog): each page is a JSON
// object holding one string array, the next page named by a `Link: <…>; rel="next"` header.
import { describeLimit } from '../../content/read-capped.js';
import { RegistryError } from '../../errors/index.js';
import { BODY_LIMITS, readResponse } from '../transport/read-response.js';
import { redactUrl } from '../transport/redact.js';
import { header, type RegistryHttp } from './registry-http.js';

/**
 * How much of one list lazyoci reads before it stops: generous for the biggest real
 * repositories (Docker Hub's hold tens of thousands of tags), small enough that a
 * registry whose `Link` never ends (each page naming a fresh next URL) is stopped long
 * before memory runs out. Entries count everything read, whether a filter kept it or not.
 */
export const LIST_BOUNDS: ListBounds = { pages: 10_000, entries: 1_000_000, bytes: 256 << 20 };

export interface ListBounds {
  pages: number;
  entries: number;
  /** Page bodies plus the next-page URLs, which are remembered to spot a loop. */
  bytes: number;
}

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
  /** What to tell a user whose real list is longer than the bounds allow. */
  boundHint?: string;
}

/** The bound a list has reached before its next page, if any. */
function boundReached(bounds: ListBounds, pages: number, entries: number, bytes: number): string | undefined {
  if (pages >= bounds.pages) return `${bounds.pages} pages`;
  if (entries >= bounds.entries) return `${bounds.entries} entries`;
  if (bytes >= bounds.bytes) return describeLimit(bounds.bytes);
  return undefined;
}

/** Yields each page's entries; stops at the last page, or when the caller stops asking. */
export async function* readPages(http: RegistryHttp, req: PagedListRequest, bounds: ListBounds = LIST_BOUNDS): AsyncGenerator<string[]> {
  const seen = new Set<string>();
  let next: string | undefined = req.url;
  let entries = 0;
  let bytes = 0;
  for (let page = 0; next !== undefined; page++) {
    const url = await http.resolve(next, req.what);
    // A registry that links back to a page already read would otherwise loop forever.
    if (seen.has(next)) {
      throw new RegistryError(`${req.what}: the registry's pagination does not end (page ${page + 1} links back to an earlier page)`, {
        method: 'GET',
        url: redactUrl(url),
      });
    }
    const bound = boundReached(bounds, page, entries, bytes);
    if (bound !== undefined) {
      throw new RegistryError(`${req.what}: stopped after ${page} pages (${entries} entries, ${bytes} bytes): the list goes past lazyoci's bound of ${bound}`, {
        method: 'GET',
        url: redactUrl(url),
        hint: req.boundHint ?? 'a registry whose pages never end is broken or hostile',
      });
    }
    seen.add(next);
    bytes += next.length;
    const res = await http.send({ method: 'GET', url: next, scopes: req.scopes, expect: [200], what: req.what });
    const body = await readResponse(res, BODY_LIMITS.page, { method: 'GET', url, what: req.what, kind: 'page' });
    bytes += body.length;
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new RegistryError(`${req.what}: registry sent invalid JSON`, { method: 'GET', url: redactUrl(url), status: res.statusCode });
    }
    const found = doc?.[req.field];
    const list = Array.isArray(found) ? found.filter((e): e is string => typeof e === 'string') : [];
    entries += list.length;
    next = nextLink(header(res, 'link'));
    yield list;
  }
}
