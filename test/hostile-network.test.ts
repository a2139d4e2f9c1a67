// A hostile network (issue 11): servers that never answer, bodies that trickle or break
// off, redirects lazyoci must refuse. Each fault comes from a test-only hostile server on
// 127.0.0.1 (test/support/hostile-server.ts) — alone, or in front of the real registry —
// and the built CLI must end with one clear line and exit 1, within a bound that only
// detects a hang, with small timeouts set through --timeout or LAZYOCI_*_TIMEOUT.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EMPTY_CONFIG_DESCRIPTOR, EMPTY_JSON } from '../src/oci/empty-config.js';
import type { Descriptor } from '../src/oci/types.js';
import { RegistryClient } from '../src/registry/client/registry-client.js';
import { CLI_PATH, REPO_ROOT, recordCliRun, runCli, type CliResult } from './support/cli.js';
import { startHostileProxy, startSilentServer, type HostileServer } from './support/hostile-server.js';
import { verifyLayoutBlobs } from './support/skopeo.js';

const registries = inject('registries');
const FAST = { LAZYOCI_RETRY_BASE_MS: '10' };
/** Far more than any of these runs needs, far less than the minutes a hang lasted. */
const HANG_BOUND_MS = 20_000;

const digestOf = (b: Buffer): Descriptor['digest'] => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Push one artifact (empty config, one layer) to the real HTTP registry; returns the layer. */
async function pushArtifact(repo: string, tag: string, layer: Buffer): Promise<Descriptor> {
  const layerDesc: Descriptor = { mediaType: 'application/octet-stream', digest: digestOf(layer), size: layer.length };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.lazyoci.test.hostile.v1',
      config: EMPTY_CONFIG_DESCRIPTOR,
      layers: [layerDesc],
    }),
  );
  const manifestDesc: Descriptor = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(manifest), size: manifest.length };
  const client = await RegistryClient.create({ env: {}, userAgent: 'lazyoci-test' });
  try {
    const repository = client.repository({ registry: registries.http.host, repository: repo }, 'push');
    await repository.push(EMPTY_CONFIG_DESCRIPTOR, () => Readable.from([EMPTY_JSON]));
    await repository.push(layerDesc, () => Readable.from([layer]));
    await repository.pushReference(manifestDesc, manifest, tag);
  } finally {
    await client.close();
  }
  return layerDesc;
}

async function timed(run: Promise<CliResult>): Promise<CliResult & { ms: number }> {
  const started = Date.now();
  const result = await run;
  return { ...result, ms: Date.now() - started };
}

/** Exactly one error line, saying `pattern`; no stack trace, no "internal error". */
function expectCleanFailure(result: CliResult, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
  const errors = result.stderr.split('\n').filter((l) => l.startsWith('error: '));
  expect(errors, result.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(pattern);
}

const id = (): string => randomBytes(4).toString('hex');

describe('timeouts: a server that never answers does not hold a run for minutes', () => {
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  let hostile: HostileServer;
  beforeAll(async () => {
    silent = await startSilentServer();
    hostile = await startHostileProxy(registries.http.url);
  });
  afterAll(async () => {
    await silent.stop();
    await hostile.stop();
  });

  it('a server that accepts and never speaks: "could not connect … within 1 s", exit 1', async () => {
    const result = await timed(runCli(['browse', 'tags', `${silent.host}/some/repo`], { env: { ...FAST, LAZYOCI_CONNECT_TIMEOUT: '1' } }));
    expectCleanFailure(result, new RegExp(`could not connect to ${silent.host} within 1 s`));
    expect(result.ms).toBeLessThan(HANG_BOUND_MS);
  });

  it('response headers that never come: retried once, then "no response headers from HOST within 1 s"', async () => {
    const repo = `hostile/headers-${id()}`;
    await pushArtifact(repo, 'v1', randomBytes(100));
    hostile.setRule((req) => (req.path.includes('/manifests/') ? { kind: 'hang' } : { kind: 'forward' }));
    const before = hostile.seen.length;
    const result = await timed(runCli(['--timeout', '1', 'browse', 'manifest', `${hostile.host}/${repo}:v1`], { env: FAST }));
    expectCleanFailure(result, new RegExp(`no response headers from ${hostile.host} within 1 s`));
    expect(result.ms).toBeLessThan(HANG_BOUND_MS);
    const manifestGets = hostile.seen.slice(before).filter((r) => r.path.includes('/manifests/'));
    expect(manifestGets).toHaveLength(2);
  });

  it('a blob body trickling a byte every 100 ms: "stalled", exit 1, no partial blob left', async () => {
    const repo = `hostile/trickle-${id()}`;
    const layer = await pushArtifact(repo, 'v1', randomBytes(4096));
    hostile.setRule((req) => (req.path.endsWith(`/blobs/${layer.digest}`) ? { kind: 'trickle', intervalMs: 100 } : { kind: 'forward' }));
    const dest = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-hostile-pull-'));
    try {
      const before = hostile.seen.length;
      const result = await timed(runCli(['pull', `${hostile.host}/${repo}:v1`, '--dest', dest], { env: { ...FAST, LAZYOCI_BODY_TIMEOUT: '1' } }));
      expectCleanFailure(result, new RegExp(`fetch blob ${layer.digest}: the response body from ${hostile.host} stalled: less than 1 KiB in 1 s`));
      expect(result.ms).toBeLessThan(HANG_BOUND_MS);
      // A stall is a timeout: asked twice, not five times.
      expect(hostile.seen.slice(before).filter((r) => r.path.endsWith(`/blobs/${layer.digest}`))).toHaveLength(2);
      expect(await readdir(path.join(dest, 'blobs', 'sha256')).catch(() => [])).not.toContain(layer.digest.slice(7));
      expect((await readdir(path.join(dest, 'blobs', 'sha256')).catch(() => [])).filter((f) => f.endsWith('.partial'))).toEqual([]);
    } finally {
      await rm(dest, { recursive: true, force: true });
    }
  });

  it('rejects a --timeout or LAZYOCI_*_TIMEOUT that is not a number of seconds (exit 2)', async () => {
    const flag = await runCli(['--timeout', 'soon', 'browse', 'tags', `${silent.host}/x`]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--timeout.*number of seconds/);
    const env = await runCli(['browse', 'tags', `${silent.host}/x`], { env: { LAZYOCI_HEADERS_TIMEOUT: '-1' } });
    expect(env.code, env.stderr).toBe(2);
    expect(env.stderr).toMatch(/LAZYOCI_HEADERS_TIMEOUT=-1 is not a number of seconds/);
  });
});

describe('a blob body cut short (Content-Length promises more, then the connection closes)', () => {
  let hostile: HostileServer;
  beforeAll(async () => {
    hostile = await startHostileProxy(registries.http.url);
  });
  afterAll(async () => hostile.stop());

  /** Cut the first `n` GETs of `digest` after `bytes` bytes; forward everything else. */
  const cutFirst = (n: number, digest: string, bytes: number) => {
    let left = n;
    return (req: { method: string; path: string }) => {
      if (req.method === 'GET' && req.path.endsWith(`/blobs/${digest}`) && left > 0) {
        left--;
        return { kind: 'truncate' as const, afterBytes: bytes };
      }
      return { kind: 'forward' as const };
    };
  };

  it('pull resumes the download from where it broke off (Range) and writes the right bytes', async () => {
    const repo = `hostile/cut-${id()}`;
    const content = randomBytes(256 * 1024);
    const layer = await pushArtifact(repo, 'v1', content);
    hostile.setRule(cutFirst(2, layer.digest, 50_000));
    const dest = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-hostile-pull-'));
    try {
      const before = hostile.seen.length;
      const result = await runCli(['pull', `${hostile.host}/${repo}:v1`, '--dest', dest], { env: FAST });
      expect(result.code, result.stderr).toBe(0);
      const gets = hostile.seen.slice(before).filter((r) => r.method === 'GET' && r.path.endsWith(`/blobs/${layer.digest}`));
      expect(gets.map((r) => r.range)).toEqual([undefined, 'bytes=50000-', 'bytes=100000-']);
      const blobs = await verifyLayoutBlobs(dest);
      expect(blobs.get(layer.digest)).toBe(content.length);
    } finally {
      await rm(dest, { recursive: true, force: true });
    }
  });

  it('pull resumes from a server that ignores Range by skipping the bytes it already has', async () => {
    const repo = `hostile/cut-${id()}`;
    const content = randomBytes(256 * 1024);
    const layer = await pushArtifact(repo, 'v1', content);
    const cut = cutFirst(1, layer.digest, 70_000);
    hostile.setRule((req) => {
      const first = cut(req);
      return first.kind === 'truncate' ? first : { kind: 'forward', dropRange: true };
    });
    const dest = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-hostile-pull-'));
    try {
      const result = await runCli(['pull', `${hostile.host}/${repo}:v1`, '--dest', dest], { env: FAST });
      expect(result.code, result.stderr).toBe(0);
      expect((await verifyLayoutBlobs(dest)).get(layer.digest)).toBe(content.length);
    } finally {
      await rm(dest, { recursive: true, force: true });
    }
  });

  it('pull of a blob that always breaks off: retried a bounded number of times, then one line, exit 1', async () => {
    const repo = `hostile/cut-${id()}`;
    const layer = await pushArtifact(repo, 'v1', randomBytes(64 * 1024));
    hostile.setRule(cutFirst(1000, layer.digest, 1000));
    const dest = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-hostile-pull-'));
    try {
      const before = hostile.seen.length;
      const result = await timed(runCli(['pull', `${hostile.host}/${repo}:v1`, '--dest', dest], { env: FAST }));
      expectCleanFailure(result, new RegExp(`fetch blob ${layer.digest}: the connection to ${hostile.host} closed in the middle of the response body .*gave up after 5 tries`));
      expect(result.ms).toBeLessThan(HANG_BOUND_MS);
      expect(hostile.seen.slice(before).filter((r) => r.method === 'GET' && r.path.endsWith(`/blobs/${layer.digest}`))).toHaveLength(5);
      const left = await readdir(path.join(dest, 'blobs', 'sha256')).catch(() => [] as string[]);
      expect(left.filter((f) => f.startsWith(layer.digest.slice(7)))).toEqual([]);
    } finally {
      await rm(dest, { recursive: true, force: true });
    }
  });

  it('copy recovers from a cut source blob, and gives up cleanly (not 5 x 5 tries) when it never arrives', async () => {
    const repo = `hostile/cut-${id()}`;
    const layer = await pushArtifact(repo, 'v1', randomBytes(256 * 1024));
    hostile.setRule(cutFirst(1, layer.digest, 10_000));
    const ok = await runCli(['copy', `${hostile.host}/${repo}:v1`, `${registries.http.host}/${repo}-copy:v1`], { env: FAST });
    expect(ok.code, ok.stderr).toBe(0);

    const repo2 = `hostile/cut-${id()}`;
    const layer2 = await pushArtifact(repo2, 'v1', randomBytes(64 * 1024));
    hostile.setRule(cutFirst(1000, layer2.digest, 1000));
    const before = hostile.seen.length;
    const failed = await timed(runCli(['copy', `${hostile.host}/${repo2}:v1`, `${registries.http.host}/${repo2}-copy:v1`], { env: FAST }));
    expectCleanFailure(failed, new RegExp(`fetch blob ${layer2.digest}: the connection to ${hostile.host} closed in the middle`));
    expect(failed.ms).toBeLessThan(HANG_BOUND_MS);
    expect(hostile.seen.slice(before).filter((r) => r.method === 'GET' && r.path.endsWith(`/blobs/${layer2.digest}`))).toHaveLength(5);
  });
});

describe('redirects refused by policy are final', () => {
  let hostile: HostileServer;
  beforeAll(async () => {
    hostile = await startHostileProxy(registries.http.url);
  });
  afterAll(async () => hostile.stop());

  // No traffic goes to 10.1.2.3: lazyoci refuses before connecting, and the proxy counts
  // that it served exactly one redirect.
  for (const [target, message] of [
    ['http://10.1.2.3/blob', /refusing a redirect to plain HTTP on another host \(10\.1\.2\.3\)/],
    ['file:///etc/passwd', /refusing a redirect to a file: URL/],
  ] as const) {
    it(`a blob redirect to ${target}: refused once, not retried, one line, exit 1`, async () => {
      const repo = `hostile/redirect-${id()}`;
      const layer = await pushArtifact(repo, 'v1', randomBytes(100));
      hostile.setRule((req) =>
        req.method === 'GET' && req.path.endsWith(`/blobs/${layer.digest}`)
          ? { kind: 'reply', status: 307, headers: { location: target } }
          : { kind: 'forward' },
      );
      const dest = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-hostile-pull-'));
      try {
        const before = hostile.seen.length;
        const result = await runCli(['pull', `${hostile.host}/${repo}:v1`, '--dest', dest], { env: FAST });
        expectCleanFailure(result, message);
        expect(result.stderr).not.toMatch(/\(\)/);
        expect(hostile.seen.slice(before).filter((r) => r.path.endsWith(`/blobs/${layer.digest}`))).toHaveLength(1);
      } finally {
        await rm(dest, { recursive: true, force: true });
      }
    });
  }
});

describe('other refusals by policy are final too', () => {
  it('an upload Location on another origin: one POST, no retry, exit 1', async () => {
    const hostile = await startHostileProxy(registries.http.url);
    hostile.setRule((req) =>
      req.method === 'POST' && req.path.includes('/blobs/uploads/')
        ? { kind: 'reply', status: 202, headers: { location: 'http://10.1.2.3/upload' } }
        : { kind: 'forward' },
    );
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-hostile-push-'));
    try {
      await writeFile(path.join(dir, 'a.txt'), `payload ${id()}`);
      await writeFile(
        path.join(dir, '.lazy'),
        `version: 1\nartifacts:\n  - type: artifact\n    files: [{path: a.txt}]\n    targets: [{registry: "${hostile.host}/hostile/location-${id()}", tags: [v1]}]\n`,
      );
      const result = await runCli(['build', '--file', path.join(dir, '.lazy')], { env: FAST });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/location on another origin \(http:\/\/10\.1\.2\.3\); refusing to follow it/);
      expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
      // One POST per blob that needed uploading (the layer; the empty config too), none retried.
      const posts = hostile.seen.filter((r) => r.method === 'POST');
      expect(posts.length).toBeGreaterThanOrEqual(1);
      expect(posts.length).toBeLessThanOrEqual(2);
    } finally {
      await hostile.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  // That the refusal is final (not retried) is checked beside the code, in
  // src/registry/auth/token-realm.test.ts: a refusal sends nothing, so nothing here could count the tries.
  it('a token realm in plain HTTP on another host: refused before any token request', async () => {
    const hostile = await startHostileProxy(undefined);
    hostile.setRule(() => ({ kind: 'reply', status: 401, headers: { 'www-authenticate': 'Bearer realm="http://10.1.2.3/token",service="x"' } }));
    try {
      const result = await runCli(['browse', 'tags', `${hostile.host}/some/repo`], { env: FAST });
      expectCleanFailure(result, /refusing token realm http:\/\/10\.1\.2\.3\/token/);
      expect(hostile.seen.map((r) => r.path)).toEqual(['/v2/']);
    } finally {
      await hostile.stop();
    }
  });
});

/**
 * The built CLI in an isolated environment with its own TMPDIR (to see that temp files are
 * gone), for tests that signal it while it runs.
 */
async function startCli(args: string[], env: Record<string, string>) {
  const base = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-hostile-cli-'));
  const tmp = path.join(base, 'tmp');
  await mkdir(tmp);
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: base, DOCKER_CONFIG: base, XDG_CONFIG_HOME: base, TMPDIR: tmp, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  let signalledAt = 0;
  const result = new Promise<CliResult & { msAfterSignal: number; tmpLeft: string[] }>((resolve) => {
    child.on('close', (code, signal) => {
      const r: CliResult = {
        code: code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      const msAfterSignal = Date.now() - signalledAt;
      void recordCliRun(args, r)
        .then(() => readdir(tmp))
        .then(async (tmpLeft) => {
          await rm(base, { recursive: true, force: true });
          resolve({ ...r, msAfterSignal, tmpLeft });
        });
    });
  });
  return {
    interrupt: (signal: NodeJS.Signals = 'SIGINT') => {
      signalledAt = Date.now();
      child.kill(signal);
    },
    exited: () => child.exitCode !== null || child.signalCode !== null,
    result,
    base,
  };
}

async function until(what: string, check: () => boolean | Promise<boolean>, isOver: () => boolean): Promise<void> {
  const deadline = Date.now() + HANG_BOUND_MS;
  while (!(await check())) {
    if (isOver()) throw new Error(`the CLI ended before ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function expectCancelled(result: CliResult & { msAfterSignal: number; tmpLeft: string[] }): void {
  expect(result.code, result.stderr).toBe(130);
  expect(result.stderr.trimEnd().split('\n').at(-1)).toBe('cancelled');
  expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(result.msAfterSignal).toBeLessThan(HANG_BOUND_MS);
  expect(result.tmpLeft).toEqual([]);
}

describe('Ctrl-C in phases that used to ignore it', () => {
  it('while a token request hangs: the request is aborted, exit 130, "cancelled"', async () => {
    // A test-only hostile registry: /v2/ asks for a bearer token from itself, and the token never comes.
    const hostile = await startHostileProxy(undefined);
    hostile.setRule((req) =>
      req.path.startsWith('/token')
        ? { kind: 'hang' }
        : { kind: 'reply', status: 401, headers: { 'www-authenticate': `Bearer realm="http://${hostile.host}/token",service="hostile"` } },
    );
    try {
      // A long grace: the run must end because the token request honours the signal,
      // not because runCancellable stops waiting for it.
      const cli = await startCli(['pull', `${hostile.host}/some/repo:v1`, '--dest', 'unused'], { LAZYOCI_CANCEL_GRACE_MS: '60000' });
      await until('the token request', () => hostile.seen.some((r) => r.path.startsWith('/token')), cli.exited);
      cli.interrupt();
      expectCancelled(await cli.result);
    } finally {
      await hostile.stop();
    }
  });

  it('while a large file is hashed before the first upload: exit 130, nothing uploaded', async () => {
    const hostile = await startHostileProxy(registries.http.url);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-hostile-hash-'));
    try {
      // 8 GiB of holes: no disk space, yet tens of seconds of hashing (about 350 MB/s here).
      await writeFile(path.join(dir, 'big.bin'), '');
      await truncate(path.join(dir, 'big.bin'), 8 * 1024 ** 3);
      await writeFile(
        path.join(dir, '.lazy'),
        `version: 1\nartifacts:\n  - type: artifact\n    files: [{path: big.bin}]\n    targets: [{registry: "${hostile.host}/hostile/hash", tags: [v1]}]\n`,
      );
      // A long grace: the run must end because hashing honours the signal (the grace
      // itself is tested beside runCancellable).
      const cli = await startCli(['build', '--file', path.join(dir, '.lazy')], { LAZYOCI_CANCEL_GRACE_MS: '60000' });
      // The registry is greeted while the first file is hashed (connecting overlaps packaging).
      await until('the registry is greeted', () => hostile.seen.some((r) => r.path === '/v2/'), cli.exited);
      await new Promise((r) => setTimeout(r, 300));
      cli.interrupt('SIGTERM');
      const result = await cli.result;
      expectCancelled(result);
      expect(hostile.seen.filter((r) => r.path.includes('/blobs/'))).toEqual([]);
    } finally {
      await hostile.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
