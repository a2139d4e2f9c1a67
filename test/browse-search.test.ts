// `browse search`: the catalog path against the real registry of the test bed; Docker Hub
// and Quay through test-only stand-ins on 127.0.0.1 serving the shapes their public search
// APIs answer with (those hosts cannot be reached from here), named by the testing knobs
// LAZYOCI_DOCKERHUB_SEARCH_URL / LAZYOCI_QUAY_SEARCH_URL.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from './support/cli.js';
import { startHostileProxy, type HostileServer } from './support/hostile-server.js';
import { writeTinyLayout } from './support/oci-layout-fixture.js';
import { copyFromLayout } from './support/skopeo.js';

const registry = inject('registries').http;
const suffix = (): string => Math.random().toString(36).slice(2, 8);

interface StandIn {
  url: string;
  /** Path and query of every request, in order. */
  seen: string[];
  stop(): Promise<void>;
}

/** A test-only HTTP server on 127.0.0.1 answering GETs with what `answer` makes of the URL. */
async function startStandIn(answer: (url: URL) => { status: number; body: unknown; headers?: Record<string, string> }): Promise<StandIn> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url ?? '/');
    const { status, body, headers } = answer(new URL(req.url ?? '/', 'http://stand-in'));
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Docker Hub's search answer shape: {count, next, previous, results:[…]}, paged by page/page_size. */
const HUB_REPOS = [
  { repo_name: 'nginx', short_description: 'Official build of Nginx.', star_count: 20510, pull_count: 1_234_567_890, is_official: true, is_automated: false, repo_owner: '' },
  { repo_name: 'bitnami/nginx', short_description: 'Bitnami nginx\x1b]0;pwned\x07 with a\nsecond line', star_count: 190, pull_count: 5_600_000, is_official: false, is_automated: false, repo_owner: '' },
  { repo_name: 'nginxinc/nginx-unprivileged', short_description: 'Unprivileged NGINX Dockerfiles', star_count: 150, pull_count: 999, is_official: false, is_automated: false, repo_owner: '' },
  { repo_name: 'ubuntu/nginx', short_description: null, star_count: 'many', pull_count: 12_000, is_official: false, is_automated: false, repo_owner: '' },
  { repo_name: 'linuxserver/nginx', short_description: 'An Nginx container', star_count: 220, pull_count: 45_000_000, is_official: false, is_automated: false, repo_owner: '' },
];

function hubAnswer(url: URL): { status: number; body: unknown } {
  if (url.pathname !== '/v2/search/repositories/') return { status: 404, body: { message: 'not found' } };
  const page = Number(url.searchParams.get('page'));
  const size = Number(url.searchParams.get('page_size'));
  const start = (page - 1) * size;
  const more = start + size < HUB_REPOS.length;
  return {
    status: 200,
    body: {
      count: HUB_REPOS.length,
      next: more ? `https://hub.docker.com/v2/search/repositories/?page=${page + 1}&page_size=${size}&query=nginx` : null,
      previous: page > 1 ? 'https://hub.docker.com/v2/search/repositories/?page=1' : null,
      results: HUB_REPOS.slice(start, start + size),
    },
  };
}

/** Quay's find answer shape, 10 a page: {results:[…], has_additional, page, page_size, start_index}. */
const QUAY_REPOS = Array.from({ length: 23 }, (_, i) => ({
  kind: 'repository',
  title: 'repo',
  namespace: { title: 'org', kind: 'organization', name: `ns${i}`, score: 1, href: `/organization/ns${i}` },
  name: `app${i}`,
  description: i === 0 ? 'first\x1b[2J' : `app number ${i}`,
  is_public: true,
  score: 1,
  href: `/repository/ns${i}/app${i}`,
  popularity: 3,
  ...(i % 2 === 0 ? { stars: i } : {}),
}));

function quayAnswer(url: URL): { status: number; body: unknown } {
  if (url.pathname !== '/api/v1/find/repositories') return { status: 404, body: { error: 'not found' } };
  const page = Number(url.searchParams.get('page'));
  const start = (page - 1) * 10;
  const results: unknown[] = QUAY_REPOS.slice(start, start + 10);
  // Quay's find names other kinds too; they are not repositories and are left out.
  if (page === 1) results.splice(3, 0, { kind: 'application', name: 'not-a-repo', namespace: { name: 'x' } });
  return { status: 200, body: { results, has_additional: start + 10 < QUAY_REPOS.length, page, page_size: 10, start_index: start } };
}

describe('browse search', () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-search-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  describe('a registry with a catalog (real registry)', () => {
    const prefix = `srch${suffix()}`;
    const repos = [`${prefix}/alpha-one`, `${prefix}/alpha-three`, `${prefix}/alpha-two`, `${prefix}/beta`];

    beforeAll(async () => {
      const dir = await mkdtemp(path.join(work, 'seed-'));
      await writeTinyLayout(dir, 'v1');
      for (const repo of repos) await copyFromLayout(dir, 'v1', `${registry.host}/${repo}:v1`, { tls: 'skip' });
    }, 60_000);

    it('filters the catalog by a case-insensitive substring, as json objects with stable fields', async () => {
      const res = await runCli(['browse', 'search', registry.host, `${prefix.toUpperCase()}/ALPHA`, '-o', 'json']);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout)).toEqual(
        repos.slice(0, 3).map((name) => ({ name, description: null, stars: null, pulls: null, official: null })),
      );
    });

    it('pages with --limit and --page, and says how to reach the next page', async () => {
      const first = await runCli(['browse', 'search', registry.host, `${prefix}/alpha`, '--limit', '2']);
      expect(first.code).toBe(0);
      expect(first.stdout).toBe(`NAME\n${repos[0]}\n${repos[1]}\n`);
      expect(first.stderr).toBe(`more: lazyoci browse search ${registry.host} "${prefix}/alpha" --page 2 --limit 2\n`);

      const second = await runCli(['browse', 'search', registry.host, `${prefix}/alpha`, '--limit', '2', '--page', '2']);
      expect(second.code).toBe(0);
      expect(second.stdout).toBe(`NAME\n${repos[2]}\n`);
      expect(second.stderr).toBe('');

      const none = await runCli(['browse', 'search', registry.host, `${prefix}/gamma`]);
      expect(none.code).toBe(0);
      expect(none.stdout).toBe('');
      expect(none.stderr).toBe(`no repositories on ${registry.host} match "${prefix}/gamma"\n`);
    });

    it('says so where a registry serves no catalog, and names what works there', async () => {
      // Test-only stand-in: the real registry behind a proxy whose /v2/_catalog is missing (as on many hosted registries).
      let proxy: HostileServer | undefined;
      try {
        proxy = await startHostileProxy(registry.url, (req) =>
          req.path.startsWith('/v2/_catalog') ? { kind: 'reply', status: 404, body: '{"errors":[{"code":"NOT_FOUND","message":"no catalog"}]}' } : { kind: 'forward' },
        );
        const res = await runCli(['browse', 'search', proxy.host, 'alpha']);
        expect(res.code).toBe(1);
        expect(res.stdout).toBe('');
        expect(res.stderr).toContain(`${proxy.host} offers no catalog (404), so it cannot be searched`);
        expect(res.stderr).toContain(`hint: browse tags ${proxy.host}/REPOSITORY`);
        expect(res.stderr).not.toMatch(/\n\s+at /);
      } finally {
        await proxy?.stop();
      }
    });

    it('names the command that works on GHCR and Docker Hub instead of asking for a catalog', async () => {
      const ghcr = await runCli(['browse', 'search', 'ghcr.io', 'app']);
      expect(ghcr.code).toBe(2);
      expect(ghcr.stderr).toBe('error: GHCR offers no catalog and no search API, so it cannot be searched\nhint: browse tags ghcr.io/OWNER/REPO\n');
      const repos = await runCli(['browse', 'repos', 'ghcr.io']);
      expect(repos.code).toBe(2);
      expect(repos.stderr).toContain('hint: browse tags ghcr.io/OWNER/REPO');
      const hub = await runCli(['browse', 'repos', 'docker.io']);
      expect(hub.code).toBe(2);
      expect(hub.stderr).toContain('hint: browse search docker.io QUERY uses its search API');
    });
  });

  describe('Docker Hub (test-only stand-in for hub.docker.com)', () => {
    let hub: StandIn;
    beforeAll(async () => {
      hub = await startStandIn(hubAnswer);
    });
    afterAll(async () => {
      await hub.stop();
    });

    it('shows name, description, stars, pulls and official, with control characters escaped', async () => {
      const env = { LAZYOCI_DOCKERHUB_SEARCH_URL: hub.url };
      const res = await runCli(['browse', 'search', 'docker.io', 'nginx'], { env });
      expect(res.code).toBe(0);
      expect(res.stderr).toBe('');
      const lines = res.stdout.split('\n');
      expect(lines[0]).toMatch(/^NAME\s+DESCRIPTION\s+STARS\s+PULLS\s+OFFICIAL$/);
      expect(lines[1]).toMatch(/^nginx\s+Official build of Nginx\.\s+20\.5K\s+1\.2B\s+yes$/);
      expect(lines[2]).toMatch(/^bitnami\/nginx\s+Bitnami nginx\\x1b]0;pwned\\x07 with a\\nsecond line\s+190\s+5\.6M$/);
      expect(lines[4]).toMatch(/^ubuntu\/nginx\s+-\s+12\.0K$/);
      expect(res.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
      expect(lines).toHaveLength(HUB_REPOS.length + 2);
      expect(hub.seen.at(-1)).toBe('/v2/search/repositories/?query=nginx&page=1&page_size=25');
    });

    it('gives -o json with stable field names, the description whole', async () => {
      const res = await runCli(['browse', 'search', 'docker.io', 'nginx', '--limit', '2', '-o', 'json'], { env: { LAZYOCI_DOCKERHUB_SEARCH_URL: hub.url } });
      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout)).toEqual([
        { name: 'nginx', description: 'Official build of Nginx.', stars: 20510, pulls: 1_234_567_890, official: true },
        { name: 'bitnami/nginx', description: HUB_REPOS[1]!.short_description, stars: 190, pulls: 5_600_000, official: false },
      ]);
    });

    it('pages: --page N asks for that page of --limit results', async () => {
      const env = { LAZYOCI_DOCKERHUB_SEARCH_URL: hub.url };
      const two = await runCli(['browse', 'search', 'docker.io', 'nginx', '--limit', '2', '--page', '2', '-o', 'json'], { env });
      expect((JSON.parse(two.stdout) as { name: string }[]).map((r) => r.name)).toEqual(['nginxinc/nginx-unprivileged', 'ubuntu/nginx']);
      expect(hub.seen.at(-1)).toBe('/v2/search/repositories/?query=nginx&page=2&page_size=2');
      const text = await runCli(['browse', 'search', 'docker.io', 'nginx', '--limit', '2', '--page', '2'], { env });
      expect(text.stderr).toBe('more: lazyoci browse search docker.io "nginx" --page 3 --limit 2\n');
      const last = await runCli(['browse', 'search', 'docker.io', 'nginx', '--limit', '2', '--page', '3'], { env });
      expect(last.stdout.split('\n').slice(1, -1).map((l) => l.split(/\s+/)[0])).toEqual(['linuxserver/nginx']);
      expect(last.stderr).toBe('');
    });

    it('caches answers under $XDG_CACHE_HOME/lazyoci for a few minutes, keyed by query and page', async () => {
      const cacheHome = await mkdtemp(path.join(work, 'cache-'));
      const env = { LAZYOCI_DOCKERHUB_SEARCH_URL: hub.url, XDG_CACHE_HOME: cacheHome };
      const asked = (): number => hub.seen.filter((p) => p.includes('query=nginx&page=1&page_size=3')).length;
      const before = asked();
      const first = await runCli(['browse', 'search', 'docker.io', 'nginx', '--limit', '3', '-o', 'json'], { env });
      const again = await runCli(['browse', 'search', 'docker.io', 'nginx', '--limit', '3', '-o', 'json'], { env });
      expect(first.code).toBe(0);
      expect(again.stdout).toBe(first.stdout);
      expect(asked() - before).toBe(1);
      // Another page is another key.
      await runCli(['browse', 'search', 'docker.io', 'nginx', '--limit', '3', '--page', '2'], { env });
      expect(hub.seen.at(-1)).toBe('/v2/search/repositories/?query=nginx&page=2&page_size=3');

      const file = path.join(cacheHome, 'lazyoci', 'search.json');
      const doc = JSON.parse(await readFile(file, 'utf8')) as { version: number; entries: Record<string, { expires: number }> };
      const expiries = Object.values(doc.entries).map((e) => e.expires - Date.now());
      expect(expiries).toHaveLength(2);
      for (const ms of expiries) expect(ms).toBeGreaterThan(60_000);
      for (const ms of expiries) expect(ms).toBeLessThanOrEqual(5 * 60_000);
      // Expired entries are asked for again.
      for (const e of Object.values(doc.entries)) e.expires = Date.now() - 1;
      await writeFile(file, JSON.stringify(doc));
      await runCli(['browse', 'search', 'docker.io', 'nginx', '--limit', '3', '-o', 'json'], { env });
      expect(asked() - before).toBe(2);
    });

    it('an API error is one line naming the host and status, exit 1', async () => {
      const broken = await startStandIn(() => ({ status: 404, body: { message: 'object not found' } }));
      try {
        const res = await runCli(['browse', 'search', 'docker.io', 'nginx'], { env: { LAZYOCI_DOCKERHUB_SEARCH_URL: broken.url } });
        expect(res.code).toBe(1);
        expect(res.stdout).toBe('');
        expect(res.stderr).toMatch(/^error: search Docker Hub for "nginx": not found \(404\)/);
        expect(res.stderr).not.toMatch(/\n\s+at /);
      } finally {
        await broken.stop();
      }
    });

    it('a throttled API is asked again after its Retry-After', async () => {
      let calls = 0;
      const busy = await startStandIn((url) => (++calls === 1 ? { status: 429, body: {}, headers: { 'retry-after': '0' } } : hubAnswer(url)));
      try {
        const res = await runCli(['browse', 'search', 'docker.io', 'nginx', '-o', 'json'], {
          env: { LAZYOCI_DOCKERHUB_SEARCH_URL: busy.url, LAZYOCI_RETRY_BASE_MS: '10' },
        });
        expect(res.code).toBe(0);
        expect(JSON.parse(res.stdout)).toHaveLength(HUB_REPOS.length);
        expect(busy.seen).toHaveLength(2);
      } finally {
        await busy.stop();
      }
    });
  });

  describe('Quay (test-only stand-in for quay.io)', () => {
    let quay: StandIn;
    beforeAll(async () => {
      quay = await startStandIn(quayAnswer);
    });
    afterAll(async () => {
      await quay.stop();
    });

    it('reads as many of Quay’s 10-a-page answers as --limit needs, other kinds left out', async () => {
      const res = await runCli(['browse', 'search', 'quay.io', 'app', '-o', 'json'], { env: { LAZYOCI_QUAY_SEARCH_URL: quay.url } });
      expect(res.code).toBe(0);
      const results = JSON.parse(res.stdout) as { name: string; stars: number | null; pulls: null; official: null; description: string }[];
      expect(results.map((r) => r.name)).toEqual(QUAY_REPOS.map((r) => `${r.namespace.name}/${r.name}`));
      expect(results[2]).toEqual({ name: 'ns2/app2', description: 'app number 2', stars: 2, pulls: null, official: null });
      expect(results[3]!.stars).toBeNull();
      expect(quay.seen).toEqual(['/api/v1/find/repositories?query=app&page=1', '/api/v1/find/repositories?query=app&page=2', '/api/v1/find/repositories?query=app&page=3']);
    });

    it('--page of --limit results starts at the Quay page that holds them; text escapes control characters', async () => {
      quay.seen.length = 0;
      const env = { LAZYOCI_QUAY_SEARCH_URL: quay.url };
      const res = await runCli(['browse', 'search', 'quay.io', 'app', '--limit', '5', '--page', '3', '-o', 'json'], { env });
      expect((JSON.parse(res.stdout) as { name: string }[]).map((r) => r.name)).toEqual(['ns10/app10', 'ns11/app11', 'ns12/app12', 'ns13/app13', 'ns14/app14']);
      expect(quay.seen).toEqual(['/api/v1/find/repositories?query=app&page=2']);

      const text = await runCli(['browse', 'search', 'quay.io', 'app', '--limit', '2'], { env });
      expect(text.code).toBe(0);
      const lines = text.stdout.split('\n');
      expect(lines[0]).toMatch(/^NAME\s+DESCRIPTION\s+STARS$/);
      expect(lines[1]).toMatch(/^ns0\/app0\s+first\\x1b\[2J\s+0$/);
      expect(lines[2]).toMatch(/^ns1\/app1\s+app number 1\s+-$/);
      expect(text.stdout).not.toContain('\x1b');
      expect(text.stderr).toBe('more: lazyoci browse search quay.io "app" --page 2 --limit 2\n');
    });
  });
});
