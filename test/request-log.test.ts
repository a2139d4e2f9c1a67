// The request log (the browser's request pane): every request a client makes, reported
// once it has ended — method, redacted URL, status, time, bytes — and never a header,
// so never a credential or token. Against the real token-auth registry and its issuer.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, inject, it } from 'vitest';
import { readAll } from '../src/content/store.js';
import type { Descriptor, Digest } from '../src/oci/types.js';
import { RegistryClient } from '../src/registry/client/registry-client.js';
import type { RequestRecord } from '../src/registry/transport/request-log.js';

const reg = inject('registries').token;
const sha256 = (b: Buffer): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('request log', () => {
  it('reports every request with method, redacted URL, status, time and bytes, and no credentials', async () => {
    const records: RequestRecord[] = [];
    const client = await RegistryClient.create({
      env: { LAZYOCI_USERNAME: reg.username!, LAZYOCI_PASSWORD: reg.password! },
      userAgent: 'lazyoci-test',
      onRequest: (r) => records.push(r),
    });
    const blob = randomBytes(5000);
    const desc: Descriptor = { mediaType: 'application/octet-stream', digest: sha256(blob), size: blob.length };
    const repo = client.repository({ registry: reg.host, repository: `reqlog/${randomBytes(3).toString('hex')}` }, 'push');
    try {
      await repo.push(desc, () => Readable.from([blob]));
      expect(Buffer.compare(await readAll(await repo.fetch(desc)), blob)).toBe(0);
    } finally {
      await client.close();
    }
    const base = `http://${reg.host}`;
    const find = (method: string, pattern: RegExp): RequestRecord | undefined => records.find((r) => r.method === method && pattern.test(r.url));
    // HTTPS is tried first on a loopback registry; the failure is a record of its own.
    expect(records.find((r) => r.url === `https://${reg.host}/v2/`)).toMatchObject({ method: 'GET', bytes: 0 });
    expect(records.find((r) => r.url === `${base}/v2/`)).toMatchObject({ method: 'GET', status: 401 });
    expect(find('POST', /\/blobs\/uploads\/$/)).toMatchObject({ status: 202 });
    const put = find('PUT', /\/blobs\/uploads\//)!;
    expect(put).toMatchObject({ status: 201, sentBytes: blob.length });
    // The upload session's state is a secret of the registry's: redacted; the digest is not.
    expect(put.url).toContain(`digest=${encodeURIComponent(desc.digest)}`);
    expect(put.url).not.toMatch(/_state=(?!REDACTED)/);
    expect(find('GET', new RegExp(`/blobs/${desc.digest}$`))).toMatchObject({ status: 200, bytes: blob.length });
    // The token requests to the issuer are in the log too, their query redacted.
    const token = records.find((r) => !r.url.includes(reg.host));
    expect(token).toMatchObject({ status: 200 });
    expect(token!.url).not.toMatch(/scope=(?!REDACTED)/);
    for (const r of records) expect(r.ms).toBeGreaterThanOrEqual(0);
    const all = JSON.stringify(records);
    expect(all).not.toContain(reg.password!);
    expect(all).not.toMatch(/bearer|basic|authorization/i);
  });

  it('reports a request that got no answer with the failure and no status', async () => {
    const records: RequestRecord[] = [];
    const client = await RegistryClient.create({ env: {}, userAgent: 'lazyoci-test', onRequest: (r) => records.push(r), retry: { baseMs: 1, maxAttempts: 1 } });
    try {
      await expect(client.repository({ registry: '127.0.0.1:1', repository: 'x' }, 'pull').fetchManifest('latest')).rejects.toThrow();
    } finally {
      await client.close();
    }
    expect(records.length).toBeGreaterThan(0);
    expect(records[0]).toMatchObject({ method: 'GET', url: 'https://127.0.0.1:1/v2/', bytes: 0, error: 'ECONNREFUSED' });
    expect(records[0]!.status).toBeUndefined();
  });
});
