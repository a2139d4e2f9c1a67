// Huge tag lists: `browse tags` of a repository with BENCH_TAGS tags, paged 100 at a time
// through a paging front, against curl fetching the same pages in one process plus
// `node -e 0`; and `--limit 20`, which must read one page.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { CLI, num, fmt, median, startRegistry, stopRegistry, run, timed, since } from './lib.mjs';
import { startTagPagingFront } from './tag-paging-front.mjs';

const REPO = 'bench/tags';
const PAGE = 100;

/**
 * One manifest pushed over HTTP, then its tag link copied under every other tag name in
 * the registry's storage (distribution lists tags from these directories): 10,000 PUTs
 * would take the registry minutes on a loaded machine, and only the listing is measured.
 */
export async function seedTags(reg, count) {
  const cfg = Buffer.from('{}');
  const { createHash } = await import('node:crypto');
  const sha = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  const post = await fetch(`http://${reg.host}/v2/${REPO}/blobs/uploads/`, { method: 'POST' });
  const loc = new URL(post.headers.get('location'), `http://${reg.host}`);
  loc.searchParams.set('digest', sha(cfg));
  const put = await fetch(loc, { method: 'PUT', body: cfg, headers: { 'content-type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Error(`seed blob: ${put.status}`);
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/vnd.lazyoci.bench.v1', config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(cfg), size: 2 }, layers: [] });
  const m = await fetch(`http://${reg.host}/v2/${REPO}/manifests/t00000`, { method: 'PUT', body: manifest, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
  if (m.status !== 201) throw new Error(`seed manifest: ${m.status} ${await m.text()}`);
  const tagsDir = path.join(reg.dir, 'data', 'docker', 'registry', 'v2', 'repositories', REPO, '_manifests', 'tags');
  const first = path.join(tagsDir, 't00000');
  const link = await fsp.readFile(path.join(first, 'current', 'link'));
  const hex = link.toString().trim().slice('sha256:'.length);
  for (let i = 1; i < count; i++) {
    const dir = path.join(tagsDir, `t${String(i).padStart(5, '0')}`);
    await fsp.mkdir(path.join(dir, 'current'), { recursive: true });
    await fsp.mkdir(path.join(dir, 'index', 'sha256', hex), { recursive: true });
    await fsp.writeFile(path.join(dir, 'current', 'link'), link);
    await fsp.writeFile(path.join(dir, 'index', 'sha256', hex, 'link'), link);
  }
}

/** The page URLs a client following Link walks, found once by walking them. */
async function pageUrls(host) {
  const urls = [];
  let next = `/v2/${REPO}/tags/list?n=${PAGE}`;
  while (next !== undefined) {
    urls.push(`http://${host}${next}`);
    const res = await fetch(`http://${host}${next}`);
    await res.arrayBuffer();
    next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
  }
  return urls;
}

async function wall(cmd, args, opts) {
  const t0 = process.hrtime.bigint();
  const r = await run(cmd, args, opts);
  return { wall: since(t0), out: r.out };
}

export async function benchTags({ lazyEnv, rounds: ROUNDS, log }) {
  const COUNT = num('BENCH_TAGS', 10000);
  const reg = await startRegistry('tags');
  let front;
  const rows = [];
  try {
    await seedTags(reg, COUNT);
    front = await startTagPagingFront(reg.host);
    const urls = await pageUrls(front.host);
    const curlArgs = ['-s', '-f', ...urls.flatMap((u) => ['-o', '/dev/null', u])];
    const ref = `${front.host}/${REPO}`;
    // Warm-up: the page cache and the front's list.
    const warm = await run('node', [CLI, 'browse', 'tags', ref], { env: lazyEnv });
    const listed = warm.out.trim().split('\n').length;
    if (listed !== COUNT) throw new Error(`browse tags listed ${listed} tags, expected ${COUNT}`);
    await run('curl', curlArgs);
    for (let r = 0; r < ROUNDS; r++) {
      const row = { round: r + 1 };
      const steps = {
        lazy: async () => {
          row.lazy = await wall('node', [CLI, 'browse', 'tags', ref], { env: lazyEnv });
          const t = await timed('node', [CLI, 'browse', 'tags', ref], { env: lazyEnv });
          row.lazyCpu = t.cpu;
          row.lazyRss = t.rss;
        },
        curl: async () => { row.curl = await wall('curl', curlArgs); },
        node: async () => { row.node = await wall('node', ['-e', '0']); },
        limit: async () => {
          const before = front.pages();
          row.limit = await wall('node', [CLI, 'browse', 'tags', ref, '--limit', '20'], { env: lazyEnv });
          row.limitPages = front.pages() - before;
          if (row.limit.out.trim().split('\n').length !== 20) throw new Error('browse tags --limit 20 did not list 20 tags');
        },
      };
      const order = r % 2 === 0 ? ['lazy', 'curl', 'node', 'limit'] : ['limit', 'node', 'curl', 'lazy'];
      for (const k of order) await steps[k]();
      row.order = order.join(', ');
      rows.push(row);
      log(`tags round ${row.round}: lazyoci ${fmt(row.lazy.wall, 3)}s (cpu ${fmt(row.lazyCpu)}s), curl ${fmt(row.curl.wall, 3)}s + node ${fmt(row.node.wall, 3)}s, --limit 20 ${fmt(row.limit.wall, 3)}s ${row.limitPages} page(s)`);
    }
    const med = (f) => median(rows.map(f));
    const ratio = med((r) => r.lazy.wall / (r.curl.wall + r.node.wall));
    const limitPages = Math.max(...rows.map((r) => r.limitPages));
    const md = ['# Huge tag lists', ''];
    md.push(`- one registry, repository \`${REPO}\` with ${COUNT} tags (BENCH_TAGS; one manifest pushed, the other tags' links written into the registry's storage), behind a paging front (bench/tag-paging-front.mjs: pages of \`n\`, \`last\`, \`Link\` rel="next", served from the registry's list read once)`);
    md.push(`- lazyoci: \`node dist/cli.js browse tags HOST/${REPO}\` (text, to a pipe; ${urls.length} pages of ${PAGE}), wall from the Node clock, CPU/RSS from a second run under GNU time; curl: one process fetching the same ${urls.length} page URLs over one connection (\`curl -s -f -o /dev/null URL …\`, the URLs taken from a walk beforehand) plus \`node -e 0\` for Node's start-up; \`--limit 20\`: pages counted by the front. ${ROUNDS} rounds, order alternating, after one warm-up run of each`, '');
    md.push('| round | order | lazyoci wall s | lazyoci CPU s | lazyoci RSS MiB | curl wall s | node -e 0 s | ratio | --limit 20 wall s | --limit 20 pages |', '|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) md.push(`| ${r.round} | ${r.order} | ${fmt(r.lazy.wall, 3)} | ${fmt(r.lazyCpu)} | ${fmt(r.lazyRss, 1)} | ${fmt(r.curl.wall, 3)} | ${fmt(r.node.wall, 3)} | ${fmt(r.lazy.wall / (r.curl.wall + r.node.wall))} | ${fmt(r.limit.wall, 3)} | ${r.limitPages} |`);
    md.push(`| median | | ${fmt(med((r) => r.lazy.wall), 3)} | ${fmt(med((r) => r.lazyCpu))} | ${fmt(med((r) => r.lazyRss), 1)} | ${fmt(med((r) => r.curl.wall), 3)} | ${fmt(med((r) => r.node.wall), 3)} | ${fmt(ratio)} | ${fmt(med((r) => r.limit.wall), 3)} | ${limitPages} |`, '');
    const targets = [
      [`browse tags of ${COUNT} tags: wall vs curl walking the pages + \`node -e 0\``, '≤ 1.5×', `${fmt(ratio)}×`, ratio <= 1.5],
      ['browse tags --limit 20: pages read', '1', String(limitPages), limitPages === 1],
    ];
    return { md, targets };
  } finally {
    await front?.stop();
    await stopRegistry(reg);
  }
}
