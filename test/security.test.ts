// Security rules of the registry client against the real registry: an upload Location
// on another origin is refused before any byte goes there, and plain HTTP is only
// spoken to loopback names unless --insecure says otherwise.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { LookupFunction } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RegistryHttp } from '../src/registry/client/registry-http.js';
import { RegistryError } from '../src/errors/index.js';
import { runCli } from './support/cli.js';
import { startFaultProxy, startOtherOrigin, type FaultProxy } from './support/fault-proxy.js';
import { listTags } from './support/skopeo.js';

const registries = inject('registries');

describe('upload locations stay on the registry origin', () => {
  let proxy: FaultProxy;
  let dir: string;
  beforeAll(async () => {
    proxy = await startFaultProxy(registries.auth.url);
    dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-sec-'));
  });
  afterAll(async () => {
    await proxy.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a Location on another origin: no credentials or bytes go there, no tag is written', async () => {
    const elsewhere = await startOtherOrigin(new Map());
    const repo = `sec/${Math.random().toString(36).slice(2, 8)}`;
    proxy.setRule((req) =>
      req.method === 'POST' && req.path.startsWith(`/v2/${repo}/blobs/uploads/`)
        ? { status: 202, headers: { location: `${elsewhere.origin}/upload/1`, 'docker-upload-uuid': '1' } }
        : undefined,
    );
    try {
      await writeFile(path.join(dir, 'f.txt'), 'secret payload');
      await writeFile(path.join(dir, '.lazy'), `version: 1\nartifacts:\n  - type: artifact\n    files: [{ path: f.txt }]\n    targets: [{ registry: "${proxy.host}/${repo}", tags: [v1] }]\n`);
      const res = await runCli(['build', '-o', 'json'], {
        cwd: dir,
        env: { LAZYOCI_USERNAME: registries.auth.username!, LAZYOCI_PASSWORD: registries.auth.password! },
      });
      expect(res.code).toBe(1);
      expect(JSON.parse(res.stdout)[0].targets[0].error).toMatch(/location on another origin/);
      expect(elsewhere.seen).toEqual([]);
      expect(proxy.seen.some((r) => r.method === 'PUT' && r.path.includes('/manifests/'))).toBe(false);
      await expect(
        listTags(`${registries.auth.host}/${repo}`, { tls: 'skip', creds: `${registries.auth.username}:${registries.auth.password}` }),
      ).rejects.toThrow();
    } finally {
      proxy.setRule(undefined);
      await elsewhere.stop();
    }
  });
});

describe('plain HTTP only to loopback names unless --insecure', () => {
  // A name that is not a loopback name but resolves to 127.0.0.1, so the test stays on this machine.
  const lookup: LookupFunction = (_host, options, callback) => {
    if (typeof options === 'object' && options.all === true) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    } else callback(null, '127.0.0.1', 4);
  };
  const port = registries.http.host.split(':')[1];
  const name = `registry.lazyoci.test:${port}`;

  async function endpointOf(insecure: boolean): Promise<URL> {
    const dispatcher = new Agent({ connect: { lookup, rejectUnauthorized: !insecure } });
    try {
      const http = new RegistryHttp({ registry: name, dispatcher, insecure, userAgent: 'lazyoci-test', credential: async () => undefined });
      return await http.endpoint();
    } finally {
      await dispatcher.close();
    }
  }

  it('refuses to fall back to HTTP for a remote name, and says --insecure', async () => {
    const err = await endpointOf(false).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).hint).toMatch(/--insecure/);
  });

  it('uses HTTP for the same registry once --insecure is given', async () => {
    expect((await endpointOf(true)).protocol).toBe('http:');
  });

  it('gives a name that does not resolve a DNS hint, not one about --insecure or TLS', async () => {
    // The resolver answers "not found" itself, so no DNS query leaves the machine.
    const notFound: LookupFunction = (host, _options, callback) =>
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), '', 4);
    const dispatcher = new Agent({ connect: { lookup: notFound } });
    try {
      const http = new RegistryHttp({ registry: 'registry.example.com', dispatcher, insecure: false, userAgent: 'lazyoci-test', credential: async () => undefined });
      const err = await http.endpoint().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as RegistryError).message).toBe('cannot connect to registry.example.com: host not found');
      expect((err as RegistryError).hint).toMatch(/registry name "registry\.example\.com".*DNS/);
      expect((err as RegistryError).hint).not.toMatch(/--insecure|--ca-file/);
    } finally {
      await dispatcher.close();
    }
  });
});
