// End to end through the built CLI: `lazyoci push FILE oci://REF` for a docker archive, a
// Helm chart .tgz and OCI layouts (directory and tar), with skopeo reading everything back.
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT, runCli, type CliResult } from './support/cli.js';
import { writeImageLayout } from './support/image-layout-fixture.js';
import { writeMultiPlatformLayout } from './support/multi-platform-fixture.js';
import { writeTinyLayout } from './support/oci-layout-fixture.js';
import { copyToLayout, inspectRaw, inspectRawTransport, listTags, skopeoCopy, verifyLayoutBlobs } from './support/skopeo.js';
import { tarMember, writeTar, type FixtureEntry } from './support/tar-fixture.js';
import { createTarGzip } from '../src/content/tar-gzip.js';

const registries = inject('registries');
const http = registries.http;
/** skopeo needs telling that the registry speaks plain HTTP. */
const PLAIN = { tls: 'skip' } as const;

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const suffix = (): string => Math.random().toString(36).slice(2, 8);

interface PushJson {
  reference: string;
  digest: string;
  mediaType: string;
}

interface ManifestDoc {
  mediaType: string;
  config: { mediaType: string; digest: string; size: number };
  layers: { mediaType: string; digest: string; size: number }[];
  annotations?: Record<string, string>;
}

function pushJson(r: CliResult): PushJson {
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout) as PushJson;
  expect(Object.keys(out)).toEqual(['reference', 'digest', 'mediaType']);
  return out;
}

/** A usage failure: exit 2, one `error:` line on stderr, nothing on stdout. */
function expectUsageFailure(r: CliResult, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

describe('lazyoci push FILE oci://REF', () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-push-file-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('pushes a docker-archive tar made by skopeo as an OCI image skopeo reads back', async () => {
    const layout = path.join(work, 'image-layout');
    const image = await writeImageLayout(layout, 'v1');
    const archive = path.join(work, 'app-docker.tar');
    await skopeoCopy(`oci:${layout}:v1`, `docker-archive:${archive}:example/app:v1`);

    const repo = `${http.host}/push-file/docker-${suffix()}`;
    const out = pushJson(await runCli(['push', archive, `oci://${repo}:v1`, '-o', 'json']));
    expect(out.reference).toBe(`${repo}:v1`);
    expect(out.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');

    const raw = await inspectRaw(`${repo}:v1`, PLAIN);
    expect(sha256(raw)).toBe(out.digest);
    const manifest = JSON.parse(raw.toString('utf8')) as ManifestDoc;
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.config.mediaType).toBe('application/vnd.oci.image.config.v1+json');
    // skopeo writes uncompressed layers; their digests are the config's diff_ids.
    expect(manifest.layers.map((l) => l.mediaType)).toEqual(['application/vnd.oci.image.layer.v1.tar', 'application/vnd.oci.image.layer.v1.tar']);
    expect(manifest.layers.map((l) => l.digest)).toEqual(image.diffIds);

    const pulled = path.join(work, 'docker-pulled');
    await copyToLayout(`${repo}:v1`, pulled, 'v1', { ...PLAIN, preserveDigests: true });
    const blobs = await verifyLayoutBlobs(pulled);
    for (const d of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) expect(blobs.has(d)).toBe(true);

    // The config went through byte for byte: equal to the archive's own config file.
    const tarBytes = await readFile(archive);
    const archiveManifest = JSON.parse((await tarMember(tarBytes, 'manifest.json'))!.toString('utf8')) as [{ Config: string }];
    const archiveConfig = (await tarMember(tarBytes, archiveManifest[0].Config))!;
    const pulledConfig = await readFile(path.join(pulled, 'blobs', 'sha256', manifest.config.digest.slice(7)));
    expect(pulledConfig.equals(archiveConfig)).toBe(true);

    // Pushed again under another tag in text mode: nothing uploaded, one result line.
    const again = await runCli(['push', archive, `${repo}:again`]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`pushed ${archive} → ${repo}:again (${out.digest})\n`);
    expect(again.stderr).not.toMatch(/^uploaded /m);
    expect((await listTags(repo, PLAIN)).sort()).toEqual(['again', 'v1']);
  });

  it('pushes a Helm chart .tgz under its version, and the pulled layer holds the same Chart.yaml', async () => {
    const chartDir = path.join(REPO_ROOT, 'examples', 'helm-chart', 'chart');
    const files = ['Chart.yaml', 'values.yaml', 'templates/configmap.yaml', 'templates/NOTES.txt'];
    const tgz = await createTarGzip(
      await Promise.all(files.map(async (f) => ({ name: `hello-chart/${f}`, data: await readFile(path.join(chartDir, f)) }))),
    );
    const chartFile = path.join(work, 'hello-chart-0.1.0.tgz');
    await writeFile(chartFile, tgz);

    const repo = `${http.host}/push-file/chart-${suffix()}`;
    const r = await runCli(['push', chartFile, `oci://${repo}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^pushed ${chartFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} → ${repo}:0\\.1\\.0 \\(sha256:[a-f0-9]{64}\\)\\n$`));
    expect(await listTags(repo, PLAIN)).toEqual(['0.1.0']);

    const raw = await inspectRaw(`${repo}:0.1.0`, PLAIN);
    const manifest = JSON.parse(raw.toString('utf8')) as ManifestDoc;
    expect(manifest.config.mediaType).toBe('application/vnd.cncf.helm.config.v1+json');
    expect(manifest.layers).toEqual([{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: sha256(tgz), size: tgz.length }]);
    expect(manifest.annotations?.['org.opencontainers.image.version']).toBe('0.1.0');
    expect(manifest.annotations?.['org.opencontainers.image.title']).toBe('hello-chart');

    const pulled = path.join(work, 'chart-pulled');
    await copyToLayout(`${repo}:0.1.0`, pulled, 'chart', { ...PLAIN, preserveDigests: true });
    await verifyLayoutBlobs(pulled);
    const layer = await readFile(path.join(pulled, 'blobs', 'sha256', manifest.layers[0]!.digest.slice(7)));
    const chartYaml = await tarMember(layer, 'hello-chart/Chart.yaml');
    expect(chartYaml?.equals(await readFile(path.join(chartDir, 'Chart.yaml')))).toBe(true);
    const config = JSON.parse(
      (await readFile(path.join(pulled, 'blobs', 'sha256', manifest.config.digest.slice(7)))).toString('utf8'),
    ) as Record<string, unknown>;
    expect(config).toMatchObject({ name: 'hello-chart', version: '0.1.0', apiVersion: 'v2' });
  });

  it('pushes an OCI layout directory and an OCI layout tar with their digests intact', async () => {
    const dir = path.join(work, 'tiny-layout');
    const tiny = await writeTinyLayout(dir, 'v1');
    const repo = `${http.host}/push-file/layout-${suffix()}`;
    const fromDir = pushJson(await runCli(['push', dir, `${repo}:dir`, '-o', 'json']));
    expect(fromDir.digest).toBe(tiny.manifestDigest);
    expect((await inspectRaw(`${repo}:dir`, PLAIN)).equals(tiny.manifest)).toBe(true);

    const imageDir = path.join(work, 'layout-for-archive');
    await writeImageLayout(imageDir, 'v1');
    const archive = path.join(work, 'image-oci.tar');
    await skopeoCopy(`oci:${imageDir}:v1`, `oci-archive:${archive}`);
    const fromTar = pushJson(await runCli(['push', archive, `oci://${repo}:tar`, '-o', 'json', '-q']));
    const expected = await inspectRawTransport(`oci-archive:${archive}`);
    expect(fromTar.digest).toBe(sha256(expected));
    expect((await inspectRaw(`${repo}:tar`, PLAIN)).equals(expected)).toBe(true);
    const pulled = path.join(work, 'layout-pulled');
    await copyToLayout(`${repo}:tar`, pulled, 'tar', { ...PLAIN, preserveDigests: true });
    expect((await verifyLayoutBlobs(pulled)).size).toBe(4);

    // A layout whose root is a multi-platform index goes over whole.
    const multiDir = path.join(work, 'multi-layout');
    const multi = await writeMultiPlatformLayout(multiDir, 'all');
    const fromIndex = pushJson(await runCli(['push', multiDir, `${repo}:multi`, '-o', 'json']));
    expect(fromIndex).toMatchObject({ digest: multi.indexDigest, mediaType: 'application/vnd.oci.image.index.v1+json' });
    expect((await inspectRaw(`${repo}:multi`, PLAIN)).equals(multi.index)).toBe(true);
    const multiPulled = path.join(work, 'multi-pulled');
    await copyToLayout(`${repo}:multi`, multiPulled, 'all', { ...PLAIN, preserveDigests: true, all: true });
    const multiBlobs = await verifyLayoutBlobs(multiPulled);
    for (const img of multi.images) expect(multiBlobs.has(img.layerDigest)).toBe(true);
  });

  it('needs --ref-name for a layout with two names, listing both', async () => {
    const dir = path.join(work, 'two-names');
    await writeTinyLayout(dir, 'first');
    const second = await writeTinyLayout(dir, 'second');
    const repo = `${http.host}/push-file/named-${suffix()}`;
    const r = await runCli(['push', dir, `${repo}:x`]);
    expectUsageFailure(r, /holds 2 manifests \(first, second\); choose one with --ref-name/);
    expect(await listTags(repo, PLAIN).catch(() => [])).toEqual([]);

    const picked = pushJson(await runCli(['push', dir, `${repo}:x`, '--ref-name', 'second', '-o', 'json']));
    expect(picked.digest).toBe(second.manifestDigest);
    expectUsageFailure(await runCli(['push', dir, `${repo}:x`, '--ref-name', 'third']), /no manifest named "third"; names in it: first, second/);
  });

  it('refuses unsafe tar entries without writing outside its temp dir', async () => {
    const dir = path.join(work, 'unsafe');
    const tiny = path.join(work, 'unsafe-src');
    await writeTinyLayout(tiny, 'v1');
    const base: FixtureEntry[] = [
      { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'index.json', data: await readFile(path.join(tiny, 'index.json')) },
    ];
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir);
    const marker = `escape-${randomBytes(4).toString('hex')}`;
    const cases: [string, FixtureEntry[]][] = [
      ['dotdot.tar', [...base, { name: `../${marker}`, data: 'x' }]],
      ['absolute.tar', [...base, { name: path.join(work, marker), data: 'x' }]],
      ['symlink.tar', [...base, { name: 'blobs', type: 'symlink', linkname: '../..' }, { name: `blobs/${marker}`, data: 'x' }]],
    ];
    for (const [name, entries] of cases) {
      const file = path.join(dir, name);
      await writeTar(file, entries);
      const r = await runCli(['push', file, `${http.host}/push-file/unsafe:v1`]);
      expectUsageFailure(r, /refusing unsafe tar entry/);
    }
    expect(await exists(path.join(work, marker))).toBe(false);
    expect((await readdir(work)).filter((n) => n.includes(marker))).toEqual([]);
  });

  it('rejects bad input with exit 2 and one line, and a registry failure with exit 1', async () => {
    const repo = `${http.host}/push-file/bad`;
    expectUsageFailure(await runCli(['push', path.join(work, 'missing.tgz'), `${repo}:v1`]), /missing\.tgz: no such file or directory/);

    // A file that is none of the archives push reads goes as a files artifact (test/files-in-out.test.ts);
    // a tar that looks like a chart but is not gzip-compressed is still refused.
    const plainChart = path.join(work, 'plain-chart.tar');
    await writeTar(plainChart, [{ name: 'c/Chart.yaml', data: 'name: c\nversion: 1.0.0\n' }]);
    expectUsageFailure(await runCli(['push', plainChart, `${repo}:v1`]), /looks like a Helm chart but is not gzip-compressed/);

    const dir = path.join(work, 'tag-less');
    await writeTinyLayout(dir, 'v1');
    expectUsageFailure(await runCli(['push', dir, repo]), /has no tag/);
    expectUsageFailure(await runCli(['push', dir, `${repo}@sha256:${'a'.repeat(64)}`]), /not a digest/);

    // The auth registry refuses anonymous pushes: a registry failure, not a usage error.
    const denied = await runCli(['push', dir, `${registries.auth.host}/push-file/denied:v1`]);
    expect(denied.code, denied.stderr).toBe(1);
  });
});
