// Issue 11, points 3, 6 and 7, end to end through the built CLI:
// - every answer read into memory (token, manifest, config, list page) is capped WHILE it
//   is read: a huge or endless answer ends in one clear line and exit 1, with little memory;
// - every kind of request is bounded by --concurrency: an index of hundreds of manifests,
//   in the real registry, is pulled and copied through a gauge that counts what is in flight;
// - a tag list or catalog whose `Link` never ends stops at a named bound.
// Attackers are TEST-ONLY HOSTILE HTTP SERVERS on 127.0.0.1, made here; graphs live in the
// real registry of the test bed.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RegistryError } from '../src/errors/index.js';
import { readPages } from '../src/registry/client/paged-list.js';
import { connectionsPerHost, RegistryClient } from '../src/registry/client/registry-client.js';
import { CLI_PATH, recordCliRun, type CliResult } from './support/cli.js';
import { startConcurrencyGauge, type ConcurrencyGauge } from './support/concurrency-gauge.js';

const registries = inject('registries');
const registry = registries.http;

const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';
const CONFIG_TYPE = 'application/vnd.oci.image.config.v1+json';
const LAYER_TYPE = 'application/vnd.oci.image.layer.v1.tar';

const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const suffix = (): string => Math.random().toString(36).slice(2, 8);

/** Well past any bound under test, so a client that never stops reading would be seen. */
const HUGE = 512 << 20;
/** Generous upper bound to tell "stopped" from "hung"; the runs take about a second. */
const HANG_MS = 30_000;

interface MeasuredRun extends CliResult {
  /** Peak resident memory of the child (VmHWM, KiB), as last read before it exited. */
  peakKiB: number;
  ms: number;
}

/**
 * The CLI in an isolated environment (as runCli), watching its peak memory through
 * /proc/PID/status. The child's V8 heap is held to 512 MiB so a client that buffers
 * without bound dies fast here instead of eating the test machine.
 */
async function runMeasured(args: string[], env: Record<string, string> = {}): Promise<MeasuredRun> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-hostile-'));
  try {
    for (const dir of ['home', 'docker', 'xdg']) await mkdir(path.join(base, dir));
    const started = Date.now();
    const child = spawn(process.execPath, ['--max-old-space-size=512', CLI_PATH, ...args], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: path.join(base, 'home'),
        DOCKER_CONFIG: path.join(base, 'docker'),
        XDG_CONFIG_HOME: path.join(base, 'xdg'),
        NO_COLOR: '1',
        LAZYOCI_RETRY_BASE_MS: '10',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let peakKiB = 0;
    const poll = setInterval(() => {
      readFile(`/proc/${child.pid}/status`, 'utf8').then(
        (status) => {
          const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
          if (hwm !== null) peakKiB = Math.max(peakKiB, Number(hwm[1]));
        },
        () => undefined,
      );
    }, 25);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
    const code = await new Promise<number>((resolve) => child.on('close', (c, signal) => resolve(c ?? (signal === 'SIGKILL' ? 137 : 134))));
    clearTimeout(timer);
    clearInterval(poll);
    const result = { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
    await recordCliRun(args, result);
    return { ...result, peakKiB, ms: Date.now() - started };
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

/** A clean failure: exit 1, a message, no stack trace, no crash. */
function expectCleanFailure(run: MeasuredRun, message: RegExp): void {
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stderr).not.toMatch(/MaxListenersExceededWarning|heap out of memory/);
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, host: string) => void;

interface HostileServer {
  host: string;
  /** Requests seen, as method and path. */
  seen: string[];
  /** Body bytes the server managed to write before the client hung up or it ended. */
  written(): number;
  stop(): Promise<void>;
}

/** A TEST-ONLY HOSTILE HTTP SERVER on 127.0.0.1 that answers as `handle` says. */
async function startHostileServer(handle: Handler): Promise<HostileServer> {
  const seen: string[] = [];
  let written = 0;
  let host = '';
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const write = res.write.bind(res);
    res.write = ((chunk: Buffer | string, ...rest: never[]) => {
      written += Buffer.byteLength(chunk);
      return write(chunk, ...rest);
    }) as typeof res.write;
    handle(req, res, host);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    seen,
    written: () => written,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Write `prefix`, then filler up to `total` bytes, keeping to backpressure; stops when the client goes. */
function streamHuge(res: http.ServerResponse, prefix: string, total = HUGE): void {
  const chunk = Buffer.alloc(64 << 10, 'a');
  let sent = 0;
  res.write(prefix);
  const pump = (): void => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  res.on('close', () => res.removeAllListeners('drain'));
  pump();
}

/** `/v2/` open to all, the rest left to `rest` (404 when it declines). */
function registryLike(rest: (req: http.IncomingMessage, res: http.ServerResponse, url: URL, host: string) => boolean): Handler {
  return (req, res, host) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (url.pathname === '/v2/') {
      res.writeHead(200, { 'docker-distribution-api-version': 'registry/2.0' }).end('{}');
      return;
    }
    if (!rest(req, res, url, host)) res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NAME_UNKNOWN","message":"no"}]}');
  };
}

describe('answers read into memory are capped while they are read (issue 11.3)', () => {
  it('a token service streaming an endless answer is cut off at 1 MiB: exit 1, one line, little memory', async () => {
    const server = await startHostileServer((req, res, host) => {
      if (req.url === '/v2/') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="hostile"` }).end();
        return;
      }
      if (req.url?.startsWith('/token') === true) {
        // No Content-Length: the size shows only while reading.
        res.writeHead(200, { 'content-type': 'application/json' });
        streamHuge(res, '{"token":"');
        return;
      }
      res.writeHead(404).end();
    });
    try {
      const run = await runMeasured(['browse', 'tags', `${server.host}/app`]);
      expectCleanFailure(run, new RegExp(`${server.host}.* token answer larger than 1 MiB`));
      // It hung up early: the server could not push more than socket buffers' worth.
      expect(server.written()).toBeLessThan(64 << 20);
      expect(run.peakKiB).toBeLessThan(256 * 1024);
      console.info(`endless token answer: exit ${run.code} in ${run.ms} ms, peak RSS ${(run.peakKiB / 1024).toFixed(0)} MiB, server wrote ${(server.written() / 2 ** 20).toFixed(1)} MiB`);
    } finally {
      await server.stop();
    }
  });

  it('a token answer announcing a huge Content-Length is refused before it is read', async () => {
    const server = await startHostileServer((req, res, host) => {
      if (req.url === '/v2/') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="hostile"` }).end();
        return;
      }
      // Announces 5 GiB, sends a little, then waits: a reader that waits for all of it hangs.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(5 * 2 ** 30) });
      res.write('{"token":"');
    });
    try {
      const run = await runMeasured(['browse', 'tags', `${server.host}/app`]);
      expectCleanFailure(run, /token answer larger than 1 MiB/);
    } finally {
      await server.stop();
    }
  });

  it('a manifest streaming an endless answer is cut off at 4 MiB, naming the host and the manifest', async () => {
    const server = await startHostileServer(
      registryLike((req, res, url) => {
        if (!url.pathname.startsWith('/v2/app/manifests/')) return false;
        res.writeHead(200, { 'content-type': MANIFEST_TYPE });
        streamHuge(res, '{"schemaVersion":2,"annotations":{"x":"');
        return true;
      }),
    );
    try {
      const run = await runMeasured(['browse', 'manifest', `${server.host}/app:v1`]);
      expectCleanFailure(run, new RegExp(`fetch manifest ${server.host}/app:v1: ${server.host} sent a manifest larger than 4 MiB`));
      expect(server.written()).toBeLessThan(64 << 20);
      expect(run.peakKiB).toBeLessThan(256 * 1024);
    } finally {
      await server.stop();
    }
  });

  it('an image config streaming an endless answer is refused as too large, not misreported as bad JSON', async () => {
    const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
    const configDigest = sha256(config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST_TYPE,
        // The descriptor tells the truth about size; the server then lies with its body.
        config: { mediaType: CONFIG_TYPE, digest: configDigest, size: config.length },
        layers: [],
      }),
    );
    const server = await startHostileServer(
      registryLike((req, res, url) => {
        if (url.pathname === '/v2/app/manifests/v1') {
          res.writeHead(200, { 'content-type': MANIFEST_TYPE, 'docker-content-digest': sha256(manifest) }).end(manifest);
          return true;
        }
        if (url.pathname === `/v2/app/blobs/${configDigest}`) {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          streamHuge(res, '{"os":"');
          return true;
        }
        return false;
      }),
    );
    const dest = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-hostile-pull-'));
    try {
      const run = await runMeasured(['pull', `${server.host}/app:v1`, '--platform', 'linux/amd64', '--dest', dest]);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`image config ${configDigest}.*(larger than 4 MiB|size|does not match)`));
      expect(run.stderr).not.toMatch(/not valid JSON|\n\s+at /);
      expect(server.written()).toBeLessThan(64 << 20);
    } finally {
      await server.stop();
      await rm(dest, { recursive: true, force: true });
    }
  });
});

/** An endless list: every page answers with `entries(n)` and a Link to a page never seen before. */
function endlessList(pathname: string, field: string, entries: (page: number) => string[]): { handler: Handler; pages: () => number } {
  let pages = 0;
  const handler = registryLike((req, res, url) => {
    if (url.pathname !== pathname) return false;
    const page = pages++;
    const body = JSON.stringify({ name: 'app', [field]: entries(page) });
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      link: `<${pathname}?n=100&last=p${page}-${suffix()}>; rel="next"`,
    });
    res.end(body);
    return true;
  });
  return { handler, pages: () => pages };
}

describe('tag and catalog paging stops at a named bound (issue 11.7)', () => {
  it('endless tag pages of 10,000 tags each stop at 1,000,000 tags with exit 1', async () => {
    const list = endlessList('/v2/app/tags/list', 'tags', (page) => Array.from({ length: 10_000 }, (_, i) => `t${page}-${i}`));
    const server = await startHostileServer(list.handler);
    try {
      const run = await runMeasured(['browse', 'tags', `${server.host}/app`]);
      expectCleanFailure(run, /list tags of .*app: stopped after 100 pages .* bound of 1000000 entries/);
      expect(list.pages()).toBe(100);
      console.info(`endless tag pages (10,000 tags each): exit ${run.code} in ${run.ms} ms, ${list.pages()} pages, peak RSS ${(run.peakKiB / 1024).toFixed(0)} MiB`);
    } finally {
      await server.stop();
    }
  });

  it('endless tag pages of nearly 4 MiB each stop at 256 MiB read in all', async () => {
    const big = 'x'.repeat((4 << 20) - 1024);
    const list = endlessList('/v2/app/tags/list', 'tags', () => [big]);
    const server = await startHostileServer(list.handler);
    try {
      const run = await runMeasured(['browse', 'tags', `${server.host}/app`, '--filter', 'never']);
      expectCleanFailure(run, /list tags of .*app: stopped after \d+ pages .* bound of 256 MiB/);
      expect(list.pages()).toBeLessThanOrEqual(65);
      console.info(`endless 4 MiB tag pages: exit ${run.code} in ${run.ms} ms, ${list.pages()} pages, peak RSS ${(run.peakKiB / 1024).toFixed(0)} MiB`);
    } finally {
      await server.stop();
    }
  });

  it('--limit still stops after enough tags, on the first page of an endless list', async () => {
    const list = endlessList('/v2/app/tags/list', 'tags', (page) => Array.from({ length: 100 }, (_, i) => `t${page}-${i}`));
    const server = await startHostileServer(list.handler);
    try {
      const run = await runMeasured(['browse', 'tags', `${server.host}/app`, '--limit', '5', '-o', 'json']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual(['t0-0', 't0-1', 't0-2', 't0-3', 't0-4']);
      expect(list.pages()).toBe(1);
    } finally {
      await server.stop();
    }
  });

  it('an endless catalog stops at the same bound for browse repos', async () => {
    const list = endlessList('/v2/_catalog', 'repositories', (page) => Array.from({ length: 10_000 }, (_, i) => `r${page}/n${i}`));
    const server = await startHostileServer(list.handler);
    try {
      const run = await runMeasured(['browse', 'repos', server.host]);
      expectCleanFailure(run, /list repositories of .*: stopped after 100 pages .* bound of 1000000 entries/);
      expect(list.pages()).toBe(100);
    } finally {
      await server.stop();
    }
  });

  it('the page bound holds for pages that carry nothing (in-process, a small bound)', async () => {
    const list = endlessList('/v2/app/tags/list', 'tags', () => []);
    const server = await startHostileServer(list.handler);
    const client = await RegistryClient.create({ env: {} });
    try {
      const pages = readPages(
        client.registry(server.host),
        { url: '/v2/app/tags/list?n=100', field: 'tags', scopes: [], what: 'list tags of app' },
        { pages: 50, entries: 1_000_000, bytes: 256 << 20 },
      );
      const read = async (): Promise<void> => {
        for await (const page of pages) expect(page).toEqual([]);
      };
      const err = await read().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as RegistryError).message).toMatch(/stopped after 50 pages .* bound of 50 pages/);
      expect(list.pages()).toBe(50);
    } finally {
      await client.close();
      await server.stop();
    }
  });
});

/** Upload bytes as one blob (POST, then PUT with the digest) straight to the plain-HTTP registry. */
async function putBlob(host: string, repo: string, bytes: Buffer): Promise<string> {
  const started = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  await started.arrayBuffer();
  const location = new URL(started.headers.get('location')!, `http://${host}`);
  const digest = sha256(bytes);
  location.searchParams.set('digest', digest);
  const res = await fetch(location, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
  if (res.status !== 201) throw new Error(`PUT blob answered ${res.status}: ${await res.text()}`);
  return digest;
}

async function putManifest(host: string, repo: string, reference: string, mediaType: string, bytes: Buffer): Promise<void> {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${reference}`, { method: 'PUT', headers: { 'content-type': mediaType }, body: bytes });
  if (res.status !== 201) throw new Error(`PUT manifest ${reference} answered ${res.status}: ${await res.text()}`);
}

/**
 * An index of `count` small manifests, all sharing one config and one layer, pushed to
 * the real registry: what a hostile (or just very multi-platform) repository can hold.
 */
async function pushWideIndex(host: string, repo: string, tag: string, count: number): Promise<{ digests: string[] }> {
  const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
  const layer = Buffer.from(`wide index layer ${repo}`);
  const configDigest = await putBlob(host, repo, config);
  const layerDigest = await putBlob(host, repo, layer);
  const manifests = Array.from({ length: count }, (_, i) =>
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST_TYPE,
        config: { mediaType: CONFIG_TYPE, digest: configDigest, size: config.length },
        layers: [{ mediaType: LAYER_TYPE, digest: layerDigest, size: layer.length }],
        annotations: { 'org.example.n': String(i) },
      }),
    ),
  );
  for (let i = 0; i < manifests.length; i += 25) {
    await Promise.all(manifests.slice(i, i + 25).map((m) => putManifest(host, repo, sha256(m), MANIFEST_TYPE, m)));
  }
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: INDEX_TYPE,
      manifests: manifests.map((m, i) => ({
        mediaType: MANIFEST_TYPE,
        digest: sha256(m),
        size: m.length,
        platform: { os: 'linux', architecture: `arch${i}` },
      })),
    }),
  );
  await putManifest(host, repo, tag, INDEX_TYPE, index);
  return { digests: manifests.map((m) => sha256(m)) };
}

describe('manifest fetches are bounded by --concurrency (issue 11.6)', () => {
  const CHILDREN = 300;
  const repo = `hostile-bounds/${suffix()}/wide`;
  let gauge: ConcurrencyGauge;
  let work: string;

  beforeAll(async () => {
    await pushWideIndex(registry.host, repo, 'v1', CHILDREN);
    gauge = await startConcurrencyGauge(registry.host);
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-wide-'));
  });

  afterAll(async () => {
    await gauge.stop();
    await rm(work, { recursive: true, force: true });
  });

  it.each([2, 32])('pull of an index of 300 manifests with --concurrency %i keeps at most that many requests in flight', async (concurrency) => {
    gauge.reset();
    const dest = path.join(work, `pull-${concurrency}`);
    const run = await runMeasured(['pull', `${gauge.host}/${repo}:v1`, '--dest', dest, '--concurrency', String(concurrency)]);
    console.info(
      `pull of ${CHILDREN} manifests, --concurrency ${concurrency}: ${gauge.requests()} requests, at most ${gauge.maxInFlight()} in flight, ${gauge.maxConnections()} connections, ${run.ms} ms`,
    );
    expect(run.code, run.stderr).toBe(0);
    // Every manifest and both blobs were read: 1 ping + the index + 300 manifests + 2 blobs.
    expect(gauge.requests()).toBeGreaterThanOrEqual(CHILDREN + 3);
    expect(gauge.maxInFlight()).toBeLessThanOrEqual(concurrency);
    // undici may open a fresh connection a moment before one frees up; the per-host cap holds it.
    expect(gauge.maxConnections()).toBeLessThanOrEqual(connectionsPerHost(concurrency));
    expect(run.stderr).not.toMatch(/MaxListenersExceededWarning/);
  });

  it('copy of that index to another repository with --concurrency 2 keeps at most 2 requests in flight', async () => {
    gauge.reset();
    const dest = `${gauge.host}/hostile-bounds/${suffix()}/copy:v1`;
    const run = await runMeasured(['copy', `${gauge.host}/${repo}:v1`, dest, '--concurrency', '2']);
    console.info(
      `copy of ${CHILDREN} manifests, --concurrency 2: ${gauge.requests()} requests, at most ${gauge.maxInFlight()} in flight, ${gauge.maxConnections()} connections, ${run.ms} ms`,
    );
    expect(run.code, run.stderr).toBe(0);
    // Each child is looked for (HEAD) and written (PUT) at the destination.
    expect(gauge.requests()).toBeGreaterThanOrEqual(2 * CHILDREN);
    expect(gauge.maxInFlight()).toBeLessThanOrEqual(2);
    expect(gauge.maxConnections()).toBeLessThanOrEqual(connectionsPerHost(2));
    expect(run.stderr).not.toMatch(/MaxListenersExceededWarning/);
  });

  it('copy with --annotation (every child rewritten) and the default concurrency stays within 4', async () => {
    gauge.reset();
    const dest = `${gauge.host}/hostile-bounds/${suffix()}/annotated:v1`;
    const run = await runMeasured(['copy', `${gauge.host}/${repo}:v1`, dest, '--annotation', 'manifest:org.example.k=v']);
    console.info(`copy with --annotation, default concurrency: at most ${gauge.maxInFlight()} in flight, ${gauge.maxConnections()} connections, ${run.ms} ms`);
    expect(run.code, run.stderr).toBe(0);
    expect(gauge.maxInFlight()).toBeLessThanOrEqual(4);
    expect(run.stderr).not.toMatch(/MaxListenersExceededWarning/);
  });
});
