// Proves the test bed itself: three real registries answer as configured and skopeo
// round-trips content through them byte for byte.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startConnectionCounter } from './support/connection-counter.js';
import { TINY_ARTIFACT_TYPE, writeTinyLayout } from './support/oci-layout-fixture.js';
import { basicAuth, probe, type RegistryInfo } from './support/registry.js';
import { copyFromLayout, copyToLayout, inspectRaw, listTags, verifyLayoutBlobs, type SkopeoOptions } from './support/skopeo.js';

const registries = inject('registries');

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-bed-'));
  tempDirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function skopeoOpts(reg: RegistryInfo): SkopeoOptions {
  const opts: SkopeoOptions = { tls: reg.mode === 'https' ? 'verify' : 'skip' };
  if (reg.caFile) opts.certDir = path.dirname(reg.caFile);
  if (reg.username && reg.password) opts.creds = `${reg.username}:${reg.password}`;
  return opts;
}

describe('registries answer /v2/', () => {
  it('plain HTTP answers 200', async () => {
    const reg = registries.http;
    expect(reg.url).toBe(`http://${reg.host}`);
    const res = await probe(`${reg.url}/v2/`);
    expect(res.status).toBe(200);
    expect(res.headers['docker-distribution-api-version']).toBe('registry/2.0');
  });

  it('auth answers 401 with a Basic challenge without credentials, 200 with them', async () => {
    const reg = registries.auth;
    expect(reg.username).toBe('lazyuser');
    expect(reg.password).toMatch(/^pw-[0-9a-f]{16,}$/);
    const anonymous = await probe(`${reg.url}/v2/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic realm=/);
    const wrong = await probe(`${reg.url}/v2/`, { authorization: basicAuth(reg.username!, 'not-the-password') });
    expect(wrong.status).toBe(401);
    const ok = await probe(`${reg.url}/v2/`, { authorization: basicAuth(reg.username!, reg.password!) });
    expect(ok.status).toBe(200);
  });

  it('https rejects a client without the CA and accepts one with it', async () => {
    const reg = registries.https;
    expect(reg.url).toBe(`https://${reg.host}`);
    expect(reg.caFile).toBeDefined();
    await expect(probe(`${reg.url}/v2/`)).rejects.toThrow(/self[- ]signed|certificate/i);
    const ca = await readFile(reg.caFile!);
    expect(ca.toString()).toContain('BEGIN CERTIFICATE');
    const res = await probe(`${reg.url}/v2/`, { ca });
    expect(res.status).toBe(200);
  });

  it('the access log records requests', async () => {
    const reg = registries.http;
    await probe(`${reg.url}/v2/bed-log-marker/tags/list`);
    // The registry writes the access line after the response; give it a moment.
    let log = '';
    for (let i = 0; i < 20 && !log.includes('/v2/bed-log-marker/tags/list'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      log = await readFile(reg.logFile, 'utf8');
    }
    expect(log).toMatch(/"GET \/v2\/bed-log-marker\/tags\/list HTTP\/1\.1" 404/);
  });
});

describe.each(['http', 'https', 'auth'] as const)('skopeo round trip through the %s registry', (mode) => {
  it('seeds, reads back the exact manifest bytes, copies out and lists tags', async () => {
    const reg = registries[mode];
    const opts = skopeoOpts(reg);
    const seedDir = await tempDir();
    const tiny = await writeTinyLayout(seedDir, 'v1');
    const repo = `${reg.host}/bed/${mode}-tiny`;

    await copyFromLayout(seedDir, 'v1', `${repo}:v1`, opts);

    const raw = await inspectRaw(`${repo}:v1`, opts);
    expect(sha256(raw)).toBe(tiny.manifestDigest);
    expect(raw.equals(tiny.manifest)).toBe(true);
    expect(JSON.parse(raw.toString()).artifactType).toBe(TINY_ARTIFACT_TYPE);

    const byDigest = await inspectRaw(`${repo}@${tiny.manifestDigest}`, opts);
    expect(sha256(byDigest)).toBe(tiny.manifestDigest);

    const outDir = await tempDir();
    await copyToLayout(`${repo}:v1`, outDir, 'copied', { ...opts, preserveDigests: true });
    const blobs = await verifyLayoutBlobs(outDir);
    expect(blobs.get(tiny.manifestDigest)).toBe(tiny.manifestSize);
    expect(blobs.get(tiny.layerDigest)).toBe(tiny.layerSize);
    const index = JSON.parse(await readFile(path.join(outDir, 'index.json'), 'utf8'));
    expect(index.manifests[0].digest).toBe(tiny.manifestDigest);

    expect(await listTags(repo, opts)).toEqual(['v1']);
  });
});

describe('skopeo helpers fail loudly', () => {
  it('verifyLayoutBlobs throws on a blob whose content does not match its name', async () => {
    const dir = await tempDir();
    const tiny = await writeTinyLayout(dir, 'v1');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(dir, 'blobs', 'sha256', tiny.layerDigest.slice(7)), 'tampered');
    await expect(verifyLayoutBlobs(dir)).rejects.toThrow(/not the one in its name/);
  });

  it('auth registry refuses skopeo without credentials, and the error does not show the password', async () => {
    const reg = registries.auth;
    const err = await inspectRaw(`${reg.host}/bed/nothing:v1`, { tls: 'skip' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/unauthorized|authentication required|401/i);
    const withCreds = await inspectRaw(`${reg.host}/bed/nothing:v1`, {
      tls: 'skip',
      creds: `${reg.username}:${reg.password}`,
    }).catch((e: Error) => e);
    expect(withCreds).toBeInstanceOf(Error);
    expect((withCreds as Error).message).not.toContain(reg.password!);
  });
});

describe('connection counter', () => {
  it('counts each accepted connection and drops it', async () => {
    const counter = await startConnectionCounter();
    try {
      expect(counter.connections()).toBe(0);
      const [hostname, port] = counter.host.split(':');
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect(Number(port), hostname!, () => undefined);
        socket.on('close', () => resolve());
        socket.on('error', reject);
      });
      expect(counter.connections()).toBe(1);
      await expect(probe(`http://${counter.host}/v2/`)).rejects.toThrow();
      expect(counter.connections()).toBe(2);
    } finally {
      await counter.stop();
    }
  });
});
