// End to end through the built CLI: `lazyoci build` pushes to a real registry and
// skopeo, an independent client, reads back exactly what the dry run promised.
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTarGzipEntries } from '../src/content/tar-gzip.js';
import { REPO_ROOT, runCli } from './support/cli.js';
import { startConnectionCounter, type ConnectionCounter } from './support/connection-counter.js';
import { copyToLayout, inspectLayoutRaw, inspectRaw, listTags, verifyLayoutBlobs } from './support/skopeo.js';

const registries = inject('registries');
const http = registries.http;

interface BuildJson {
  name: string;
  type: string;
  targets: { reference: string; digest: string; pushed: boolean; error?: string }[];
}

const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const suffix = (): string => Math.random().toString(36).slice(2, 8);

async function logLines(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8')).split('\n');
}

/** Access-log lines for one repository, written after `from` lines were already there. */
function requestsFor(lines: string[], from: number, repo: string): string[] {
  return lines.slice(from).filter((l) => l.includes(`/v2/${repo}/`));
}

function parseJson(stdout: string): BuildJson[] {
  return JSON.parse(stdout) as BuildJson[];
}

describe('lazyoci build against a real registry', () => {
  let work: string;
  let counter: ConnectionCounter;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-build-'));
    counter = await startConnectionCounter();
  });
  afterAll(async () => {
    await counter.stop();
    await rm(work, { recursive: true, force: true });
  });

  async function project(lazy: string, files: Record<string, string | Buffer>): Promise<string> {
    const dir = await mkdtemp(path.join(work, 'p-'));
    for (const [name, data] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), data);
    }
    await writeFile(path.join(dir, '.lazy'), lazy);
    return dir;
  }

  it('pushes two targets with three tags each, byte-identical to what --dry-run printed, without the dry run sending anything', async () => {
    const id = suffix();
    const payload = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));
    const dir = await project(
      `version: 1
artifacts:
  - type: artifact
    name: bundle
    mediaType: application/vnd.lazyoci.test.bundle.v1
    annotations:
      org.opencontainers.image.version: "{{ .Version }}"
    files:
      - path: data/payload.bin
        mediaType: application/vnd.lazyoci.test.payload
      - path: notes.txt
    targets:
      - registry: "{{ .Registry }}/it/${id}/one"
        tags: ["{{ .Tag }}", "{{ .Version }}", latest]
      - registry: "{{ .Registry }}/it/${id}/two"
        tags: ["{{ .VersionMajorMinor }}", "v{{ .VersionMajor }}", "{{ if .VersionPrerelease }}edge{{ else }}stable{{ end }}"]
`,
      { 'data/payload.bin': payload, 'notes.txt': 'release notes\n' },
    );

    // The dry run is pointed at a listener that only counts connections.
    const dry = await runCli(['build', '--tag', 'v1.0.0', '--dry-run', '-o', 'json'], {
      cwd: dir,
      env: { LAZYOCI_REGISTRY: counter.host },
    });
    expect(dry.stderr).not.toMatch(/error/i);
    expect(dry.code).toBe(0);
    expect(counter.connections()).toBe(0);
    const planned = parseJson(dry.stdout);
    expect(planned).toHaveLength(1);
    expect(planned[0]!.targets.map((t) => t.reference)).toEqual([
      `${counter.host}/it/${id}/one:v1.0.0`,
      `${counter.host}/it/${id}/one:1.0.0`,
      `${counter.host}/it/${id}/one:latest`,
      `${counter.host}/it/${id}/two:1.0`,
      `${counter.host}/it/${id}/two:v1`,
      `${counter.host}/it/${id}/two:stable`,
    ]);
    expect(planned[0]!.targets.every((t) => t.pushed === false)).toBe(true);
    const dryDigest = planned[0]!.targets[0]!.digest;
    expect(new Set(planned[0]!.targets.map((t) => t.digest))).toEqual(new Set([dryDigest]));

    // A dry run against the real registry leaves no trace in its access log either.
    const before = (await logLines(http.logFile)).length;
    const dryReal = await runCli(['build', '--tag', 'v1.0.0', '--dry-run'], { cwd: dir, env: { LAZYOCI_REGISTRY: http.host } });
    expect(dryReal.code).toBe(0);
    expect(dryReal.stdout).toContain(dryDigest);
    expect(requestsFor(await logLines(http.logFile), before, `it/${id}`)).toEqual([]);

    const real = await runCli(['build', '--tag', 'v1.0.0', '-o', 'json'], { cwd: dir, env: { LAZYOCI_REGISTRY: http.host } });
    expect(real.code).toBe(0);
    const pushed = parseJson(real.stdout);
    expect(pushed[0]!.targets).toHaveLength(6);
    for (const t of pushed[0]!.targets) {
      // Three blobs (empty config, payload, notes): uploaded to the first repository, mounted into the second.
      const first = t.reference.includes(`/it/${id}/one:`);
      expect(t).toEqual({ reference: t.reference, digest: dryDigest, pushed: true, uploaded: first ? 3 : 0, mounted: first ? 0 : 3, skipped: 0 });
    }

    // skopeo reads every tag back as the same bytes, hashing to the promised digest.
    const raws = await Promise.all(pushed[0]!.targets.map((t) => inspectRaw(t.reference, { tls: 'skip' })));
    for (const raw of raws) {
      expect(sha256(raw)).toBe(dryDigest);
      expect(raw.equals(raws[0]!)).toBe(true);
    }
    const manifest = JSON.parse(raws[0]!.toString('utf8'));
    expect(manifest).toMatchObject({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.lazyoci.test.bundle.v1',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', size: 2, data: 'e30=' },
      annotations: { 'org.opencontainers.image.version': '1.0.0' },
    });
    expect(manifest.layers).toEqual([
      { mediaType: 'application/vnd.lazyoci.test.payload', digest: sha256(payload), size: payload.length, annotations: { 'org.opencontainers.image.title': 'data/payload.bin' } },
      { mediaType: 'application/octet-stream', digest: sha256('release notes\n'), size: 14, annotations: { 'org.opencontainers.image.title': 'notes.txt' } },
    ]);

    // Blob bytes, copied out by skopeo, equal the files on disk.
    for (const repo of ['one', 'two']) {
      const layout = path.join(work, `layout-${id}-${repo}`);
      await copyToLayout(`${http.host}/it/${id}/${repo}:${repo === 'one' ? 'latest' : 'stable'}`, layout, 'x', { tls: 'skip', preserveDigests: true });
      const blobs = await verifyLayoutBlobs(layout);
      expect(blobs.get(sha256(payload))).toBe(payload.length);
      expect(blobs.get(dryDigest)).toBe(raws[0]!.length);
      const copied = await readFile(path.join(layout, 'blobs', 'sha256', sha256(payload).slice(7)));
      expect(copied.equals(payload)).toBe(true);
    }
    expect((await listTags(`${http.host}/it/${id}/one`, { tls: 'skip' })).sort()).toEqual(['1.0.0', 'latest', 'v1.0.0']);
    expect((await listTags(`${http.host}/it/${id}/two`, { tls: 'skip' })).sort()).toEqual(['1.0', 'stable', 'v1']);
  });

  it('sends blobs once per target, then a second push of unchanged content writes only tags', async () => {
    const id = suffix();
    const dir = await project(
      `version: 1
artifacts:
  - type: artifact
    files: [{ path: a.txt }]
    targets:
      - registry: "${http.host}/it/${id}/app"
        tags: [one, two, three]
`,
      { 'a.txt': 'alpha\n' },
    );
    const start = (await logLines(http.logFile)).length;
    const first = await runCli(['build'], { cwd: dir });
    expect(first.code).toBe(0);
    const afterFirst = await logLines(http.logFile);
    const firstRequests = requestsFor(afterFirst, start, `it/${id}/app`);
    // Two blobs (empty config and a.txt): one upload session each, then one manifest PUT per tag.
    expect(firstRequests.filter((l) => /"POST \/v2\/[^"]*\/blobs\/uploads\//.test(l))).toHaveLength(2);
    expect(firstRequests.filter((l) => /"PUT \/v2\/[^"]*\/manifests\//.test(l))).toHaveLength(3);

    const second = await runCli(['build'], { cwd: dir });
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('writing tags only');
    const secondRequests = requestsFor(await logLines(http.logFile), afterFirst.length, `it/${id}/app`);
    expect(secondRequests.filter((l) => /\/blobs\//.test(l))).toEqual([]);
    expect(secondRequests.filter((l) => /"PUT \/v2\/[^"]*\/manifests\//.test(l))).toHaveLength(3);
  });

  it('gives the same digest for the same inputs whatever the directory or file times', async () => {
    const files = { 'cfg/app.json': '{"a":1}\n', 'b.bin': Buffer.alloc(4096, 7) };
    const lazy = `version: 1
artifacts:
  - type: artifact
    mediaType: application/vnd.x
    files: [{ path: cfg/app.json, mediaType: application/json }, { path: b.bin }]
    targets: [{ registry: "${counter.host}/d/x", tags: [t] }]
  - type: helm
    chartPath: chart
    targets: [{ registry: "${counter.host}/d/chart", tags: ["{{ .ChartVersion }}"] }]
`;
    const a = await project(lazy, files);
    const b = await project(lazy, files);
    for (const dir of [a, b]) await cp(path.join(REPO_ROOT, 'examples', 'helm-chart', 'chart'), path.join(dir, 'chart'), { recursive: true });
    const old = new Date('2001-02-03T04:05:06Z');
    for (const f of ['cfg/app.json', 'b.bin', 'chart/Chart.yaml', 'chart/values.yaml']) await utimes(path.join(b, f), old, old);

    const runA = await runCli(['build', '--dry-run', '-o', 'json'], { cwd: a });
    const runB = await runCli(['build', '--dry-run', '-o', 'json'], { cwd: b });
    expect(runA.code).toBe(0);
    expect(runB.code).toBe(0);
    const digests = (out: string): string[] => parseJson(out).map((x) => x.targets[0]!.digest);
    expect(digests(runA.stdout)).toEqual(digests(runB.stdout));
    expect(digests(runA.stdout)).toHaveLength(2);
    expect(counter.connections()).toBe(0);
  });

  it('pushes a Helm chart whose layer skopeo reads back with Chart.yaml inside', async () => {
    const id = suffix();
    const dir = await mkdtemp(path.join(work, 'helm-'));
    await cp(path.join(REPO_ROOT, 'examples', 'helm-chart', 'chart'), path.join(dir, 'chart'), { recursive: true });
    await writeFile(path.join(dir, 'chart', 'notes.bak'), 'ignored by .helmignore');
    await writeFile(
      path.join(dir, '.lazy'),
      `version: 1
artifacts:
  - type: helm
    chartPath: chart
    targets:
      - registry: "${http.host}/it/${id}/charts/hello"
        tags: ["{{ .ChartVersion }}"]
`,
    );
    const res = await runCli(['build', '-o', 'json'], { cwd: dir });
    expect(res.code).toBe(0);
    const [result] = parseJson(res.stdout);
    expect(result!.targets[0]!.reference).toBe(`${http.host}/it/${id}/charts/hello:0.1.0`);

    const raw = await inspectRaw(result!.targets[0]!.reference, { tls: 'skip' });
    expect(sha256(raw)).toBe(result!.targets[0]!.digest);
    const manifest = JSON.parse(raw.toString('utf8'));
    expect(manifest.config.mediaType).toBe('application/vnd.cncf.helm.config.v1+json');
    expect(manifest.layers).toHaveLength(1);
    expect(manifest.layers[0].mediaType).toBe('application/vnd.cncf.helm.chart.content.v1.tar+gzip');
    expect(manifest.annotations).toMatchObject({ 'org.opencontainers.image.title': 'hello-chart', 'org.opencontainers.image.version': '0.1.0' });
    expect(manifest.annotations['org.opencontainers.image.created']).toBeUndefined();

    const layout = path.join(work, `helm-layout-${id}`);
    await copyToLayout(result!.targets[0]!.reference, layout, 'x', { tls: 'skip', preserveDigests: true });
    await verifyLayoutBlobs(layout);
    const blob = (d: string): Promise<Buffer> => readFile(path.join(layout, 'blobs', 'sha256', d.slice(7)));
    const config = JSON.parse((await blob(manifest.config.digest)).toString('utf8'));
    expect(config).toMatchObject({ name: 'hello-chart', version: '0.1.0', apiVersion: 'v2' });
    const entries = await readTarGzipEntries(await blob(manifest.layers[0].digest));
    expect(entries[0]!.name).toBe('hello-chart/Chart.yaml');
    expect(entries[0]!.data.equals(await readFile(path.join(dir, 'chart', 'Chart.yaml')))).toBe(true);
    expect(entries.map((e) => e.name)).not.toContain('hello-chart/notes.bak');
    expect(entries.map((e) => e.name)).toContain('hello-chart/templates/configmap.yaml');
  });

  it('writes an oci-layout target that skopeo can read', async () => {
    const dir = await project(
      `version: 1
artifacts:
  - type: artifact
    files: [{ path: f.txt }]
    targets:
      - registry: oci-layout:out/layout
        tags: [v1, latest]
`,
      { 'f.txt': 'layout content\n' },
    );
    const res = await runCli(['build', '-o', 'json'], { cwd: dir });
    expect(res.code).toBe(0);
    const [result] = parseJson(res.stdout);
    expect(result!.targets.map((t) => t.reference)).toEqual(['oci-layout:out/layout:v1', 'oci-layout:out/layout:latest']);
    const layout = path.join(dir, 'out', 'layout');
    await verifyLayoutBlobs(layout);
    const index = JSON.parse(await readFile(path.join(layout, 'index.json'), 'utf8'));
    expect(index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations['org.opencontainers.image.ref.name'])).toEqual(['v1', 'latest']);
    expect(index.manifests.every((m: { digest: string }) => m.digest === result!.targets[0]!.digest)).toBe(true);
    // skopeo reads the layout as a valid OCI layout, under both tags, byte for byte.
    for (const tag of ['v1', 'latest']) {
      expect(sha256(await inspectLayoutRaw(layout, tag))).toBe(result!.targets[0]!.digest);
    }
    expect((await readdir(path.join(layout, 'blobs', 'sha256'))).length).toBe(3);
  });

  it('selects artifacts with -a by name, then type, then index, and shares one Timestamp across artifacts', async () => {
    const dir = await project(
      `version: 1
artifacts:
  - type: artifact
    name: first
    files: [{ path: a.txt }]
    targets: [{ registry: "${counter.host}/sel/a", tags: ["t{{ .Timestamp }}"] }]
  - type: artifact
    name: helm
    files: [{ path: a.txt }]
    targets: [{ registry: "${counter.host}/sel/b", tags: ["t{{ .Timestamp }}"] }]
  - type: helm
    name: chart
    chartPath: chart
    targets: [{ registry: "${counter.host}/sel/c", tags: ["t{{ .Timestamp }}"] }]
`,
      { 'a.txt': 'a' },
    );
    await cp(path.join(REPO_ROOT, 'examples', 'helm-chart', 'chart'), path.join(dir, 'chart'), { recursive: true });
    const names = async (sel: string[]): Promise<string[]> => {
      const r = await runCli(['build', '--dry-run', '-o', 'json', ...sel], { cwd: dir });
      expect(r.code).toBe(0);
      return parseJson(r.stdout).map((a) => a.name);
    };
    expect(await names(['-a', 'helm'])).toEqual(['helm']); // a name wins over the type
    expect(await names(['-a', 'artifact'])).toEqual(['first', 'helm']);
    expect(await names(['-a', '2'])).toEqual(['chart']);
    const all = await runCli(['build', '--dry-run', '-o', 'json'], { cwd: dir });
    const tags = parseJson(all.stdout).map((a) => a.targets[0]!.reference.split(':').pop());
    expect(tags).toHaveLength(3);
    expect(new Set(tags).size).toBe(1);
    expect(tags[0]).toMatch(/^t\d{14}$/);
  });

  it('validates the annotated .lazy.example with every artifact type', async () => {
    const res = await runCli(['validate', '-f', '.lazy.example', '--tag', 'v1.2.3-rc.1', '-o', 'json'], {
      env: { LAZYOCI_REGISTRY: 'ghcr.io/acme' },
    });
    expect(res.code, res.stderr).toBe(0);
    const result = JSON.parse(res.stdout) as { valid: boolean; artifacts: { type: string; references: string[] }[] };
    expect(result.valid).toBe(true);
    expect(result.artifacts.map((a) => a.type)).toEqual(['artifact', 'helm', 'image', 'docker']);
    expect(result.artifacts[0]!.references).toEqual([
      'ghcr.io/acme/app-config:1.2.3-rc.1',
      'ghcr.io/acme/app-config:1.2',
      'ghcr.io/acme/app-config:latest',
    ]);
    expect(result.artifacts[2]!.references).toContain('ghcr.io/acme/site:edge');
  });

  it('builds and pushes every example in examples/', async () => {
    const examples = (await readdir(path.join(REPO_ROOT, 'examples'), { withFileTypes: true })).filter((e) => e.isDirectory());
    expect(examples.length).toBeGreaterThanOrEqual(3);
    const prefix = `${http.host}/ex-${suffix()}`;
    for (const example of examples) {
      const res = await runCli(['build', `examples/${example.name}`, '--tag', 'v1.0.0', '-o', 'json'], {
        env: { LAZYOCI_REGISTRY: prefix },
      });
      expect(res.stderr).not.toMatch(/^error/m);
      expect(res.code).toBe(0);
      for (const artifact of parseJson(res.stdout)) {
        for (const t of artifact.targets) {
          expect(t.pushed).toBe(true);
          expect(sha256(await inspectRaw(t.reference, { tls: 'skip' }))).toBe(t.digest);
        }
      }
    }
  });
});
