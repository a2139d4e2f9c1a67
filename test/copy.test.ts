// End to end through the built CLI: `lazyoci copy` between real registries — a
// multi-platform index with scoped annotations, retag in place, cross-repository mount,
// --max-size — with skopeo and the registries' own logs as the independent side.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Descriptor, Digest } from '../src/oci/types.js';
import { RegistryClient } from '../src/registry/client/registry-client.js';
import { runCli } from './support/cli.js';
import { writeMultiPlatformLayout, type MultiPlatformLayout } from './support/multi-platform-fixture.js';
import { writeTinyLayout, type TinyLayout } from './support/oci-layout-fixture.js';
import { copyFromLayout, copyToLayout, inspectRaw, listTags, verifyLayoutBlobs, type SkopeoOptions } from './support/skopeo.js';
import { readTokenLog } from './support/token-issuer.js';

const registries = inject('registries');
const http = registries.http;
const auth = registries.auth;
const token = registries.token;

const plain: SkopeoOptions = { tls: 'skip' };
const authSkopeo: SkopeoOptions = { tls: 'skip', creds: `${auth.username}:${auth.password}` };
const tokenSkopeo: SkopeoOptions = { tls: 'skip', creds: `${token.username}:${token.password}` };
const authEnv = { LAZYOCI_USERNAME: auth.username!, LAZYOCI_PASSWORD: auth.password! };
const tokenEnv = { LAZYOCI_USERNAME: token.username!, LAZYOCI_PASSWORD: token.password! };

const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const suffix = (): string => Math.random().toString(36).slice(2, 8);

interface Doc {
  mediaType: string;
  manifests?: { digest: string; size: number; mediaType: string; platform?: unknown }[];
  config?: { digest: string };
  layers?: { digest: string }[];
  annotations?: Record<string, string>;
}
const parse = (bytes: Buffer): Doc => JSON.parse(bytes.toString('utf8')) as Doc;

async function logLineCount(file: string): Promise<number> {
  return (await readFile(file, 'utf8')).split('\n').length;
}

/**
 * Access-log request lines written since line `from` (1-based) for repositories under
 * `prefix`, e.g. `"POST /v2/… HTTP/1.1" 201`. Other test files share the registry and its
 * log, so only this file's repositories are looked at.
 */
async function requestsSince(file: string, from: number, prefix: string): Promise<string[]> {
  const lines = (await readFile(file, 'utf8')).split('\n').slice(from - 1);
  return lines.filter((l) => / "(GET|HEAD|PUT|POST|PATCH|DELETE) \/v2\//.test(l) && l.includes(`/v2/${prefix}`));
}

describe('lazyoci copy', () => {
  let work: string;
  let multi: MultiPlatformLayout;
  let tiny: TinyLayout;
  const id = suffix();
  const multiSrc = `${http.host}/copy/${id}/multi`;
  const tinySrc = `${http.host}/copy/${id}/tiny`;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-copy-test-'));
    multi = await writeMultiPlatformLayout(path.join(work, 'multi'), 'v1');
    tiny = await writeTinyLayout(path.join(work, 'tiny'), 'v1');
    await copyFromLayout(path.join(work, 'multi'), 'v1', `${multiSrc}:v1`, { ...plain, all: true });
    await copyFromLayout(path.join(work, 'tiny'), 'v1', `${tinySrc}:v1`, plain);
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('copies a multi-platform index to another registry with scoped annotations, keeping what was there', async () => {
    // First stamp the children with annotations of their own, which the second copy must keep.
    const mid = `${http.host}/copy/${id}/mid:v1`;
    const first = await runCli(['copy', `${multiSrc}:v1`, mid, '--annotation', 'org.example.keep=k', '--annotation', 'org.example.desc=old']);
    expect(first.code, first.stderr).toBe(0);

    const dest = `${auth.host}/copy/${id}/multi:release`;
    const res = await runCli(
      [
        'copy',
        `oci://${mid}`,
        dest,
        '--annotation',
        'index:org.example.release=1',
        '--annotation',
        'manifest:org.example.desc=x',
        '--annotation',
        'org.example.plain=y',
        '-o',
        'json',
      ],
      { env: authEnv },
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout + res.stderr).not.toContain(auth.password!);
    const out = JSON.parse(res.stdout) as Record<string, string>;
    expect(Object.keys(out)).toEqual(['image', 'digest', 'tag']);
    expect(out.image).toBe(dest);
    expect(out.tag).toBe('release');

    const indexBytes = await inspectRaw(dest, authSkopeo);
    expect(out.digest).toBe(sha256(indexBytes));
    const index = parse(indexBytes);
    expect(index.annotations).toEqual({ 'org.opencontainers.image.description': 'multi-platform fixture', 'org.example.release': '1' });
    expect(index.manifests).toHaveLength(2);

    const seeded = parse(multi.index);
    for (const [i, child] of index.manifests!.entries()) {
      // The descriptor keeps its platform; only digest and size follow the rewritten manifest.
      expect(child.platform).toEqual(seeded.manifests![i]!.platform);
      expect(child.digest).not.toBe(multi.images[i]!.manifestDigest);
      const bytes = await inspectRaw(`${auth.host}/copy/${id}/multi@${child.digest}`, authSkopeo);
      expect(sha256(bytes)).toBe(child.digest);
      expect(bytes.length).toBe(child.size);
      const doc = parse(bytes);
      expect(doc.annotations).toEqual({ 'org.example.keep': 'k', 'org.example.desc': 'x', 'org.example.plain': 'y' });
      expect(doc.config?.digest).toBe(multi.images[i]!.configDigest);
      expect(doc.layers?.map((l) => l.digest)).toEqual([multi.images[i]!.layerDigest]);
    }

    const out2 = path.join(work, 'readback-multi');
    await copyToLayout(dest, out2, 'r', { ...authSkopeo, all: true, preserveDigests: true });
    const blobs = await verifyLayoutBlobs(out2);
    for (const image of multi.images) {
      expect(blobs.has(image.configDigest)).toBe(true);
      expect(blobs.has(image.layerDigest)).toBe(true);
    }
    expect(blobs.has(out.digest!)).toBe(true);
  });

  it('copies a single image, ignoring index annotations with a warning', async () => {
    const dest = `${http.host}/copy/${id}/tiny-annotated:v2`;
    const res = await runCli(['copy', `${tinySrc}:v1`, dest, '--annotation', 'index:org.example.release=1', '--annotation', 'org.example.plain=y']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('org.example.release');
    expect(res.stderr).toMatch(/ignored index annotation/);
    const bytes = await inspectRaw(dest, plain);
    expect(res.stdout.trim()).toBe(`copied ${tinySrc}:v1 → ${dest} (${sha256(bytes)})`);
    const doc = parse(bytes);
    expect(doc.annotations).toEqual({ 'org.opencontainers.image.created': '2024-01-01T00:00:00Z', 'org.example.plain': 'y' });

    const quiet = await runCli(['copy', '-q', `${tinySrc}:v1`, `${http.host}/copy/${id}/tiny-quiet:v2`, '--annotation', 'index:a=b']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
  });

  it('retags within one repository with a single manifest PUT and no blob request', async () => {
    const before = await logLineCount(http.logFile);
    const res = await runCli(['copy', `${tinySrc}@${tiny.manifestDigest}`, `${tinySrc}:v1-release`, '-o', 'json']);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ image: `${tinySrc}:v1-release`, digest: tiny.manifestDigest, tag: 'v1-release' });
    const requests = await requestsSince(http.logFile, before, `copy/${id}/`);
    const repoPath = `/v2/copy/${id}/tiny/`;
    expect(requests.filter((l) => l.includes('/blobs/'))).toEqual([]);
    expect(requests.filter((l) => l.includes(`"PUT ${repoPath}manifests/`))).toHaveLength(1);
    expect(requests.filter((l) => l.includes('"PUT ')).length).toBe(1);
    expect(sha256(await inspectRaw(`${tinySrc}:v1-release`, plain))).toBe(tiny.manifestDigest);
  });

  it('mounts blobs from another repository of the same registry instead of uploading them', async () => {
    const destRepo = `copy/${id}/mounted`;
    const before = await logLineCount(http.logFile);
    const res = await runCli(['copy', `${tinySrc}:v1`, `${http.host}/${destRepo}:v1`]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('mounted');
    const requests = await requestsSince(http.logFile, before, `copy/${id}/`);
    const doc = parse(tiny.manifest);
    for (const digest of [doc.config!.digest, ...doc.layers!.map((l) => l.digest)]) {
      const mounts = requests.filter((l) => l.includes(`"POST /v2/${destRepo}/blobs/uploads/?`) && l.includes(`mount=${encodeURIComponent(digest)}`));
      expect(mounts, requests.join('\n')).toHaveLength(1);
      expect(mounts[0]).toMatch(/HTTP\/1\.1" 201 /);
      expect(mounts[0]).toContain(`from=${encodeURIComponent(`copy/${id}/tiny`)}`);
    }
    // Only this copy's repositories: other test files share the registry and its log.
    expect(requests.filter((l) => l.includes(`/v2/${destRepo}/`) && /"(PATCH|PUT) \/v2\/[^ ]*\/blobs\/uploads\//.test(l))).toEqual([]);
    expect(sha256(await inspectRaw(`${http.host}/${destRepo}:v1`, plain))).toBe(tiny.manifestDigest);
    const out = path.join(work, 'readback-mounted');
    await copyToLayout(`${http.host}/${destRepo}:v1`, out, 'r', { ...plain, preserveDigests: true });
    expect((await verifyLayoutBlobs(out)).has(tiny.layerDigest)).toBe(true);
  });

  it('refuses a copy over --max-size with both sizes and creates nothing, but retags under the same limit', async () => {
    let total = 0;
    for (const image of multi.images) {
      for (const digest of [image.configDigest, image.layerDigest]) {
        total += (await stat(path.join(work, 'multi', 'blobs', 'sha256', digest.slice('sha256:'.length)))).size;
      }
    }
    const destRepo = `${http.host}/copy/${id}/too-big`;
    const res = await runCli(['copy', `${multiSrc}:v1`, `${destRepo}:v1`, '--max-size', '100']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('not retryable');
    expect(res.stderr).toContain('--max-size of 100 bytes');
    expect(res.stderr).toContain(`(${total} bytes)`);
    await expect(listTags(destRepo, plain).then((tags) => tags.length)).rejects.toThrow();

    const retag = await runCli(['copy', `${multiSrc}:v1`, `${multiSrc}:v1-small`, '--max-size', '100', '-o', 'json']);
    expect(retag.code, retag.stderr).toBe(0);
    expect((JSON.parse(retag.stdout) as { digest: string }).digest).toBe(multi.indexDigest);
    expect(await listTags(multiSrc, plain)).toContain('v1-small');
  });

  it('rejects a destination without a tag before sending anything', async () => {
    const before = await logLineCount(http.logFile);
    const res = await runCli(['copy', `${tinySrc}:v1`, `${http.host}/copy/${id}/notag`]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('needs a tag');
    const bad = await runCli(['copy', `${tinySrc}:v1`, `${http.host}/copy/${id}/x:v1`, '--max-size', 'huge']);
    expect(bad.code).toBe(2);
    // Nothing for either destination (other test files share the registry and its log).
    expect((await requestsSince(http.logFile, before, `copy/${id}/`)).filter((l) => l.includes(`/copy/${id}/notag`) || l.includes(`/copy/${id}/x/`))).toEqual([]);
  });

  it('asks the token service for one token covering push on the destination and pull on the mount source', async () => {
    const src = `${token.host}/copy/${id}/tsrc`;
    const dstRepo = `copy/${id}/tdst`;
    await copyFromLayout(path.join(work, 'tiny'), 'v1', `${src}:v1`, tokenSkopeo);
    const tokensBefore = (await readTokenLog(token.tokenLog!)).length;
    const logBefore = await logLineCount(token.logFile);

    const res = await runCli(['copy', `${src}:v1`, `${token.host}/${dstRepo}:v1`], { env: tokenEnv });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout + res.stderr).not.toContain(token.password!);

    const tokens = (await readTokenLog(token.tokenLog!)).slice(tokensBefore);
    const both = tokens.filter(
      (t) => t.status === 200 && t.scopes.includes(`repository:${dstRepo}:pull,push`) && t.scopes.includes(`repository:copy/${id}/tsrc:pull`),
    );
    expect(both, JSON.stringify(tokens)).toHaveLength(1);
    const requests = await requestsSince(token.logFile, logBefore, `copy/${id}/`);
    const mounts = requests.filter((l) => l.includes(`"POST /v2/${dstRepo}/blobs/uploads/?`) && l.includes('mount='));
    expect(mounts.length).toBeGreaterThan(0);
    expect(mounts.filter((l) => /HTTP\/1\.1" 201 /.test(l))).toHaveLength(2);
    expect(requests.filter((l) => /"(PATCH|PUT) \/v2\/[^ ]*\/blobs\/uploads\//.test(l))).toEqual([]);
    expect(sha256(await inspectRaw(`${token.host}/${dstRepo}:v1`, tokenSkopeo))).toBe(tiny.manifestDigest);
  });

  it('falls back to an upload when the registry declines a mount (202, session cancelled) or refuses it (401)', async () => {
    const client = await RegistryClient.create({ env: {}, userAgent: 'lazyoci-test' });
    try {
      const blob = Buffer.from(`not in the source repository ${suffix()}`);
      const desc: Descriptor = { mediaType: 'application/octet-stream', digest: sha256(blob) as Digest, size: blob.length };
      const target = client.repository({ registry: http.host, repository: `copy/${id}/declined` }, 'push');
      const before = await logLineCount(http.logFile);
      expect(await target.mount(desc, { registry: http.host, repository: `copy/${id}/tiny` })).toBe(false);
      const requests = await requestsSince(http.logFile, before, `copy/${id}/`);
      expect(requests.some((l) => l.includes('"POST /v2/copy/') && l.includes('mount=') && /" 202 /.test(l))).toBe(true);
      // The session the 202 opened is cancelled rather than left to expire.
      expect(requests.some((l) => l.includes(`"DELETE /v2/copy/${id}/declined/blobs/uploads/`) && /" 204 /.test(l))).toBe(true);
      await target.push(desc, () => Readable.from([blob]));
      expect(await target.exists(desc)).toBe(true);

      // Without credentials the auth registry answers 401: not an error, an upload instead (spec §5).
      const anonymous = client.repository({ registry: auth.host, repository: `copy/${id}/anon` }, 'push');
      expect(await anonymous.mount(desc, { registry: auth.host, repository: `copy/${id}/multi` })).toBe(false);
      // Another registry, or the repository itself, is never asked.
      expect(target.canMountFrom({ registry: auth.host, repository: `copy/${id}/tiny` })).toBe(false);
      expect(target.canMountFrom({ registry: http.host, repository: `copy/${id}/declined` })).toBe(false);
    } finally {
      await client.close();
    }
  });
});
