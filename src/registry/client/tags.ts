// Tag listing, following `Link: <…>; rel="next"` pagination.
import { readAll } from '../../content/store.js';
import { RegistryError } from '../../errors/index.js';
import { header, type RegistryHttp } from './registry-http.js';

const PAGE_LIMIT = 4 << 20;
const MAX_PAGES = 10_000;

export function nextLink(link: string | undefined): string | undefined {
  if (link === undefined) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part);
    if (m !== null) return m[1];
  }
  return undefined;
}

export async function listTags(http: RegistryHttp, repository: string, scopes: readonly string[], pageSize = 1000): Promise<string[]> {
  const tags: string[] = [];
  let url: string | undefined = `/v2/${repository}/tags/list?n=${pageSize}`;
  for (let page = 0; url !== undefined && page < MAX_PAGES; page++) {
    const what = `list tags of ${http.registry}/${repository}`;
    const res = await http.send({ method: 'GET', url, scopes, expect: [200], what });
    const text = (await readAll(res.body, PAGE_LIMIT)).toString('utf8');
    let doc: { tags?: unknown };
    try {
      doc = JSON.parse(text) as typeof doc;
    } catch {
      throw new RegistryError(`${what}: registry sent invalid JSON`, { method: 'GET', url, status: res.statusCode });
    }
    if (Array.isArray(doc.tags)) tags.push(...doc.tags.filter((t): t is string => typeof t === 'string'));
    url = nextLink(header(res, 'link'));
  }
  return tags;
}
