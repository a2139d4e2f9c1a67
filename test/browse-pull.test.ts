// End to end through the built CLI: `browse repos|tags|manifest` and `pull` against
// real registries, with skopeo (and plain fetch) as the independent side.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pullToLayout } from '../src/ops/pull.js';
import type { GraphTotal } from '../src/ops/graph-total.js';
import { parseReference } from '../src/ref/reference.js';
import { RegistryClient } from '../src/registry/client/registry-client.js';
import { REPO_ROOT, runCli } from './support/cli.js';
import { writeMultiPlatformLayout, type MultiPlatformLayout } from './support/multi-platform-fixture.js';
import { TINY_ARTIFACT_TYPE, writeTinyLayout, type TinyLayout } from './support/oci-layout-fixture.js';
import { copyFromLayout, inspectLayoutRaw, inspectRaw, listTags, verifyLayoutBlobs } from './support/skopeo.js';
import { startTagPagingProxy, type TagPagingProxy } from './support/tag-paging-proxy.js';

const registries = inject('registries');
const http = registries.http;
const auth = registries.auth;

const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';

const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const suffix = (): string => Math.random().toString(36).slice(2, 8);

async function logLineCount(file: string): Promise<number> {
  return (await readFile(file, 'utf8')).split('\n').length;
}

/** Access-log request lines written since `from`, for paths containing `needle`. */
async function requestsSince(file: string, from: number, needle: string): Promise<string[]> {
  const lines = (await readFile(file, 'utf8')).split('\n').slice(from - 1);
  return lines.filter((l) => / "(GET|HEAD|PUT|POST|PATCH|DELETE) \//.test(l) && l.includes(needle));
}

/** PUT the same manifest under more tags, straight to the plain-HTTP registry, in parallel batches. */
async function putTags(host: string, repo: string, manifest: Buffer, tags: string[]): Promise<void> {
  for (let i = 0; i < tags.length; i += 25) {
    await Promise.all(
      tags.slice(i, i + 25).map(async (tag) => {
        const res = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, {
          method: 'PUT',
          headers: { 'content-type': MANIFEST_TYPE },
          body: manifest,
        });
        if (res.status !== 201) throw new Error(`PUT ${repo}:${tag} answered ${res.status}: ${await res.text()}`);
      }),
    );
  }
}

/** Another repository holding the same manifest: blobs mounted from `from`, then the manifest PUT. */
async function cloneRepository(host: string, from: string, to: string, tiny: TinyLayout): Promise<void> {
  const doc = JSON.parse(tiny.manifest.toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
  for (const digest of [doc.config.digest, ...doc.layers.map((l) => l.digest)]) {
    const res = await fetch(`http://${host}/v2/${to}/blobs/uploads/?mount=${digest}&from=${from}`, { method: 'POST' });
    if (res.status !== 201) throw new Error(`mount ${digest} into ${to} answered ${res.status}`);
  }
  await putTags(host, to, tiny.manifest, ['v1']);
}

interface PullJson {
  reference: string;
  digest: string;
  mediaType: string;
  dest: string;
  tag: string;
  platform?: string;
  copied: number;
  skipped: number;
}

describe('browse and pull against real registries', () => {
  let work: string;
  let proxy: TagPagingProxy;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-browse-'));
    proxy = await startTagPagingProxy(http.host);
  });
  afterAll(async () => {
    await proxy.stop();
    await rm(work, { recursive: true, force: true });
  });

  async function seedTiny(host: string, repo: string, tag: string, creds?: string): Promise<TinyLayout> {
    const dir = await mkdtemp(path.join(work, 'seed-'));
    const tiny = await writeTinyLayout(dir, tag);
    await copyFromLayout(dir, tag, `${host}/${repo}:${tag}`, { tls: 'skip', ...(creds === undefined ? {} : { creds }) });
    return tiny;
  }

  async function seedMulti(repo: string, tag: string): Promise<MultiPlatformLayout> {
    const dir = await mkdtemp(path.join(work, 'seed-multi-'));
    const layout = await writeMultiPlatformLayout(dir, tag);
    await copyFromLayout(dir, tag, `${http.host}/${repo}:${tag}`, { tls: 'skip', all: true });
    return layout;
  }

  describe('browse tags over 260 tags', () => {
    const repo = `it/${suffix()}/many`;
    const tags = Array.from({ length: 260 }, (_, i) => `t${String(i).padStart(3, '0')}`);

    beforeAll(async () => {
      const tiny = await seedTiny(http.host, repo, tags[0]!);
      await putTags(http.host, repo, tiny.manifest, tags.slice(1));
    }, 120_000);

    it('follows Link pagination to list every tag, in the order the registry pages them', async () => {
      const before = await logLineCount(http.logFile);
      const res = await runCli(['browse', 'tags', `${proxy.host}/${repo}`, '-o', 'json']);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      const listed = JSON.parse(res.stdout) as string[];
      const paged = await requestsSince(http.logFile, before, `/v2/${repo}/tags/list`);

      expect(listed).toHaveLength(260);
      expect(listed).toEqual(await listTags(`${proxy.host}/${repo}`, { tls: 'skip' }));
      expect([...listed].sort()).toEqual([...(await listTags(`${http.host}/${repo}`, { tls: 'skip' }))].sort());
      // 100 + 100 + 60: the second and third requests carry the `last` the Link header named.
      expect(paged).toHaveLength(3);
      expect(paged.filter((l) => l.includes('last=')).length).toBe(2);
      expect(paged.some((l) => l.includes('last=t099'))).toBe(true);
      expect(paged.some((l) => l.includes('last=t199'))).toBe(true);
    });

    it('lists all 260 from distribution itself, which answers in one page', async () => {
      const res = await runCli(['browse', 'tags', `${http.host}/${repo}`]);
      expect(res.code).toBe(0);
      expect(res.stdout.trim().split('\n').sort()).toEqual(tags);
    });

    it('--limit/--offset give the right slice and stop fetching pages once they have it', async () => {
      const full = await listTags(`${proxy.host}/${repo}`, { tls: 'skip' });

      const tail = await runCli(['browse', 'tags', `${proxy.host}/${repo}`, '--limit', '5', '--offset', '250', '-o', 'json']);
      expect(tail.code).toBe(0);
      expect(JSON.parse(tail.stdout)).toEqual(full.slice(250, 255));

      const seen = proxy.tagListRequests().length;
      const head = await runCli(['browse', 'tags', `${proxy.host}/${repo}`, '--limit', '5', '--offset', '10']);
      expect(head.code).toBe(0);
      expect(head.stdout).toBe(`${full.slice(10, 15).join('\n')}\n`);
      // One page of 100 holds tags 10–14; the full listing took three.
      expect(proxy.tagListRequests().length - seen).toBe(1);

      const filtered = await runCli(['browse', 'tags', `${proxy.host}/${repo}`, '--filter', 't25', '-o', 'json']);
      expect(JSON.parse(filtered.stdout)).toEqual(full.filter((t) => t.includes('t25')));
    });
  });

  it('browse repos lists the catalog across pages', async () => {
    const id = suffix();
    const first = `cat-${id}/r000`;
    const tiny = await seedTiny(http.host, first, 'v1');
    const repos = [first, ...Array.from({ length: 104 }, (_, i) => `cat-${id}/r${String(i + 1).padStart(3, '0')}`)];
    for (let i = 1; i < repos.length; i += 15) {
      await Promise.all(repos.slice(i, i + 15).map((r) => cloneRepository(http.host, first, r, tiny)));
    }
    // distribution's largest catalog page is 1000 entries, far more than this run creates.
    const directRes = await fetch(`http://${http.host}/v2/_catalog?n=1000`);
    expect(directRes.headers.get('link')).toBeNull();
    const direct = (await directRes.json()) as { repositories: string[] };
    expect(direct.repositories.length).toBeGreaterThan(100);

    const before = await logLineCount(http.logFile);
    const res = await runCli(['browse', 'repos', http.host, '-o', 'json']);
    expect(res.code).toBe(0);
    const listed = JSON.parse(res.stdout) as string[];
    for (const r of repos) expect(listed).toContain(r);
    for (const r of direct.repositories) expect(listed).toContain(r);
    expect(new Set(listed).size).toBe(listed.length);
    // More than 100 repositories: the catalog came in several pages, each after the `last` of the one before.
    const pages = await requestsSince(http.logFile, before, '/v2/_catalog');
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages.filter((l) => l.includes('last=')).length).toBe(pages.length - 1);

    const text = await runCli(['browse', 'repos', `oci://${http.host}`]);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')).toEqual(expect.arrayContaining(repos));
  });

  describe('browse manifest', () => {
    it('shows a multi-platform index: both platforms in the text, the index and its digest in json', async () => {
      const repo = `it/${suffix()}/multi`;
      const layout = await seedMulti(repo, 'v1');
      const raw = await inspectRaw(`${http.host}/${repo}:v1`, { tls: 'skip' });
      expect(sha256(raw)).toBe(layout.indexDigest);

      const text = await runCli(['browse', 'manifest', `${http.host}/${repo}:v1`]);
      expect(text.code).toBe(0);
      const out = text.stdout;
      expect(out).toMatch(/^kind\s+index$/m);
      expect(out).toMatch(new RegExp(`^digest\\s+${layout.indexDigest}$`, 'm'));
      for (const image of layout.images) {
        const platform = `${image.platform.os}/${image.platform.architecture}`;
        expect(out).toMatch(new RegExp(`^\\s+${platform}\\s+image\\s+.*${image.manifestDigest}$`, 'm'));
      }
      expect(out).toContain('org.opencontainers.image.description  multi-platform fixture');

      const json = await runCli(['browse', 'manifest', `oci://${http.host}/${repo}:v1`, '-o', 'json']);
      expect(json.code).toBe(0);
      const doc = JSON.parse(json.stdout) as Record<string, unknown> & { manifests: { digest: string; platform: object }[] };
      expect(doc).toMatchObject({ digest: sha256(raw), mediaType: INDEX_TYPE, size: raw.length, kind: 'index', schemaVersion: 2 });
      expect(doc.manifests.map((m) => m.platform)).toEqual([
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ]);
      expect(doc.manifests.map((m) => m.digest)).toEqual(layout.images.map((i) => i.manifestDigest));

      const yaml = await runCli(['browse', 'manifest', `${http.host}/${repo}:v1`, '-o', 'yaml']);
      expect(yaml.stdout).toContain(`digest: ${layout.indexDigest}`);

      // One platform's manifest by digest: an image with its config and layer.
      const arm = layout.images[1]!;
      const child = await runCli(['browse', 'manifest', `${http.host}/${repo}@${arm.manifestDigest}`]);
      expect(child.code).toBe(0);
      expect(child.stdout).toMatch(/^kind\s+image$/m);
      expect(child.stdout).toContain(arm.configDigest);
      expect(child.stdout).toContain('application/vnd.oci.image.layer.v1.tar');
      expect(child.stdout).toContain(arm.layerDigest.slice(0, 19));
    });

    it('tells a Helm chart pushed by lazyoci build, and shows an artifact with its artifactType', async () => {
      const build = await runCli(['build', 'examples/helm-chart', '--tag', 'v1.0.0', '-o', 'json'], {
        cwd: REPO_ROOT,
        env: { LAZYOCI_REGISTRY: http.host },
      });
      expect(build.code).toBe(0);
      const ref = `${http.host}/examples/charts/hello-chart:0.1.0`;
      const helm = await runCli(['browse', 'manifest', ref, '-o', 'json']);
      expect(helm.code).toBe(0);
      const helmDoc = JSON.parse(helm.stdout) as Record<string, unknown>;
      expect(helmDoc).toMatchObject({ kind: 'helm', mediaType: MANIFEST_TYPE, artifactType: 'application/vnd.cncf.helm.config.v1+json' });
      expect(helmDoc.digest).toBe(sha256(await inspectRaw(ref, { tls: 'skip' })));
      const helmText = await runCli(['browse', 'manifest', ref]);
      expect(helmText.stdout).toMatch(/^kind\s+helm$/m);
      expect(helmText.stdout).toContain('application/vnd.cncf.helm.chart.content.v1.tar+gzip');

      const repo = `it/${suffix()}/tiny`;
      const tiny = await seedTiny(http.host, repo, 'v1');
      const art = await runCli(['browse', 'manifest', `${http.host}/${repo}:v1`, '-o', 'json']);
      expect(art.code).toBe(0);
      expect(JSON.parse(art.stdout)).toMatchObject({
        kind: 'artifact',
        artifactType: TINY_ARTIFACT_TYPE,
        digest: tiny.manifestDigest,
        size: tiny.manifestSize,
        annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
      });
      const artText = await runCli(['browse', 'manifest', `${http.host}/${repo}:v1`]);
      expect(artText.stdout).toMatch(new RegExp(`^artifact type\\s+${TINY_ARTIFACT_TYPE.replace(/\./g, '\\.')}$`, 'm'));
      expect(artText.stdout).toMatch(/tiny\.txt\s+sha256:[0-9a-f]{12}$/m);
    });

    it('fails clearly for a tag that does not exist', async () => {
      const res = await runCli(['browse', 'manifest', `${http.host}/it/${suffix()}/none:v1`]);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/not found|MANIFEST_UNKNOWN|NAME_UNKNOWN/i);
    });
  });

  describe('pull', () => {
    const pullJson = (stdout: string): PullJson => JSON.parse(stdout) as PullJson;

    /** The layout's tags, from its index.json. */
    async function layoutTags(dest: string): Promise<Record<string, string>> {
      const index = JSON.parse(await readFile(path.join(dest, 'index.json'), 'utf8')) as {
        manifests: { digest: string; annotations?: Record<string, string> }[];
      };
      return Object.fromEntries(index.manifests.map((m) => [m.annotations?.['org.opencontainers.image.ref.name'] ?? '', m.digest]));
    }

    it('writes a layout byte-identical to what skopeo pushed, and a second pull downloads nothing', async () => {
      const repo = `it/${suffix()}/pull`;
      const tiny = await seedTiny(http.host, repo, 'v1');
      const ref = `${http.host}/${repo}:v1`;
      const raw = await inspectRaw(ref, { tls: 'skip' });
      const dest = path.join(work, `pull-${suffix()}`);

      const first = await runCli(['pull', `oci://${ref}`, '--dest', dest, '-o', 'json']);
      expect(first.stderr).toContain('pulled sha256:');
      expect(first.code).toBe(0);
      const result = pullJson(first.stdout);
      expect(result).toMatchObject({ reference: ref, digest: sha256(raw), mediaType: MANIFEST_TYPE, dest, tag: 'v1' });
      expect(result.copied).toBe(2);

      const blobs = await verifyLayoutBlobs(dest);
      expect([...blobs.keys()].sort()).toEqual([sha256(raw), tiny.layerDigest, sha256('{}')].sort());
      expect(await readFile(path.join(dest, 'blobs', 'sha256', sha256(raw).slice(7)))).toEqual(raw);
      expect(await inspectLayoutRaw(dest, 'v1')).toEqual(raw);
      expect(await layoutTags(dest)).toEqual({ v1: sha256(raw) });

      const before = await logLineCount(http.logFile);
      const again = await runCli(['pull', ref, '--dest', dest, '-o', 'json']);
      expect(again.code).toBe(0);
      expect(pullJson(again.stdout)).toMatchObject({ digest: sha256(raw), copied: 0 });
      expect(again.stderr).toContain('already has');
      expect(again.stderr).toContain('nothing downloaded');
      expect(await requestsSince(http.logFile, before, `/v2/${repo}/blobs/`)).toEqual([]);

      const text = await runCli(['pull', ref, '--dest', dest, '-q']);
      expect(text.stdout).toBe(`pulled ${ref} → ${dest} (${sha256(raw)})\n`);
      expect(text.stderr).toBe('');
    });

    it('reads a whole index once for the live view total, and the copy takes the manifests from there', async () => {
      const repo = `it/${suffix()}/multi-total`;
      const layout = await seedMulti(repo, 'v3');
      const dest = path.join(work, `total-${suffix()}`);
      const client = await RegistryClient.create({ env: {}, userAgent: 'lazyoci-test' });
      const totals: GraphTotal[] = [];
      const before = await logLineCount(http.logFile);
      try {
        const ref = parseReference(`${http.host}/${repo}:v3`);
        const result = await pullToLayout(client.repository(ref, 'pull'), { reference: ref, dest, onTotal: (t) => totals.push(t) });
        expect(result.digest).toBe(layout.indexDigest);
      } finally {
        await client.close();
      }
      // The total is everything the layout now holds: the index, and per platform its
      // manifest, config and layer.
      const held = await readdir(path.join(dest, 'blobs', 'sha256'));
      let bytes = 0;
      for (const name of held) bytes += (await stat(path.join(dest, 'blobs', 'sha256', name))).size;
      expect(held).toHaveLength(1 + 3 * layout.images.length);
      expect(totals).toEqual([{ bytes, blobs: 2 * layout.images.length }]);
      // One GET of the index (by its tag) and one of each platform's manifest, no more.
      const gets = (await requestsSince(http.logFile, before, `/v2/${repo}/manifests/`)).filter((l) => l.includes('"GET '));
      expect(gets).toHaveLength(1 + layout.images.length);
      for (const image of layout.images) expect(gets.filter((l) => l.includes(image.manifestDigest))).toHaveLength(1);
    });

    it('pulls a whole index, one platform with --platform, a digest, and refuses a platform the index lacks', async () => {
      const repo = `it/${suffix()}/multi-pull`;
      const layout = await seedMulti(repo, 'v2');
      const ref = `${http.host}/${repo}:v2`;

      const all = path.join(work, `all-${suffix()}`);
      const whole = await runCli(['pull', ref, '--dest', all, '-o', 'json']);
      expect(whole.code).toBe(0);
      expect(pullJson(whole.stdout)).toMatchObject({ digest: layout.indexDigest, mediaType: INDEX_TYPE });
      const blobs = await verifyLayoutBlobs(all);
      expect(blobs.size).toBe(1 + 3 * layout.images.length);
      expect(await inspectLayoutRaw(all, 'v2')).toEqual(await inspectRaw(ref, { tls: 'skip' }));
      for (const image of layout.images) {
        for (const d of [image.manifestDigest, image.configDigest, image.layerDigest]) expect(blobs.has(d)).toBe(true);
      }

      const arm = layout.images.find((i) => i.platform.architecture === 'arm64')!;
      const one = path.join(work, `arm-${suffix()}`);
      const picked = await runCli(['pull', ref, '--dest', one, '--platform', 'linux/arm64', '-o', 'json']);
      expect(picked.code).toBe(0);
      expect(pullJson(picked.stdout)).toMatchObject({ digest: arm.manifestDigest, mediaType: MANIFEST_TYPE, platform: 'linux/arm64' });
      expect([...(await verifyLayoutBlobs(one)).keys()].sort()).toEqual([arm.manifestDigest, arm.configDigest, arm.layerDigest].sort());
      expect(await layoutTags(one)).toEqual({ v2: arm.manifestDigest });
      expect(await inspectLayoutRaw(one, 'v2')).toEqual(await inspectRaw(`${http.host}/${repo}@${arm.manifestDigest}`, { tls: 'skip' }));

      const missing = path.join(work, `none-${suffix()}`);
      const bad = await runCli(['pull', ref, '--dest', missing, '--platform', 'linux/s390x']);
      expect([1, 2]).toContain(bad.code);
      expect(bad.stderr).toContain('linux/s390x');
      expect(bad.stderr).toContain('linux/amd64');
      expect(bad.stderr).toContain('linux/arm64');
      await expect(stat(missing)).rejects.toThrow();

      const malformed = await runCli(['pull', ref, '--platform', 'linux']);
      expect(malformed.code).toBe(2);

      // By digest: the layout names it by the digest's hex.
      const byDigest = path.join(work, `digest-${suffix()}`);
      const dig = await runCli(['pull', `${http.host}/${repo}@${layout.indexDigest}`, '--dest', byDigest, '-o', 'json']);
      expect(dig.code).toBe(0);
      const hex = layout.indexDigest.slice('sha256:'.length);
      expect(pullJson(dig.stdout)).toMatchObject({ digest: layout.indexDigest, tag: hex });
      expect(sha256(await inspectLayoutRaw(byDigest, hex))).toBe(layout.indexDigest);
    });

    it('pulls from a registry that needs credentials, and is refused without them', async () => {
      const repo = `it/${suffix()}/secret`;
      const creds = `${auth.username}:${auth.password}`;
      const tiny = await seedTiny(auth.host, repo, 'v1', creds);
      const ref = `${auth.host}/${repo}:v1`;
      const dest = path.join(work, `auth-${suffix()}`);

      const denied = await runCli(['pull', ref, '--dest', dest]);
      expect(denied.code).toBe(1);
      expect(denied.stderr).toMatch(/401|authentication/);

      const ok = await runCli(['pull', ref, '--dest', dest, '-o', 'json'], {
        env: { LAZYOCI_USERNAME: auth.username, LAZYOCI_PASSWORD: auth.password },
      });
      expect(ok.code).toBe(0);
      expect(pullJson(ok.stdout).digest).toBe(tiny.manifestDigest);
      expect((await verifyLayoutBlobs(dest)).has(tiny.layerDigest)).toBe(true);
      expect(await inspectLayoutRaw(dest, 'v1')).toEqual(await inspectRaw(ref, { tls: 'skip', creds }));
      expect(ok.stdout + ok.stderr + denied.stdout + denied.stderr).not.toContain(auth.password!);
    });

    it('defaults the destination to the artifact dir: XDG_DATA_HOME, or artifactDir from config.yaml', async () => {
      const repo = `it/${suffix()}/default-dest`;
      const tiny = await seedTiny(http.host, repo, 'latest');
      const registryDir = http.host.replace(':', '_');

      const data = await mkdtemp(path.join(work, 'xdg-data-'));
      const res = await runCli(['pull', `${http.host}/${repo}`, '-o', 'json'], { env: { XDG_DATA_HOME: data } });
      expect(res.code).toBe(0);
      const expected = path.join(data, 'lazyoci', 'artifacts', registryDir, ...repo.split('/'));
      expect(pullJson(res.stdout)).toMatchObject({ dest: expected, tag: 'latest', digest: tiny.manifestDigest });
      expect(await readdir(path.join(data, 'lazyoci', 'artifacts'))).toEqual([registryDir]);
      expect(sha256(await inspectLayoutRaw(expected, 'latest'))).toBe(tiny.manifestDigest);

      const config = await mkdtemp(path.join(work, 'xdg-config-'));
      const artifacts = path.join(work, `artifacts-${suffix()}`);
      await mkdir(path.join(config, 'lazyoci'));
      await writeFile(path.join(config, 'lazyoci', 'config.yaml'), `artifactDir: ${JSON.stringify(artifacts)}\nregistries: []\n`);
      const configured = await runCli(['pull', `${http.host}/${repo}:latest`, '-o', 'json'], {
        env: { XDG_CONFIG_HOME: config, XDG_DATA_HOME: data },
      });
      expect(configured.code).toBe(0);
      const dest = path.join(artifacts, registryDir, ...repo.split('/'));
      expect(pullJson(configured.stdout).dest).toBe(dest);
      expect((await verifyLayoutBlobs(dest)).has(tiny.layerDigest)).toBe(true);
    });
  });
});
