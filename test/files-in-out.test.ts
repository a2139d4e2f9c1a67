// End to end through the built CLI against the real registry: `push FILE[:MEDIATYPE]… REF`
// (any files as one artifact) and `pull REF --format files` (a chart as <name>-<version>.tgz,
// titled layers by title), with skopeo reading the pushed manifests back.
import { createHash, randomBytes } from 'node:crypto';
import { cp, lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT, runCli, type CliResult } from './support/cli.js';
import { startFaultProxy } from './support/fault-proxy.js';
import { writeMultiPlatformLayout } from './support/multi-platform-fixture.js';
import { copyFromLayout, inspectRaw } from './support/skopeo.js';
import { writeTar } from './support/tar-fixture.js';

const http = inject('registries').http;
const PLAIN = { tls: 'skip' } as const;
const TITLE = 'org.opencontainers.image.title';

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const suffix = (): string => Math.random().toString(36).slice(2, 8);

interface Manifest {
  mediaType: string;
  artifactType?: string;
  config: { mediaType: string; digest: string; size: number };
  layers: { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }[];
  annotations?: Record<string, string>;
}

function ok(r: CliResult): unknown {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as unknown;
}

/** One `error:` line, the exit code given, nothing on stdout. */
function expectRefused(r: CliResult, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
}

/** A hand-written layout holding one artifact with the given layers (titles as given, even hostile). */
async function writeArtifactLayout(dir: string, tag: string, layers: { title?: string; data: Buffer }[]): Promise<void> {
  const blobs = path.join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const put = async (data: Buffer): Promise<string> => {
    const digest = sha256(data);
    await writeFile(path.join(blobs, digest.slice(7)), data);
    return digest;
  };
  const config = Buffer.from('{}');
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.lazyoci.test.hostile',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: await put(config), size: 2 },
      layers: await Promise.all(
        layers.map(async (l) => ({
          mediaType: 'application/octet-stream',
          digest: await put(l.data),
          size: l.data.length,
          ...(l.title === undefined ? {} : { annotations: { [TITLE]: l.title } }),
        })),
      ),
    }),
  );
  const digest = await put(manifest);
  await writeFile(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
}

describe('push FILE… / pull --format files', () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-files-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('round-trips a Sherpack-style .tar.gz byte for byte, as one titled layer skopeo reads back', async () => {
    const pack = path.join(work, 'demo-1.2.0.tar.gz');
    const bytes = await writeTar(pack, [{ name: 'Pack.yaml', data: 'name: demo\n' }, { name: 'values.yaml', data: 'a: 1\n' }], { gzip: true });
    const ref = `${http.host}/files/pack-${suffix()}:1.2.0`;

    const pushed = ok(await runCli(['push', pack, `oci://${ref}`, '-o', 'json', '-q'])) as Record<string, unknown>;
    expect(Object.keys(pushed)).toEqual(['reference', 'digest', 'mediaType', 'artifactType', 'layers']);
    expect(pushed).toMatchObject({
      reference: ref,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.unknown.artifact.v1',
      layers: [{ title: 'demo-1.2.0.tar.gz', digest: sha256(bytes), size: bytes.length, mediaType: 'application/octet-stream' }],
    });

    const raw = await inspectRaw(ref, PLAIN);
    expect(sha256(raw)).toBe(pushed.digest);
    const manifest = JSON.parse(raw.toString('utf8')) as Manifest;
    expect(manifest.artifactType).toBe('application/vnd.unknown.artifact.v1');
    expect(manifest.config.mediaType).toBe('application/vnd.oci.empty.v1+json');
    expect(manifest.layers).toEqual([
      { mediaType: 'application/octet-stream', digest: sha256(bytes), size: bytes.length, annotations: { [TITLE]: 'demo-1.2.0.tar.gz' } },
    ]);

    const out = path.join(work, 'pack-out');
    const pulled = ok(await runCli(['pull', ref, '--format', 'files', '--dest', out, '-o', 'json', '-q'])) as Record<string, unknown>;
    expect(pulled).toEqual({
      reference: ref,
      digest: pushed.digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.unknown.artifact.v1',
      dest: out,
      format: 'files',
      files: [{ path: 'demo-1.2.0.tar.gz', digest: sha256(bytes), size: bytes.length, mediaType: 'application/octet-stream' }],
      skipped: [],
    });
    expect(await readdir(out)).toEqual(['demo-1.2.0.tar.gz']);
    expect((await readFile(path.join(out, 'demo-1.2.0.tar.gz'))).equals(bytes)).toBe(true);
  });

  it('pushes a single file that is no archive (a gzip of JSON, random bytes, a plain tar) as a files artifact', async () => {
    const { gzipSync } = await import('node:zlib');
    const inputs: [string, Buffer][] = [
      ['report.json.gz', gzipSync(Buffer.from(JSON.stringify({ big: 'x'.repeat(2000) })))],
      ['junk.bin', randomBytes(8192)],
      ['plain.tar', await writeTar(path.join(work, 'plain-src.tar'), [{ name: 'hello.txt', data: 'hi' }])],
    ];
    for (const [name, data] of inputs) {
      const file = path.join(work, name);
      await writeFile(file, data);
      const ref = `${http.host}/files/single-${suffix()}:v1`;
      const pushed = ok(await runCli(['push', file, ref, '-o', 'json', '-q'])) as { layers: { title: string; digest: string }[] };
      expect(pushed.layers).toEqual([expect.objectContaining({ title: name, digest: sha256(data) })]);
      const out = path.join(work, `single-out-${name}`);
      ok(await runCli(['pull', ref, '--format', 'files', '--dest', out, '-o', 'json', '-q']));
      expect((await readFile(path.join(out, name))).equals(data)).toBe(true);
    }
  });

  it('pushes several files with media types, an artifact type and annotations, and pulls them into the current directory', async () => {
    const dir = path.join(work, 'several');
    await mkdir(path.join(dir, 'sub'), { recursive: true });
    const sbom = Buffer.from('{"spdxVersion":"SPDX-2.3"}\n');
    const bin = randomBytes(70_000);
    // A colon in the path that is not followed by a media type stays part of the name.
    await writeFile(path.join(dir, 'sbom.spdx.json'), sbom);
    await writeFile(path.join(dir, 'sub', 'tool:v2'), bin);
    const ref = `${http.host}/files/several-${suffix()}:v1`;
    const pushed = ok(
      await runCli(
        ['push', 'sbom.spdx.json:application/spdx+json', 'sub/tool:v2', ref, '--artifact-type', 'application/vnd.example.bundle.v1', '--annotation', 'org.opencontainers.image.source=https://example.invalid/x', '-o', 'json', '-q'],
        { cwd: dir },
      ),
    ) as { digest: string };
    const manifest = JSON.parse((await inspectRaw(ref, PLAIN)).toString('utf8')) as Manifest;
    expect(sha256(await inspectRaw(ref, PLAIN))).toBe(pushed.digest);
    expect(manifest.artifactType).toBe('application/vnd.example.bundle.v1');
    expect(manifest.annotations).toEqual({ 'org.opencontainers.image.source': 'https://example.invalid/x' });
    expect(manifest.layers.map((l) => [l.annotations?.[TITLE], l.mediaType, l.digest])).toEqual([
      ['sbom.spdx.json', 'application/spdx+json', sha256(sbom)],
      ['tool:v2', 'application/octet-stream', sha256(bin)],
    ]);

    const cwd = path.join(work, 'several-out');
    await mkdir(cwd);
    const text = await runCli(['pull', ref, '--format', 'files'], { cwd });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(path.join(cwd, 'tool:v2'));
    expect((await readdir(cwd)).sort()).toEqual(['sbom.spdx.json', 'tool:v2']);
    expect((await readFile(path.join(cwd, 'tool:v2'))).equals(bin)).toBe(true);
    expect((await readFile(path.join(cwd, 'sbom.spdx.json'))).equals(sbom)).toBe(true);
  });

  it('pulls a chart pushed by build as <name>-<version>.tgz equal to the chart layer', async () => {
    const project = path.join(work, 'chart-project');
    await cp(path.join(REPO_ROOT, 'examples', 'helm-chart', 'chart'), path.join(project, 'chart'), { recursive: true });
    const repo = `${http.host}/files/chart-${suffix()}`;
    await writeFile(path.join(project, '.lazy'), `version: 1\nartifacts:\n  - type: helm\n    chartPath: chart\n    targets: [{ registry: "${repo}", tags: ["{{ .ChartVersion }}"] }]\n`);
    ok(await runCli(['build', '-o', 'json', '-q'], { cwd: project }));
    const chartYaml = await readFile(path.join(project, 'chart', 'Chart.yaml'), 'utf8');
    const name = /^name:\s*(\S+)/m.exec(chartYaml)![1]!;
    const version = /^version:\s*(\S+)/m.exec(chartYaml)![1]!;
    const ref = `${repo}:${version}`;
    const manifest = JSON.parse((await inspectRaw(ref, PLAIN)).toString('utf8')) as Manifest;
    const layer = manifest.layers.find((l) => l.mediaType === 'application/vnd.cncf.helm.chart.content.v1.tar+gzip')!;

    const out = path.join(work, 'chart-out');
    const pulled = ok(await runCli(['pull', ref, '--format', 'files', '--dest', out, '-o', 'json', '-q'])) as { files: { path: string }[] };
    const file = `${name}-${version}.tgz`;
    expect(pulled.files.map((f) => f.path)).toEqual([file]);
    expect(await readdir(out)).toEqual([file]);
    const tgz = await readFile(path.join(out, file));
    expect(sha256(tgz)).toBe(layer.digest);
    expect(tgz.length).toBe(layer.size);

    // A chart .tgz pushed alone keeps today's path: a Helm manifest, not a files artifact.
    const again = path.join(work, 'chart-again');
    const repushed = ok(await runCli(['push', path.join(out, file), `${http.host}/files/chart-again-${suffix()}`, '-o', 'json', '-q'])) as Record<string, unknown>;
    expect(Object.keys(repushed)).toEqual(['reference', 'digest', 'mediaType']);
    expect(String(repushed.reference)).toMatch(new RegExp(`:${version.replaceAll('.', '\\.')}$`));
    const back = ok(await runCli(['pull', String(repushed.reference), '--format', 'files', '--dest', again, '-o', 'json', '-q'])) as { files: { digest: string }[] };
    expect(back.files[0]!.digest).toBe(layer.digest);
  });

  it('refuses hostile titles and symbolic links in the destination with exit 1, writing nothing outside', async () => {
    const outside = path.join(work, 'outside');
    await mkdir(outside);
    const cases: [string, { title?: string; data: Buffer }[], RegExp][] = [
      ['dotdot', [{ title: 'ok.txt', data: Buffer.from('fine') }, { title: '../x', data: Buffer.from('escape') }], /refusing layer title "\.\.\/x".*\.\./],
      ['absolute', [{ title: path.join(outside, 'x'), data: Buffer.from('escape') }], /refusing layer title .* absolute path/],
      ['etc', [{ title: '/etc/x', data: Buffer.from('escape') }], /refusing layer title "\/etc\/x"/],
      ['nested', [{ title: 'a/../../x', data: Buffer.from('escape') }], /refusing layer title/],
    ];
    for (const [name, layers, pattern] of cases) {
      const layout = path.join(work, `hostile-${name}`);
      await writeArtifactLayout(layout, 'v1', layers);
      const ref = `${http.host}/files/hostile-${name}-${suffix()}:v1`;
      await copyFromLayout(layout, 'v1', ref, PLAIN);
      const dest = path.join(work, `hostile-${name}-dest`, 'inner');
      expectRefused(await runCli(['pull', ref, '--format', 'files', '--dest', dest]), 1, pattern);
      // Nothing written, not even the harmless file beside the hostile one.
      await expect(readdir(dest)).rejects.toThrow(/ENOENT/);
    }

    // A link planted in dest, pointing out: neither a directory link nor a file link is written through.
    const dest = path.join(work, 'linked-dest');
    await mkdir(dest);
    await symlink(outside, path.join(dest, 'sub'));
    await symlink(path.join(outside, 'f.txt'), path.join(dest, 'f.txt'));
    for (const [title, pattern] of [['sub/x.txt', /sub is a symbolic link; refusing to write sub\/x\.txt through it/], ['f.txt', /f\.txt is a symbolic link/]] as const) {
      const layout = path.join(work, `link-${title.replace('/', '_')}`);
      await writeArtifactLayout(layout, 'v1', [{ title, data: Buffer.from('through the link') }]);
      const ref = `${http.host}/files/link-${suffix()}:v1`;
      await copyFromLayout(layout, 'v1', ref, PLAIN);
      expectRefused(await runCli(['pull', ref, '--format', 'files', '--dest', dest]), 1, pattern);
    }
    expect(await readdir(outside)).toEqual([]);
    expect((await readdir(dest)).sort()).toEqual(['f.txt', 'sub']);
    expect((await lstat(path.join(dest, 'f.txt'))).isSymbolicLink()).toBe(true);
  });

  it('verifies each blob while writing: a tampered layer fails with exit 1 and leaves no file, not even the good one', async () => {
    const dir = path.join(work, 'tamper');
    await mkdir(dir);
    const good = randomBytes(5000);
    const bad = randomBytes(5000);
    await writeFile(path.join(dir, 'a-good.bin'), good);
    await writeFile(path.join(dir, 'b-bad.bin'), bad);
    const repo = `files/tamper-${suffix()}`;
    ok(await runCli(['push', 'a-good.bin', 'b-bad.bin', `${http.host}/${repo}:v1`, '-o', 'json', '-q'], { cwd: dir }));
    const proxy = await startFaultProxy(http.url);
    try {
      const badDigest = sha256(bad);
      // Same length, other bytes: only a digest check tells.
      proxy.setRule((req) => (req.method === 'GET' && req.path.endsWith(`/blobs/${badDigest}`) ? { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: randomBytes(5000) } : undefined));
      const dest = path.join(work, 'tamper-out');
      const r = await runCli(['pull', `${proxy.host}/${repo}:v1`, '--format', 'files', '--dest', dest]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(/^error: .*(does not match|digest)/);
      expect(proxy.faults().reply).toBeGreaterThan(0);
      expect(await readdir(dest)).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });

  it('skips untitled layers with a note, and refuses an image that has no titled layer', async () => {
    const layout = path.join(work, 'untitled');
    const titled = Buffer.from('named');
    await writeArtifactLayout(layout, 'v1', [{ title: 'named.txt', data: titled }, { data: Buffer.from('anonymous') }]);
    const ref = `${http.host}/files/untitled-${suffix()}:v1`;
    await copyFromLayout(layout, 'v1', ref, PLAIN);
    const dest = path.join(work, 'untitled-out');
    const r = await runCli(['pull', ref, '--format', 'files', '--dest', dest, '-o', 'json']);
    const out = ok(r) as { files: unknown[]; skipped: { digest: string }[] };
    expect(out.files).toHaveLength(1);
    expect(out.skipped).toEqual([{ digest: sha256(Buffer.from('anonymous')), size: 9, mediaType: 'application/octet-stream' }]);
    expect(r.stderr).toMatch(/^note: skipped layer sha256:[0-9a-f]{64} \(application\/octet-stream, 9 bytes\): it has no org\.opencontainers\.image\.title/m);
    expect(await readdir(dest)).toEqual(['named.txt']);

    const none = path.join(work, 'untitled-only');
    await writeArtifactLayout(none, 'v1', [{ data: Buffer.from('anonymous only') }]);
    const noneRef = `${http.host}/files/untitled-only-${suffix()}:v1`;
    await copyFromLayout(none, 'v1', noneRef, PLAIN);
    const noneDest = path.join(work, 'untitled-only-out');
    expectRefused(await runCli(['pull', noneRef, '--format', 'files', '--dest', noneDest]), 1, /no layer has a file name .* --format layout/);
    await expect(readdir(noneDest)).rejects.toThrow(/ENOENT/);
  });

  it('asks for --platform on an index, and refuses an image whose layers have no titles', async () => {
    const layout = path.join(work, 'multi');
    await writeMultiPlatformLayout(layout, 'all');
    const ref = `${http.host}/files/multi-${suffix()}:all`;
    ok(await runCli(['push', layout, ref, '-o', 'json', '-q']));
    const dest = path.join(work, 'multi-out');
    expectRefused(await runCli(['pull', ref, '--format', 'files', '--dest', dest]), 2, /is an index of \d+ manifests; --format files writes one: add --platform \(linux\//);
    // One platform's image: tar layers carry no titles, so there is nothing to name a file by.
    expectRefused(await runCli(['pull', ref, '--format', 'files', '--dest', dest, '--platform', 'linux/amd64']), 1, /no layer has a file name/);
    await expect(readdir(dest)).rejects.toThrow(/ENOENT/);
  });

  it('checks push arguments before anything is sent', async () => {
    const a = path.join(work, 'args');
    await mkdir(path.join(a, 'x'), { recursive: true });
    await writeFile(path.join(a, 'same.txt'), 'one');
    await writeFile(path.join(a, 'x', 'same.txt'), 'two');
    const repo = `${http.host}/files/args`;
    expectRefused(await runCli(['push', 'same.txt', 'x/same.txt', `${repo}:v1`], { cwd: a }), 2, /both be titled "same\.txt"/);
    expectRefused(await runCli(['push', 'same.txt', repo], { cwd: a }), 2, /has no tag/);
    expectRefused(await runCli(['push', 'missing.bin:application/x-foo', `${repo}:v1`], { cwd: a }), 2, /missing\.bin: no such file or directory/);
    expectRefused(await runCli(['push', 'same.txt', `${repo}:v1`, '--artifact-type', 'not a type'], { cwd: a }), 2, /--artifact-type "not a type"/);
    expectRefused(await runCli(['push', `${repo}:v1`]), 2, /at least one FILE and a REFERENCE/);
    expectRefused(await runCli(['push', 'same.txt', `${repo}:v1`, '--ref-name', 'x'], { cwd: a }), 2, /--ref-name picks an image/);
    const chart = path.join(a, 'c-1.0.0.tgz');
    await writeTar(chart, [{ name: 'c/Chart.yaml', data: 'apiVersion: v2\nname: c\nversion: 1.0.0\n' }], { gzip: true });
    expectRefused(await runCli(['push', chart, `${repo}:v1`, '--annotation', 'k=v']), 2, /--annotation sets a files artifact's annotations; .* is a helm-chart/);
    expectRefused(await runCli(['pull', `${repo}:v1`, '--format', 'zip']), 2, /--format "zip": expected layout or files/);
  });
});
