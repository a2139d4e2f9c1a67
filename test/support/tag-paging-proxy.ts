// A plain-HTTP proxy in front of a real registry that pages `tags/list` the way the
// distribution spec describes (`n`, `last`, lexical order, `Link: <…>; rel="next"`).
// distribution 2.8.2 ignores `n` and `last` on tags/list and answers with every tag at
// once, so without this a client's pagination would never be exercised. Every request
// still reaches the registry unchanged, so its access log shows what the client asked.
import http from 'node:http';

export interface TagPagingProxy {
  /** "127.0.0.1:PORT" */
  host: string;
  /** tags/list requests seen so far, as request paths with their queries. */
  tagListRequests(): string[];
  stop(): Promise<void>;
}

const TAGS_LIST = /^\/v2\/(.+)\/tags\/list$/;

export async function startTagPagingProxy(upstreamHost: string): Promise<TagPagingProxy> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${upstreamHost}`);
    const tagsOf = req.method === 'GET' ? TAGS_LIST.exec(url.pathname)?.[1] : undefined;
    if (tagsOf !== undefined) seen.push(`${url.pathname}${url.search}`);
    const headers = { ...req.headers, host: upstreamHost };
    const upstream = http.request(url, { method: req.method, headers }, (up) => {
      if (tagsOf === undefined || up.statusCode !== 200) {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { name: string; tags: string[] | null };
        const all = [...(doc.tags ?? [])].sort();
        const last = url.searchParams.get('last');
        const n = url.searchParams.has('n') ? Number(url.searchParams.get('n')) : undefined;
        const after = last === null ? all : all.filter((t) => t > last);
        const page = n === undefined ? after : after.slice(0, n);
        const body = Buffer.from(JSON.stringify({ name: doc.name, tags: page }));
        const out: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': body.length };
        if (n !== undefined && after.length > n) {
          out.link = `</v2/${tagsOf}/tags/list?n=${n}&last=${encodeURIComponent(page[page.length - 1]!)}>; rel="next"`;
        }
        res.writeHead(200, out);
        res.end(body);
      });
    });
    upstream.on('error', (err) => {
      res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('tag paging proxy: no port');
  return {
    host: `127.0.0.1:${addr.port}`,
    tagListRequests: () => [...seen],
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
