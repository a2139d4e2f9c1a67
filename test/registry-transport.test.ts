// The registry client's transport rules, against real registries with proxies in
// front: Authorization never crosses to another origin on a redirect; a refused read
// retries anonymously; an insufficient_scope answer upgrades the token; proxies from
// the environment are used (and NO_PROXY respected).
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readAll } from '../src/content/store.js';
import type { Descriptor } from '../src/oci/types.js';
import { RegistryClient } from '../src/registry/client/registry-client.js';
import { runCli } from './support/cli.js';
import { startFaultProxy, startOtherOrigin, type FaultProxy } from './support/fault-proxy.js';
import { startForwardProxy } from './support/forward-proxy.js';
import { readTokenLog } from './support/token-issuer.js';

const registries = inject('registries');
const digestOf = (b: Buffer): Descriptor['digest'] => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const blobDesc = (b: Buffer): Descriptor => ({ mediaType: 'application/octet-stream', digest: digestOf(b), size: b.length });
const id = (): string => Math.random().toString(36).slice(2, 8);

async function client(env: Record<string, string> = {}): Promise<RegistryClient> {
  return RegistryClient.create({ env, userAgent: 'lazyoci-test' });
}

describe('redirects and refused reads, through a proxy in front of the htpasswd registry', () => {
  const auth = registries.auth;
  const creds = { LAZYOCI_USERNAME: auth.username!, LAZYOCI_PASSWORD: auth.password! };
  const basic = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  let proxy: FaultProxy;

  beforeAll(async () => {
    proxy = await startFaultProxy(auth.url);
  });
  afterAll(async () => proxy.stop());

  it('follows a blob redirect to another origin without sending Authorization there', async () => {
    const repo = `redirect/${id()}`;
    const blob = Buffer.from(`blob behind a redirect ${id()}`);
    const desc = blobDesc(blob);
    const c = await client(creds);
    try {
      await c.repository({ registry: proxy.host, repository: repo }, 'push').push(desc, () => Readable.from([blob]));
    } finally {
      await c.close();
    }

    const storage = await startOtherOrigin(new Map([[`/store/${desc.digest}`, blob]]));
    proxy.setRule((req) =>
      req.method === 'GET' && req.path === `/v2/${repo}/blobs/${desc.digest}`
        ? { status: 307, headers: { location: `${storage.origin}/store/${desc.digest}` } }
        : undefined,
    );
    const reader = await client(creds);
    try {
      const got = await readAll(await reader.repository({ registry: proxy.host, repository: repo }, 'pull').fetch(desc));
      expect(got.equals(blob)).toBe(true);
    } finally {
      proxy.setRule(undefined);
      await reader.close();
      await storage.stop();
    }
    const asked = proxy.seen.filter((r) => r.path === `/v2/${repo}/blobs/${desc.digest}` && r.method === 'GET');
    expect(asked).toHaveLength(1);
    expect(asked[0]!.authorization).toBe(basic); // the registry itself did get the credentials
    expect(storage.seen).toEqual([{ method: 'GET', path: `/store/${desc.digest}`, authorization: undefined }]);
  });

  it('retries a read anonymously when the registry refuses the credentials with 403, but never a write', async () => {
    const repo = `public/${id()}`;
    const c = await client(creds);
    const blob = Buffer.from('public content');
    try {
      const target = c.repository({ registry: auth.host, repository: repo }, 'push');
      await target.push(blobDesc(blob), () => Readable.from([blob]));
      const manifest = Buffer.from(JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: 'application/vnd.lazyoci.test',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 },
        layers: [blobDesc(blob)],
      }));
      await target.push({ mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 }, () => Readable.from([Buffer.from('{}')]));
      await target.pushReference({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(manifest), size: manifest.length }, manifest, 'v1');
    } finally {
      await c.close();
    }

    // The proxy plays a registry whose anonymous reads are allowed but which denies these credentials.
    proxy.setRule((req) => {
      if (req.path === '/v2/') return undefined;
      if (req.authorization !== undefined) {
        return { status: 403, headers: { 'content-type': 'application/json' }, body: '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}' };
      }
      return { forwardHeaders: { authorization: basic } };
    });
    try {
      const before = proxy.seen.length;
      const read = await runCli(['browse', 'tags', `${proxy.host}/${repo}`, '-o', 'json'], { env: creds });
      expect(read.code, read.stderr).toBe(0);
      expect(JSON.parse(read.stdout)).toEqual(['v1']);
      const tagRequests = proxy.seen.slice(before).filter((r) => r.path.startsWith(`/v2/${repo}/tags/list`));
      expect(tagRequests.map((r) => r.authorization === undefined)).toEqual([false, true]);

      const dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-403-'));
      await writeFile(path.join(dir, 'f.txt'), 'x');
      await writeFile(path.join(dir, '.lazy'), `version: 1\nartifacts:\n  - type: artifact\n    files: [{ path: f.txt }]\n    targets: [{ registry: "${proxy.host}/${repo}", tags: [v2] }]\n`);
      const write = await runCli(['build', '-o', 'json'], { cwd: dir, env: creds });
      await rm(dir, { recursive: true, force: true });
      expect(write.code).toBe(1);
      expect(JSON.parse(write.stdout)[0].targets[0].error).toMatch(/DENIED: requested access to the resource is denied \(403\)/);
      for (const out of [read.stdout, read.stderr, write.stdout, write.stderr]) expect(out).not.toContain(auth.password!);
    } finally {
      proxy.setRule(undefined);
    }
  });
});

describe('bearer scope upgrade on the token-mode registry', () => {
  it('asks for pull,push when the registry answers a pull-scoped write with insufficient_scope', async () => {
    const reg = registries.token;
    const repo = `upgrade/${id()}`;
    const before = (await readTokenLog(reg.tokenLog!)).length;
    const c = await client({ LAZYOCI_USERNAME: reg.username!, LAZYOCI_PASSWORD: reg.password! });
    const blob = Buffer.from(`upgrade ${id()}`);
    try {
      const repository = c.repository({ registry: reg.host, repository: repo }, 'pull');
      expect(await repository.exists(blobDesc(blob))).toBe(false);
      await repository.push(blobDesc(blob), () => Readable.from([blob]));
      expect(await repository.exists(blobDesc(blob))).toBe(true);
    } finally {
      await c.close();
    }
    // One pull token, then one widened token reused for the upload and the final check.
    const tokens = (await readTokenLog(reg.tokenLog!)).slice(before).filter((t) => t.scopes.some((scope) => scope.includes(repo)));
    expect(tokens).toEqual([
      { user: reg.username, scopes: [`repository:${repo}:pull`], status: 200 },
      { user: reg.username, scopes: [`repository:${repo}:pull,push`], status: 200 },
    ]);
  });
});

describe('proxies from the environment', () => {
  it('sends registry traffic through HTTPS_PROXY/HTTP_PROXY, and not when NO_PROXY names the registry', async () => {
    const http = registries.http;
    const proxy = await startForwardProxy();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-proxy-'));
    try {
      await writeFile(path.join(dir, 'f.txt'), 'via proxy');
      await writeFile(path.join(dir, '.lazy'), `version: 1\nartifacts:\n  - type: artifact\n    files: [{ path: f.txt }]\n    targets: [{ registry: "${http.host}/proxy/${id()}", tags: [v1] }]\n`);
      const env = { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url };
      const via = await runCli(['build', '-q'], { cwd: dir, env });
      expect(via.code, via.stderr).toBe(0);
      // undici tunnels every proxied request, plain-HTTP ones included, through CONNECT.
      expect(proxy.seen.length).toBeGreaterThan(1);
      expect(new Set(proxy.seen)).toEqual(new Set([`CONNECT ${http.host}`]));

      const count = proxy.seen.length;
      const direct = await runCli(['build', '-q'], { cwd: dir, env: { ...env, NO_PROXY: '127.0.0.1' } });
      expect(direct.code, direct.stderr).toBe(0);
      expect(proxy.seen.length).toBe(count);
    } finally {
      await proxy.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
