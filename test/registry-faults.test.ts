// Faults injected by a proxy in front of the real registry during real pushes (spec §5,
// issue 5): each either recovers to a byte-identical push, checked with skopeo, or fails
// at once with the registry's code and no tag created.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { Readable } from 'node:stream';
import { CancelledError } from '../src/errors/index.js';
import { RegistryClient } from '../src/registry/client/registry-client.js';
import { runCli, type CliResult } from './support/cli.js';
import {
  failFirst,
  firstOf,
  registryErrorBody,
  resetAfter,
  slow,
  startFaultProxy,
  throttle,
  type FaultProxy,
  type FaultRule,
  type SeenRequest,
} from './support/fault-proxy.js';
import { copyToLayout, inspectRaw, listTags, verifyLayoutBlobs } from './support/skopeo.js';

const registry = inject('registries').http;
const PLAIN = { tls: 'skip' } as const;
const MiB = 1 << 20;
const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const suffix = (): string => Math.random().toString(36).slice(2, 8);

interface Layout {
  dir: string;
  manifest: Buffer;
  manifestDigest: string;
  layerDigest: string;
  layerSize: number;
}

/** An OCI layout holding one artifact: a small config and one random layer of `size` bytes. */
async function writeLayout(dir: string, size: number): Promise<Layout> {
  const blobs = path.join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (b: Buffer): Promise<string> => {
    const d = sha256(b);
    await writeFile(path.join(blobs, d.slice(7)), b);
    return d;
  };
  const layer = randomBytes(size);
  const config = Buffer.from(JSON.stringify({ note: `faults ${suffix()}` }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.lazyoci.test.faults.v1',
      config: { mediaType: 'application/vnd.lazyoci.test.config.v1+json', digest: await put(config), size: config.length },
      layers: [{ mediaType: 'application/octet-stream', digest: await put(layer), size: layer.length }],
    }),
  );
  const manifestDigest = await put(manifest);
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDigest,
          size: manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': 'v1' },
        },
      ],
    }),
  );
  return { dir, manifest, manifestDigest, layerDigest: sha256(layer), layerSize: size };
}

const isBlobHead = (r: SeenRequest): boolean => r.method === 'HEAD' && r.path.includes('/blobs/sha256:');
const isUploadPost = (r: SeenRequest): boolean => r.method === 'POST' && r.path.includes('/blobs/uploads/');
const isUploadPut = (r: SeenRequest): boolean => r.method === 'PUT' && r.path.includes('/blobs/uploads/');
/** The single-request PUT carries the blob; a chunked upload's closing PUT carries nothing. */
const isWholePut = (r: SeenRequest): boolean => isUploadPut(r) && r.contentLength !== undefined && r.contentLength !== '0';
const isPatch = (r: SeenRequest): boolean => r.method === 'PATCH';
const isManifestPut = (r: SeenRequest): boolean => r.method === 'PUT' && r.path.includes('/manifests/');
const isManifestHead = (r: SeenRequest): boolean => r.method === 'HEAD' && r.path.includes('/manifests/');

describe('registry faults during a real push, through a fault proxy', () => {
  let work: string;
  let proxy: FaultProxy;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-faults-'));
    proxy = await startFaultProxy(registry.url);
  });
  afterEach(() => {
    proxy.setRule(undefined);
  });
  afterAll(async () => {
    await proxy.stop();
    await rm(work, { recursive: true, force: true });
  });

  /** Push `layout` to a fresh repository on the proxy under `rule`; returns what the proxy saw. */
  async function push(size: number, rule: FaultRule | undefined): Promise<{ r: CliResult; layout: Layout; repo: string; seen: SeenRequest[]; faults: number }> {
    const layout = await writeLayout(path.join(work, suffix()), size);
    const repo = `faults/${suffix()}`;
    const before = proxy.seen.length;
    const faultsBefore = proxy.faults().total;
    proxy.setRule(rule);
    try {
      const r = await runCli(['push', layout.dir, `${proxy.host}/${repo}:v1`, '-o', 'json', '-q'], { env: { LAZYOCI_RETRY_BASE_MS: '10' } });
      return { r, layout, repo, seen: proxy.seen.slice(before), faults: proxy.faults().total - faultsBefore };
    } finally {
      proxy.setRule(undefined);
    }
  }

  /** The push succeeded and the registry holds exactly our bytes. */
  async function expectIdentical(r: CliResult, layout: Layout, repo: string): Promise<void> {
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { digest: string };
    expect(out.digest).toBe(layout.manifestDigest);
    const raw = await inspectRaw(`${registry.host}/${repo}:v1`, PLAIN);
    expect(sha256(raw)).toBe(out.digest);
    expect(raw.equals(layout.manifest)).toBe(true);
    const pulled = path.join(work, `pulled-${suffix()}`);
    await copyToLayout(`${registry.host}/${repo}:v1`, pulled, 'v1', { ...PLAIN, preserveDigests: true });
    const blobs = await verifyLayoutBlobs(pulled);
    expect(blobs.get(layout.layerDigest)).toBe(layout.layerSize);
  }

  /** Failed cleanly: exit 1, the registry's code in the message, no tag. */
  async function expectCleanFailure(r: CliResult, repo: string, code: RegExp): Promise<void> {
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(code);
    const tags = await listTags(`${registry.host}/${repo}`, PLAIN).catch(() => [] as string[]);
    expect(tags).not.toContain('v1');
  }

  it.each([
    ['blob HEAD', isBlobHead],
    ['blob POST', isUploadPost],
    ['blob PUT', isUploadPut],
    ['manifest PUT', isManifestPut],
  ] as const)('recovers from 503 twice on %s', async (_name, match) => {
    const { r, layout, repo, seen, faults } = await push(64 * 1024, failFirst(2, match));
    expect(faults).toBe(2);
    expect(seen.filter((s) => match(s) && s.fault === 'reply')).toHaveLength(2);
    await expectIdentical(r, layout, repo);
  });

  it('waits out a 429 Retry-After: 1, and every later request to the host waits with it', async () => {
    const { r, layout, repo, seen, faults } = await push(64 * 1024, throttle(1, isManifestHead, 1));
    expect(faults).toBe(1);
    const i = seen.findIndex((s) => s.fault === 'reply');
    const throttledAt = seen[i]!.time!;
    const later = seen.slice(i + 1);
    expect(later.length).toBeGreaterThan(3);
    // Proxy timestamps on both sides; a little slack for timer granularity.
    for (const s of later) expect(s.time! - throttledAt, `${s.method} ${s.path}`).toBeGreaterThanOrEqual(990);
    await expectIdentical(r, layout, repo);
  });

  it('waits out a 429 Retry-After on a blob POST before asking again', async () => {
    const { r, layout, repo, seen } = await push(64 * 1024, throttle(1, isUploadPost, 1));
    const throttled = seen.find((s) => s.fault === 'reply')!;
    // config and layer are uploaded side by side; the retried POST is the last one
    const posts = seen.filter(isUploadPost);
    expect(posts).toHaveLength(3);
    expect(posts[2]!.time! - throttled.time!).toBeGreaterThanOrEqual(990);
    await expectIdentical(r, layout, repo);
  });

  it('restarts a single-request upload reset after 64 KiB of a 3 MiB blob from a new POST', async () => {
    const { r, layout, repo, seen, faults } = await push(3 * MiB, resetAfter(1, isWholePut, 64 * 1024));
    expect(faults).toBe(1);
    // config and layer, plus one fresh session for the layer after the reset
    expect(seen.filter(isUploadPost)).toHaveLength(3);
    expect(seen.filter(isWholePut)).toHaveLength(3);
    expect(seen.filter(isPatch)).toHaveLength(0);
    await expectIdentical(r, layout, repo);
  });

  it('falls back to 4 MiB chunks when the single PUT gets 413', async () => {
    const { r, layout, repo, seen } = await push(9 * MiB, (s) => (isWholePut(s) ? { status: 413 } : undefined));
    const ranges = seen.filter(isPatch).map((s) => s.contentRange);
    expect(ranges).toContain('0-4194303');
    expect(ranges).toContain('4194304-8388607');
    expect(ranges).toContain('8388608-9437183');
    const log = await readFile(registry.logFile, 'utf8');
    expect(log).toMatch(new RegExp(`"PATCH /v2/${repo}/blobs/uploads/`));
    await expectIdentical(r, layout, repo);
  });

  it("uses the registry's OCI-Chunk-Min-Length when it asks for larger chunks", async () => {
    const min = 5 * MiB;
    const { r, layout, repo, seen } = await push(9 * MiB, (s) => (isUploadPost(s) ? { responseHeaders: { 'oci-chunk-min-length': String(min) } } : undefined));
    expect(seen.filter(isWholePut)).toHaveLength(0);
    expect(seen.filter(isPatch).map((s) => s.contentRange)).toContain(`0-${min - 1}`);
    expect(seen.filter(isPatch).map((s) => s.contentRange)).toContain(`${min}-${9 * MiB - 1}`);
    await expectIdentical(r, layout, repo);
  });

  it("resumes a chunked upload reset mid-PATCH from the registry's Range, without starting over", async () => {
    const second = (s: SeenRequest): boolean => isPatch(s) && s.contentRange === '4194304-8388607';
    const { r, layout, repo, seen, faults } = await push(
      9 * MiB,
      firstOf((s) => (isWholePut(s) ? { status: 413 } : undefined), resetAfter(1, second, 64 * 1024)),
    );
    expect(seen.filter((s) => s.fault === 'reset')).toHaveLength(1);
    expect(faults).toBe(3); // two 413s (config, layer) and the reset
    const patches = seen.filter(isPatch).map((s) => s.contentRange);
    expect(patches.filter((c) => c === '4194304-8388607')).toHaveLength(2);
    expect(patches.filter((c) => c === '0-4194303')).toHaveLength(1);
    // the resume asked the session how far it got
    expect(seen.some((s) => s.method === 'GET' && s.path.includes('/blobs/uploads/'))).toBe(true);
    // one POST per blob for the single PUT, one per blob for chunks: none to start over
    expect(seen.filter(isUploadPost)).toHaveLength(4);
    await expectIdentical(r, layout, repo);
  });

  it('survives slow responses', async () => {
    const { r, layout, repo, faults } = await push(256 * 1024, slow((s) => s.path.startsWith('/v2/faults/'), 150));
    expect(faults).toBeGreaterThan(4);
    await expectIdentical(r, layout, repo);
  });

  it('fails at once on 403 to a blob POST, with no retry and no tag', async () => {
    const { r, repo, seen } = await push(
      64 * 1024,
      failFirst(Number.POSITIVE_INFINITY, isUploadPost, 403, registryErrorBody('DENIED', 'pushing here is not allowed')),
    );
    await expectCleanFailure(r, repo, /DENIED/);
    // config and layer side by side: each asked at most once
    expect(seen.filter(isUploadPost).length).toBeGreaterThanOrEqual(1);
    expect(seen.filter(isUploadPost).length).toBeLessThanOrEqual(2);
    expect(seen.filter(isManifestPut)).toHaveLength(0);
  });

  it('fails at once on 400 DIGEST_INVALID, with no retry and no tag', async () => {
    const { r, repo, seen } = await push(
      64 * 1024,
      failFirst(Number.POSITIVE_INFINITY, isWholePut, 400, registryErrorBody('DIGEST_INVALID', 'provided digest did not match uploaded content')),
    );
    await expectCleanFailure(r, repo, /DIGEST_INVALID/);
    // at most one session and one PUT per blob (config and layer): nothing sent again
    expect(seen.filter(isUploadPost).length).toBeLessThanOrEqual(2);
    expect(seen.filter(isWholePut).length).toBeGreaterThanOrEqual(1);
    expect(seen.filter(isWholePut).length).toBeLessThanOrEqual(2);
    expect(seen.filter(isManifestPut)).toHaveLength(0);
  });

  it('gives up on a permanent 500 after a bounded number of tries, with no tag', async () => {
    const { r, repo, seen } = await push(
      64 * 1024,
      failFirst(Number.POSITIVE_INFINITY, isManifestPut, 500, registryErrorBody('UNKNOWN', 'storage backend down')),
    );
    await expectCleanFailure(r, repo, /UNKNOWN: storage backend down/);
    expect(seen.filter(isManifestPut)).toHaveLength(5); // the default maxAttempts
  });

  it('an aborted upload throws CancelledError, not a RegistryError, and waits no longer', async () => {
    const blob = randomBytes(256 * 1024);
    const desc = { mediaType: 'application/octet-stream', digest: sha256(blob) as `sha256:${string}`, size: blob.length };
    const controller = new AbortController();
    const client = await RegistryClient.create({ env: {}, userAgent: 'lazyoci-test', signal: controller.signal, retry: { baseMs: 10 } });
    proxy.setRule(slow(isUploadPost, 5_000));
    try {
      const repo = client.repository({ registry: proxy.host, repository: `faults/${suffix()}` }, 'push');
      const pushing = repo.push(desc, () => Readable.from([blob]));
      setTimeout(() => controller.abort(), 300);
      const started = Date.now();
      const err = await pushing.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CancelledError);
      expect((err as CancelledError).exitCode).toBe(130);
      expect(Date.now() - started).toBeLessThan(4_000);
    } finally {
      proxy.setRule(undefined);
      await client.close();
    }
  });
});
