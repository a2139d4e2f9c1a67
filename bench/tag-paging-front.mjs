// A paging front for `tags/list` like test/support/tag-paging-proxy.ts (distribution 2.8
// ignores `n` and `last`), for the bench: `n`, `last`, lexical order, `Link: <…>; rel="next"`.
// Unlike the test bed's, it asks the registry for a repository's whole list once and pages
// from memory, so the figures measure the client, not the registry reading 10,000 tag
// directories for every page. Counts the page requests it answers.
import http from 'node:http';

export async function startTagPagingFront(upstreamHost) {
  const lists = new Map();
  let pages = 0;
  const fullList = async (repo) => {
    if (!lists.has(repo)) {
      const res = await fetch(`http://${upstreamHost}/v2/${repo}/tags/list`);
      if (res.status !== 200) throw new Error(`upstream tags/list ${res.status}`);
      lists.set(repo, [...((await res.json()).tags ?? [])].sort());
    }
    return lists.get(repo);
  };
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://front');
      if (url.pathname === '/v2/') { res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 }); res.end('{}'); return; }
      const m = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
      if (m === null || req.method !== 'GET') { res.writeHead(404, { 'content-length': 0 }); res.end(); return; }
      pages++;
      const all = await fullList(m[1]);
      const last = url.searchParams.get('last');
      const n = url.searchParams.has('n') ? Number(url.searchParams.get('n')) : undefined;
      let start = 0;
      if (last !== null) { start = all.findIndex((t) => t > last); if (start < 0) start = all.length; }
      const page = n === undefined ? all.slice(start) : all.slice(start, start + n);
      const body = Buffer.from(JSON.stringify({ name: m[1], tags: page }));
      const headers = { 'content-type': 'application/json', 'content-length': body.length };
      if (n !== undefined && start + n < all.length) headers.link = `</v2/${m[1]}/tags/list?n=${n}&last=${encodeURIComponent(page[page.length - 1])}>; rel="next"`;
      res.writeHead(200, headers);
      res.end(body);
    } catch (e) {
      res.writeHead(502, { 'content-length': 0 });
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${server.address().port}`,
    pages: () => pages,
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
