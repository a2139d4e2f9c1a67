// `lazyoci mirror` end to end on the real test bed: a Helm chart repository served by
// `python3 -m http.server` on 127.0.0.1 (a real index.yaml and .tgz files), images and an
// OCI chart in the plain-HTTP registry, a local chart directory, mirrored into the HTTPS
// registry; read back with skopeo. helm is not installed here, so `helm template` is not
// exercised (src/ops/mirror/helm-template.test.ts runs it where LAZYOCI_TEST_HELM is set).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { packageHelmChart } from '../src/content/helm-chart.js';
import { explain, json, runCli } from './support/cli.js';
import { writeImageLayout } from './support/image-layout-fixture.js';
import { writeMultiPlatformLayout } from './support/multi-platform-fixture.js';
import { freePort } from './support/registry.js';
import { copyFromLayout, inspectRaw, listTags } from './support/skopeo.js';

const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

interface Item {
  source: string;
  target: string;
  digest?: string;
  status: string;
  error?: string;
  foundIn?: string[];
  platforms?: string[];
  key?: string;
  version?: string;
}
interface Result {
  dryRun: boolean;
  charts: Item[];
  images: Item[];
  summary: { charts: Record<string, number>; images: Record<string, number> };
  lockFile?: string;
}

async function logLines(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8')).split('\n');
}

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', () => resolve(0));
  });
}

/**
 * A Node preload for the CLI that counts the read streams opened on `file` and the bytes
 * they read: whole-file streams (a scan) apart from byte-range ones (one entry read in place).
 */
async function countTarReads(file: string): Promise<{ nodeOptions: string; result: () => Promise<{ wholeFileReads: number; wholeFileBytes: number; rangeReads: number; rangeBytes: number }> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-count-'));
  const out = path.join(dir, 'reads.json');
  const hook = path.join(dir, 'count-reads.mjs');
  await writeFile(
    hook,
    `import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const counts = { wholeFileReads: 0, wholeFileBytes: 0, rangeReads: 0, rangeBytes: 0 };
const original = fs.createReadStream;
fs.createReadStream = function (p, opts) {
  const stream = original.call(this, p, opts);
  if (String(p) === ${JSON.stringify(file)}) {
    const range = typeof opts === 'object' && opts !== null && opts.start !== undefined;
    if (range) counts.rangeReads++; else counts.wholeFileReads++;
    stream.on('close', () => { if (range) counts.rangeBytes += stream.bytesRead; else counts.wholeFileBytes += stream.bytesRead; });
  }
  return stream;
};
syncBuiltinESMExports();
process.on('exit', () => fs.writeFileSync(${JSON.stringify(out)}, JSON.stringify(counts)));
`,
  );
  return {
    nodeOptions: `--import=${hook}`,
    result: async () => {
      const counted = JSON.parse(await readFile(out, 'utf8'));
      await rm(dir, { recursive: true, force: true });
      return counted;
    },
  };
}

describe('lazyoci mirror (chart repository, OCI chart, local chart, image sets)', () => {
  const { http: src, https: dst } = inject('registries');
  const id = Math.random().toString(36).slice(2, 8);
  const NS = `it/${id}/src`;
  const S = `${src.host}/${NS}`;
  const tls = { tls: 'skip' as const };
  let work: string;
  let server: ChildProcess;
  let serverLog = '';
  let port: number;
  let pinnedDigest: string;
  let webChartTgz: Buffer;
  const cli = (args: string[]) => runCli(['--ca-file', dst.caFile!, ...args], { cwd: work, env: { LAZYOCI_RETRY_BASE_MS: '10' } });

  async function chartDir(name: string, version: string, files: Record<string, string>): Promise<string> {
    const dir = path.join(work, 'chart-src', name);
    await mkdir(path.join(dir, 'templates'), { recursive: true });
    await writeFile(path.join(dir, 'templates', 'deployment.yaml'), 'kind: Deployment\n');
    for (const [rel, text] of Object.entries({ 'Chart.yaml': `apiVersion: v2\nname: ${name}\nversion: ${version}\n`, ...files })) {
      await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await writeFile(path.join(dir, rel), text);
    }
    return dir;
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-mirror-'));
    // Images in the source registry (skopeo seeds them, not lazyoci).
    const seed = async (name: string, tags: string[], multi = false): Promise<string> => {
      const dir = path.join(work, `layout-${name}`);
      const digest = multi ? (await writeMultiPlatformLayout(dir, 'x')).indexDigest : (await writeImageLayout(dir, 'x')).manifestDigest;
      for (const tag of tags) await copyFromLayout(dir, 'x', `${S}/${name}:${tag}`, { ...tls, all: multi });
      return digest;
    };
    await seed('web', ['1.0']);
    await seed('multi', ['2.0', '2.1'], true);
    await seed('tool', ['0.1']);
    pinnedDigest = await seed('pinned', ['x']);
    await seed('app', ['1.24.0', '1.25.0', '1.25.3', 'v1.26.1', '1.27.0-rc.1', '2.0.0', '1.25', 'latest']);

    // A chart repository: index.yaml with a relative URL and the .tgz's digest.
    const web = await chartDir('webapp', '1.0.0', {
      'Chart.yaml': `apiVersion: v2\nname: webapp\nversion: 1.0.0\nannotations:\n  artifacthub.io/images: |\n    - name: tool\n      image: ${S}/tool:0.1\n`,
      'values.yaml': `image:\n  registry: ${src.host}\n  repository: ${NS}/web\n  tag: "1.0"\nsidecar:\n  image: ${S}/multi:2.0\n`,
      'charts/sub/Chart.yaml': 'apiVersion: v2\nname: sub\nversion: 0.1.0\n',
      'charts/sub/values.yaml': `image: ${S}/web:1.0\n`,
    });
    webChartTgz = (await packageHelmChart(web)).archive;
    await mkdir(path.join(work, 'served', 'repo', 'charts'), { recursive: true });
    await writeFile(path.join(work, 'served', 'repo', 'charts', 'webapp-1.0.0.tgz'), webChartTgz);
    const hex = sha256(webChartTgz).slice(7);
    await writeFile(
      path.join(work, 'served', 'repo', 'index.yaml'),
      [
        'apiVersion: v1',
        'entries:',
        '  webapp:',
        '    - name: webapp',
        '      version: 1.0.0',
        `      digest: ${hex}`,
        '      urls: [charts/webapp-1.0.0.tgz]',
        '    - name: webapp',
        '      version: 0.9.0',
        `      digest: ${'ab'.repeat(32)}`,
        '      urls: [charts/webapp-1.0.0.tgz]',
        '',
      ].join('\n'),
    );
    port = await freePort();
    server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', path.join(work, 'served')], { stdio: ['ignore', 'ignore', 'pipe'] });
    server.stderr!.on('data', (d: Buffer) => (serverLog += d.toString('utf8')));
    for (let i = 0; i < 100 && (await get(`http://127.0.0.1:${port}/repo/index.yaml`)) !== 200; i++) await new Promise((r) => setTimeout(r, 100));

    // An OCI chart in the source registry, and a local chart directory.
    const oci = await chartDir('ocichart', '0.2.0', { 'values.yaml': `image:\n  repository: ${S}/tool\n  tag: "0.1"\n` });
    const ociTgz = path.join(work, 'ocichart-0.2.0.tgz');
    await writeFile(ociTgz, (await packageHelmChart(oci)).archive);
    const pushed = await runCli(['push', ociTgz, `oci://${S}/charts/ocichart`]);
    expect(pushed.code, explain(pushed)).toBe(0);
    await chartDir('localchart', '0.3.0', { 'values.yaml': `image:\n  repository: ${S}/pinned\n  digest: ${pinnedDigest}\n` });
  }, 120_000);

  afterAll(async () => {
    server?.kill();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  const mirrorYaml = (targetPath: string, extra = ''): string =>
    [
      'target:',
      `  url: ${dst.host}/${targetPath}`,
      '  charts-prefix: charts',
      'upstreams:',
      '  webapp:',
      '    type: repo',
      `    repo: http://127.0.0.1:${port}/repo`,
      '    chart: webapp',
      '    versions: ["1.0.0"]',
      '  ocichart:',
      '    type: oci',
      `    registry: oci://${S}/charts`,
      '    chart: ocichart',
      '    versions: ["0.2.0"]',
      '  localchart:',
      '    type: local',
      '    path: ./chart-src/localchart',
      '    chart: localchart',
      'images:',
      `  - source: ${S}/app`,
      '    semver: ">=1.25 <2"',
      `  - source: ${S}/multi`,
      '    tags: ["2.1"]',
      '    platforms: [linux/arm64]',
      extra,
    ].join('\n');

  it('plans, copies byte-identically, skips on a second run, answers --why, and round-trips through an air-gap layout', async () => {
    const T = `${dst.host}/it/${id}/mirror`;
    await writeFile(path.join(work, 'mirror.yaml'), mirrorYaml(`it/${id}/mirror`));
    const targetRequests = async (from: number, prefix = `/v2/it/${id}/mirror/`) => (await logLines(dst.logFile)).slice(from).filter((l) => l.includes(prefix));

    // Dry run: the whole plan with source digests; nothing reaches the target.
    let before = (await logLines(dst.logFile)).length;
    const dry = await cli(['mirror', '--dry-run', '-o', 'json']);
    expect(dry.code, explain(dry)).toBe(0);
    const plan = json<Result>(dry);
    expect(await targetRequests(before)).toEqual([]);
    expect(plan.dryRun).toBe(true);
    expect(plan.charts.map((c) => [c.key, c.version, c.target, c.status])).toEqual([
      ['webapp', '1.0.0', `${T}/charts/webapp:1.0.0`, 'planned'],
      ['ocichart', '0.2.0', `${T}/charts/ocichart:0.2.0`, 'planned'],
      ['localchart', '0.3.0', `${T}/charts/localchart:0.3.0`, 'planned'],
    ]);
    const bySource = new Map(plan.images.map((i) => [i.source + (i.platforms ? ` ${i.platforms.join(',')}` : ''), i]));
    expect([...bySource.keys()].sort()).toEqual(
      [
        `${S}/web:1.0`,
        `${S}/multi:2.0`,
        `${S}/tool:0.1`,
        `${S}/pinned@${pinnedDigest}`,
        `${S}/app:1.25.0`,
        `${S}/app:1.25.3`,
        `${S}/app:v1.26.1`,
        `${S}/multi:2.1 linux/arm64`,
      ].sort(),
    );
    // Named as the Go tool names them: the source host dropped, the path kept under the target URL.
    expect(bySource.get(`${S}/web:1.0`)!.target).toBe(`${T}/${NS}/web:1.0`);
    expect(bySource.get(`${S}/web:1.0`)!.foundIn).toEqual(['webapp 1.0.0: values.yaml .image', 'webapp 1.0.0: charts/sub/values.yaml .image']);
    expect(bySource.get(`${S}/tool:0.1`)!.foundIn).toEqual(['webapp 1.0.0: Chart.yaml annotation artifacthub.io/images', 'ocichart 0.2.0: values.yaml .image']);
    for (const [key, item] of bySource) {
      if (key.endsWith('linux/arm64')) continue;
      expect(item.digest, key).toBe(sha256(await inspectRaw(item.source, tls)));
    }

    // The real run: everything copied; skopeo reads the same bytes back from the target.
    before = (await logLines(dst.logFile)).length;
    const serverBefore = serverLog.length;
    const real = await cli(['mirror', '-o', 'json']);
    expect(real.code, explain(real)).toBe(0);
    const done = json<Result>(real);
    expect([...done.charts, ...done.images].map((i) => i.status)).toEqual(Array(11).fill('copied'));
    for (const image of done.images) {
      const raw = await inspectRaw(image.target, tls);
      expect(sha256(raw), image.target).toBe(image.digest);
      if (image.platforms === undefined) expect(raw.equals(await inspectRaw(image.source, tls)), image.target).toBe(true);
    }
    // Every platform of an index is copied; with `platforms`, only those.
    const multi = JSON.parse((await inspectRaw(`${T}/${NS}/multi:2.0`, tls)).toString()) as { manifests: { digest: string }[] };
    for (const child of multi.manifests) await inspectRaw(`${T}/${NS}/multi@${child.digest}`, tls);
    const narrowed = JSON.parse((await inspectRaw(`${T}/${NS}/multi:2.1`, tls)).toString()) as { manifests: { platform: { architecture: string } }[] };
    expect(narrowed.manifests.map((m) => m.platform.architecture)).toEqual(['arm64']);
    // The semver range took exactly the versions inside it.
    expect((await listTags(`${T}/${NS}/app`, tls)).sort()).toEqual(['1.25.0', '1.25.3', 'v1.26.1']);
    // Charts: the repository chart's layer is the served .tgz byte for byte; the OCI chart is copied as it is.
    for (const chart of done.charts) expect(sha256(await inspectRaw(chart.target, tls)), chart.target).toBe(chart.digest);
    expect(done.charts.map((c) => c.digest)).toEqual(plan.charts.map((c) => c.digest));
    const webManifest = JSON.parse((await inspectRaw(`${T}/charts/webapp:1.0.0`, tls)).toString()) as { layers: { digest: string; mediaType: string }[] };
    expect(webManifest.layers).toEqual([expect.objectContaining({ digest: sha256(webChartTgz), mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip' })]);
    expect((await inspectRaw(`${T}/charts/ocichart:0.2.0`, tls)).equals(await inspectRaw(`${S}/charts/ocichart:0.2.0`, tls))).toBe(true);
    // The chart repository was read once: one index.yaml, one .tgz.
    const served = serverLog.slice(serverBefore).split('\n');
    expect(served.filter((l) => l.includes('GET /repo/index.yaml'))).toHaveLength(1);
    expect(served.filter((l) => l.includes('GET /repo/charts/webapp-1.0.0.tgz'))).toHaveLength(1);
    // The lock file pins every mirrored reference to its digest.
    const lock = await readFile(path.join(work, 'mirror.lock.yaml'), 'utf8');
    for (const item of [...done.charts, ...done.images]) expect(lock).toContain(`target: ${item.target}\n    digest: ${item.digest}`);

    // A second run finds everything there and sends no blob (no upload, no mount).
    before = (await logLines(dst.logFile)).length;
    const again = await cli(['mirror', '-o', 'json']);
    expect(again.code, explain(again)).toBe(0);
    expect([...json<Result>(again).charts, ...json<Result>(again).images].map((i) => i.status)).toEqual(Array(11).fill('skipped'));
    const secondRequests = await targetRequests(before);
    expect(secondRequests.filter((l) => /"(PUT|POST|PATCH) /.test(l) || /\/blobs\//.test(l))).toEqual([]);

    // --why: where each chart names an image.
    const why = await cli(['mirror', '--why', `${S}/tool:0.1`]);
    expect(why.code, explain(why)).toBe(0);
    expect(why.stdout).toContain('webapp 1.0.0: Chart.yaml annotation artifacthub.io/images');
    expect(why.stdout).toContain('ocichart 0.2.0: values.yaml .image');

    // Air gap: everything into one layout tar, each source blob read once; then pushed to a fresh namespace.
    const srcBefore = (await logLines(src.logFile)).length;
    const tarFile = path.join(work, 'airgap.tar');
    const out = await cli(['mirror', '--to', `oci-layout:${tarFile}`, '-o', 'json']);
    expect(out.code, explain(out)).toBe(0);
    expect((await stat(tarFile)).size).toBeGreaterThan(0);
    const blobGets = (await logLines(src.logFile)).slice(srcBefore).flatMap((l) => {
      const m = /"GET \/v2\/[^ ]+\/blobs\/(sha256:[a-f0-9]{64})/.exec(l);
      return m === null ? [] : [m[1]!];
    });
    expect(blobGets.length).toBeGreaterThan(0);
    expect(blobGets.length).toBe(new Set(blobGets).size);
    await writeFile(path.join(work, 'airgap.yaml'), mirrorYaml(`it/${id}/airgap`));
    const A = `${dst.host}/it/${id}/airgap`;
    // Every read stream opened on the tar is counted (a preload wraps fs.createReadStream):
    // the tar is scanned whole once, and each blob is read from its own byte range after.
    const reads = await countTarReads(tarFile);
    const pushedBack = await runCli(['--ca-file', dst.caFile!, 'mirror', '-c', 'airgap.yaml', '--from', `oci-layout:${tarFile}`, '-o', 'json'], {
      cwd: work,
      env: { LAZYOCI_RETRY_BASE_MS: '10', NODE_OPTIONS: reads.nodeOptions },
    });
    expect(pushedBack.code, explain(pushedBack)).toBe(0);
    expect(json<Result>(pushedBack).images.length + json<Result>(pushedBack).charts.length).toBe(11);
    const counted = await reads.result();
    const tarSize = (await stat(tarFile)).size;
    expect(counted.wholeFileReads, JSON.stringify(counted)).toBe(1);
    expect(counted.wholeFileBytes).toBe(tarSize);
    expect(counted.rangeReads).toBeGreaterThan(0);
    // Only the blobs the push needs, each from its own byte range: less than the tar holds here.
    expect(counted.rangeBytes, JSON.stringify({ ...counted, tarSize })).toBeLessThan(tarSize);
    for (const item of [...done.charts, ...done.images]) {
      const there = item.target.replace(T, A);
      expect(sha256(await inspectRaw(there, tls)), there).toBe(item.digest);
    }

    // The same through a layout directory; written again, it has everything already.
    const dir = path.join(work, 'airgap-dir');
    const toDir = await cli(['mirror', '--to', `oci-layout:${dir}`, '-o', 'json']);
    expect(toDir.code, explain(toDir)).toBe(0);
    const toDirAgain = await cli(['mirror', '--to', `oci-layout:${dir}`, '-o', 'json']);
    expect([...json<Result>(toDirAgain).charts, ...json<Result>(toDirAgain).images].map((i) => i.status)).toEqual(Array(11).fill('skipped'));
    await writeFile(path.join(work, 'airgap-dir.yaml'), mirrorYaml(`it/${id}/airgap-dir`));
    const fromDir = await cli(['mirror', '-c', 'airgap-dir.yaml', '--from', `oci-layout:${dir}`, '-o', 'json']);
    expect(fromDir.code, explain(fromDir)).toBe(0);
    for (const item of [...done.charts, ...done.images]) {
      const there = item.target.replace(T, `${dst.host}/it/${id}/airgap-dir`);
      expect(sha256(await inspectRaw(there, tls)), there).toBe(item.digest);
    }
  }, 240_000);

  it('lists every failure and still does the rest (exit 1)', async () => {
    const T = `${dst.host}/it/${id}/partial`;
    await writeFile(
      path.join(work, 'partial.yaml'),
      [
        'target:',
        `  url: ${T}`,
        'upstreams:',
        '  webapp:',
        '    type: repo',
        `    repo: http://127.0.0.1:${port}/repo`,
        '    chart: webapp',
        '    versions: ["0.9.0"]',
        'images:',
        `  - source: ${S}/app`,
        '    tags: ["1.24.0", "9.9.9"]',
        '',
      ].join('\n'),
    );
    const res = await cli(['mirror', '-c', 'partial.yaml', '-o', 'json']);
    expect(res.code, explain(res)).toBe(1);
    const r = json<Result>(res);
    expect(r.charts[0]).toMatchObject({ key: 'webapp', status: 'failed', error: expect.stringMatching(/has sha256 [a-f0-9]{64}, but .*index\.yaml says (ab){32}/) });
    expect(r.images.find((i) => i.source.endsWith(':9.9.9'))).toMatchObject({ status: 'failed', error: expect.stringMatching(/9\.9\.9/) });
    expect(r.images.find((i) => i.source.endsWith(':1.24.0'))?.status).toBe('copied');
    expect(await listTags(`${T}/${NS}/app`, tls)).toEqual(['1.24.0']);
    const text = await cli(['mirror', '-c', 'partial.yaml']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/failed \(2\):\n {2}chart webapp 0\.9\.0: .*\n {2}image .*:9\.9\.9: /);
  }, 120_000);

  it('reports every problem of a bad mirror file with its place, exit 2, nothing sent', async () => {
    await writeFile(
      path.join(work, 'bad.yaml'),
      [
        'target:',
        '  url: https://example.com/x',
        'upstreams:',
        '  one:',
        '    type: git',
        '    chart: one',
        '  two:',
        '    type: repo',
        '    chart: two',
        '    versions: [1.0]',
        '  three:',
        '    type: local',
        '    path: ./missing',
        '    chart: three',
        'images:',
        '  - source: docker.io/library/nginx',
        '    semver: ">=banana"',
        '    lates: 3',
        '',
      ].join('\n'),
    );
    const res = await cli(['mirror', '-c', 'bad.yaml', '--dry-run']);
    expect(res.code, explain(res)).toBe(2);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toEqual([
      'bad.yaml:2:8: target.url: "https://example.com/x" has a scheme; write host[:port][/path] (use target.insecure for plain HTTP)',
      expect.stringMatching(/^bad\.yaml:5:11: upstreams\.one\.type: "git" is not one of repo, oci, local$/),
      'bad.yaml:8:5: upstreams.two: missing required field "repo"',
      expect.stringMatching(/^bad\.yaml:10:16: upstreams\.two\.versions\[0\]: must be a string/),
      'bad.yaml:13:11: upstreams.three.path: "./missing" is not a directory (resolved against the mirror file\'s directory)',
      expect.stringMatching(/^bad\.yaml:18:5: images\[0\]: unknown field "lates" \(did you mean "latest"\?\)$/),
    ]);
    expect(res.stdout).toBe('');
  });
});
