// OCI 1.1 referrers against the test bed's real distribution registry (2.8: no referrers
// API, no OCI-Subject, ETag on manifests but If-Match ignored): attach, discover and
// copy --referrers through the fallback `<alg>-<hex>` tag, read back with skopeo.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { copyGraph } from '../src/copy/copy-graph.js';
import { attach } from '../src/ops/attach.js';
import { discover } from '../src/ops/discover.js';
import { indexReferrer } from '../src/ops/index-referrer.js';
import { packageArtifact } from '../src/ops/package-artifact.js';
import { asPlannedArtifact } from '../src/ops/push-files.js';
import { parseReference } from '../src/ref/reference.js';
import { RegistryClient } from '../src/registry/client/registry-client.js';
import { explain, json, runCli } from './support/cli.js';
import { startFaultProxy } from './support/fault-proxy.js';
import { writeMultiPlatformLayout } from './support/multi-platform-fixture.js';
import { inspectRaw } from './support/skopeo.js';

const registry = inject('registries').http;
const PLAIN = { tls: 'skip' } as const;
const suffix = (): string => Math.random().toString(36).slice(2, 8);
const tagOf = (digest: string): string => digest.replace(':', '-');

interface Node {
  digest: string;
  artifactType?: string;
  annotations?: Record<string, string>;
  source: string;
  tag?: string;
  referrers: Node[];
  depthLimited?: boolean;
}
interface Discovered {
  subject: { digest: string };
  api: boolean;
  referrers: Node[];
  notes: string[];
}
interface Attached {
  attached: { digest: string; via: string; tag?: string; subject: { digest: string; platform?: string } }[];
}
interface Index {
  mediaType: string;
  manifests: { digest: string; artifactType?: string; annotations?: Record<string, string> }[];
}

let work: string;
let sbom: string;
let sig: string;
let app: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-referrers-'));
  sbom = path.join(work, 'sbom.spdx.json');
  sig = path.join(work, 'sig.txt');
  app = path.join(work, 'app.txt');
  await writeFile(sbom, '{"spdxVersion":"SPDX-2.3"}');
  await writeFile(sig, 'signature');
  await writeFile(app, `app ${suffix()}`);
});
afterAll(async () => rm(work, { recursive: true, force: true }));

/** A fresh subject: a files artifact pushed with lazyoci, with its digest. */
async function pushSubject(repo: string, host = registry.host): Promise<{ ref: string; digest: string }> {
  const file = path.join(work, `subject-${suffix()}.txt`);
  await writeFile(file, `subject ${suffix()}`);
  const ref = `${host}/${repo}:v1`;
  const res = await runCli(['push', file, ref, '-o', 'json']);
  expect(res.code, explain(res)).toBe(0);
  return { ref, digest: json<{ digest: string }>(res).digest };
}

async function fallbackIndex(repo: string, digest: string, host = registry.host): Promise<Index> {
  return JSON.parse((await inspectRaw(`${host}/${repo}:${tagOf(digest)}`, PLAIN)).toString('utf8')) as Index;
}

describe('attach and discover on a registry without the referrers API', () => {
  it('attaches an SBOM and its signature, lists them as a tree, and skopeo reads the index lazyoci wrote', async () => {
    const repo = `referrers/${suffix()}`;
    const subject = await pushSubject(repo);
    const empty = await runCli(['discover', subject.ref, '-o', 'json']);
    expect(empty.code, explain(empty)).toBe(0);
    expect(json<Discovered>(empty)).toMatchObject({ api: false, referrers: [], notes: [] });

    const a = await runCli(['attach', subject.ref, `${sbom}:application/spdx+json`, '--artifact-type', 'application/spdx+json', '--annotation', 'org.example.kind=sbom', '-o', 'json']);
    expect(a.code, explain(a)).toBe(0);
    const attached = json<Attached>(a).attached;
    expect(attached).toEqual([expect.objectContaining({ via: 'fallback', tag: tagOf(subject.digest), subject: { digest: subject.digest, mediaType: expect.any(String) } })]);
    const sbomDigest = attached[0]!.digest;

    // The independent oracle: the fallback tag holds an OCI index listing the SBOM.
    const index = await fallbackIndex(repo, subject.digest);
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests).toEqual([
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sbomDigest, size: expect.any(Number), artifactType: 'application/spdx+json', annotations: { 'org.example.kind': 'sbom' } },
    ]);
    const manifest = JSON.parse((await inspectRaw(`${registry.host}/${repo}@${sbomDigest}`, PLAIN)).toString('utf8')) as { subject: { digest: string } };
    expect(manifest.subject.digest).toBe(subject.digest);

    const s = await runCli(['attach', `${registry.host}/${repo}@${sbomDigest}`, sig, '--artifact-type', 'application/vnd.example.signature', '-q']);
    expect(s.code, explain(s)).toBe(0);

    const tree = json<Discovered>(await runCli(['discover', subject.ref, '-o', 'json']));
    expect(tree.referrers).toHaveLength(1);
    expect(tree.referrers[0]).toMatchObject({ digest: sbomDigest, source: 'fallback', artifactType: 'application/spdx+json' });
    expect(tree.referrers[0]!.referrers).toEqual([expect.objectContaining({ artifactType: 'application/vnd.example.signature', source: 'fallback', referrers: [] })]);

    const shallow = json<Discovered>(await runCli(['discover', subject.ref, '--depth', '1', '-o', 'json']));
    expect(shallow.referrers[0]).toMatchObject({ depthLimited: true, referrers: [] });
    const filtered = json<Discovered>(await runCli(['discover', subject.ref, '--artifact-type', 'application/vnd.example.other', '-o', 'json']));
    expect(filtered.referrers).toEqual([]);

    const text = await runCli(['discover', subject.ref, '-o', 'tree']);
    expect(text.code, explain(text)).toBe(0);
    expect(text.stdout).toContain(`└── application/spdx+json ${sbomDigest}`);
    expect(text.stdout).toContain('org.example.kind=sbom');
    expect(text.stdout).toMatch(/ {4}└── application\/vnd\.example\.signature sha256:/);
  });

  it('attaches to every platform of an index, or one, and to the index itself', async () => {
    const repo = `referrers/${suffix()}`;
    const dir = path.join(work, `multi-${suffix()}`);
    const multi = await writeMultiPlatformLayout(dir, 'all');
    const pushed = await runCli(['push', dir, `${registry.host}/${repo}:multi`, '-q']);
    expect(pushed.code, explain(pushed)).toBe(0);
    const ref = `${registry.host}/${repo}:multi`;

    const all = json<Attached>(await runCli(['attach', ref, sbom, '--artifact-type', 'application/spdx+json', '--all-platforms', '-o', 'json']));
    expect(all.attached.map((x) => x.subject.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    for (const img of multi.images) {
      expect((await fallbackIndex(repo, img.manifestDigest)).manifests).toHaveLength(1);
    }
    const one = json<Attached>(await runCli(['attach', ref, sig, '--artifact-type', 'application/vnd.example.signature', '--platform', 'linux/arm64', '-o', 'json']));
    expect(one.attached[0]!.subject.digest).toBe(multi.images[1]!.manifestDigest);
    expect((await fallbackIndex(repo, multi.images[1]!.manifestDigest)).manifests).toHaveLength(2);

    const onIndex = json<Attached>(await runCli(['attach', ref, sig, '--artifact-type', 'application/vnd.example.signature', '-o', 'json']));
    expect(onIndex.attached[0]!.subject.digest).toBe(multi.indexDigest);
    expect((await fallbackIndex(repo, multi.indexDigest)).manifests).toHaveLength(1);

    const missing = await runCli(['attach', ref, sig, '--artifact-type', 'a/b', '--platform', 'linux/s390x']);
    expect(missing.code, explain(missing)).toBe(2);
    expect(missing.stderr).toMatch(/^error: .*has no linux\/s390x manifest \(it has linux\/amd64, linux\/arm64\)\n$/);
  });

  it('reports a fallback tag that holds a plain image and leaves it alone; attach refuses before pushing', async () => {
    const repo = `referrers/${suffix()}`;
    const subject = await pushSubject(repo);
    const squatter = await runCli(['push', app, `${registry.host}/${repo}:${tagOf(subject.digest)}`, '-o', 'json']);
    expect(squatter.code, explain(squatter)).toBe(0);
    const before = await inspectRaw(`${registry.host}/${repo}:${tagOf(subject.digest)}`, PLAIN);

    const d = await runCli(['discover', subject.ref, '-o', 'json']);
    expect(d.code, explain(d)).toBe(0);
    expect(json<Discovered>(d)).toMatchObject({ referrers: [], notes: [expect.stringMatching(/holds a application\/vnd\.oci\.image\.manifest\.v1\+json .*not an index of referrers; left alone/)] });

    const a = await runCli(['attach', subject.ref, sbom, '--artifact-type', 'application/spdx+json']);
    expect(a.code, explain(a)).toBe(1);
    expect(a.stdout).toBe('');
    expect(a.stderr).toMatch(/^error: .*not the image index of referrers; lazyoci leaves it alone and attached nothing\nhint: /);
    expect((await inspectRaw(`${registry.host}/${repo}:${tagOf(subject.digest)}`, PLAIN)).equals(before)).toBe(true);
  });

  it('treats /referrers/ answered with a web page, and OCI-Subject from a registry without the API, as no API', async () => {
    const proxy = await startFaultProxy(registry.url);
    try {
      proxy.setRule((req) => {
        if (/\/referrers\/sha256:/.test(req.path)) return { status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Welcome</body></html>' };
        // A registry that claims to have processed the subject but serves no API.
        if (req.method === 'PUT' && req.path.includes('/manifests/sha256:')) return { responseHeaders: { 'oci-subject': 'sha256:' + '0'.repeat(64) } };
        return undefined;
      });
      const repo = `referrers/${suffix()}`;
      const subject = await pushSubject(repo, proxy.host);
      const a = await runCli(['attach', subject.ref, sbom, '--artifact-type', 'application/spdx+json', '-o', 'json']);
      expect(a.code, explain(a)).toBe(0);
      expect(json<Attached>(a).attached[0]).toMatchObject({ via: 'fallback' });
      expect((await fallbackIndex(repo, subject.digest)).manifests).toHaveLength(1);
      const d = json<Discovered>(await runCli(['discover', subject.ref, '-o', 'json']));
      expect(d).toMatchObject({ api: false, referrers: [expect.objectContaining({ source: 'fallback' })] });
      // The web page was asked for once per run, not once per subject.
      expect(proxy.seen.filter((r) => /\/referrers\/sha256:/.test(r.path)).length).toBeLessThanOrEqual(3);
    } finally {
      await proxy.stop();
    }
  });

  it('warns, and succeeds, when the registry refuses to delete the replaced index (405)', async () => {
    const proxy = await startFaultProxy(registry.url);
    try {
      proxy.setRule((req) => (req.method === 'DELETE' ? { status: 405, headers: { 'content-type': 'application/json' }, body: '{"errors":[{"code":"UNSUPPORTED","message":"no"}]}' } : undefined));
      const repo = `referrers/${suffix()}`;
      const subject = await pushSubject(repo, proxy.host);
      const first = await runCli(['attach', subject.ref, sbom, '--artifact-type', 'application/spdx+json', '-q']);
      expect(first.code, explain(first)).toBe(0);
      const second = await runCli(['attach', subject.ref, sig, '--artifact-type', 'application/vnd.example.signature', '-q']);
      expect(second.code, explain(second)).toBe(0);
      expect(second.stderr).toMatch(/^warning: .*did not delete the replaced referrers index sha256:[0-9a-f]{64} \(405\); it stays until the registry collects garbage\n$/);
      expect((await fallbackIndex(repo, subject.digest)).manifests).toHaveLength(2);
    } finally {
      await proxy.stop();
    }
  });
});

describe('copy --referrers between repositories without the API', () => {
  it('copies the graph, each referrer recursively, and writes the destination fallback indexes', async () => {
    const repo = `referrers/${suffix()}`;
    const subject = await pushSubject(repo);
    const a = json<Attached>(await runCli(['attach', subject.ref, sbom, '--artifact-type', 'application/spdx+json', '-o', 'json']));
    const sbomDigest = a.attached[0]!.digest;
    const s = await runCli(['attach', `${registry.host}/${repo}@${sbomDigest}`, sig, '--artifact-type', 'application/vnd.example.signature', '-q']);
    expect(s.code, explain(s)).toBe(0);

    const dest = `referrers/${suffix()}-copy`;
    const c = await runCli(['copy', subject.ref, `${registry.host}/${dest}:v1`, '--referrers', '-o', 'json']);
    expect(c.code, explain(c)).toBe(0);
    const copied = json<{ digest: string; referrers: { digest: string; subject: string; via: string }[] }>(c);
    expect(copied.digest).toBe(subject.digest);
    expect(copied.referrers).toEqual([
      expect.objectContaining({ digest: sbomDigest, subject: subject.digest, via: 'fallback' }),
      expect.objectContaining({ subject: sbomDigest, via: 'fallback' }),
    ]);
    expect((await fallbackIndex(dest, subject.digest)).manifests.map((m) => m.digest)).toEqual([sbomDigest]);
    const tree = json<Discovered>(await runCli(['discover', `${registry.host}/${dest}:v1`, '-o', 'json']));
    expect(tree.referrers[0]).toMatchObject({ digest: sbomDigest, referrers: [expect.objectContaining({ artifactType: 'application/vnd.example.signature' })] });

    const bad = await runCli(['copy', subject.ref, `${registry.host}/${dest}:v2`, '--referrers', '--annotation', 'a=b']);
    expect(bad.code, explain(bad)).toBe(2);
    expect(bad.stderr).toMatch(/^error: --referrers cannot be combined with --annotation/);
  });
});

describe('legacy cosign tags', () => {
  it('discover shows sha256-<hex>.sig beside the subject; copy --referrers carries it as the same tag', async () => {
    const repo = `referrers/${suffix()}`;
    const subject = await pushSubject(repo);
    const sigTag = `${tagOf(subject.digest)}.sig`;
    const pushed = await runCli(['push', `${sig}:application/vnd.dev.cosign.simplesigning.v1+json`, `${registry.host}/${repo}:${sigTag}`, '-o', 'json']);
    expect(pushed.code, explain(pushed)).toBe(0);
    const sigDigest = json<{ digest: string }>(pushed).digest;

    const d = json<Discovered>(await runCli(['discover', subject.ref, '-o', 'json']));
    expect(d.referrers).toEqual([expect.objectContaining({ digest: sigDigest, source: 'cosign', tag: sigTag })]);

    const dest = `referrers/${suffix()}-copy`;
    const c = await runCli(['copy', subject.ref, `${registry.host}/${dest}:v1`, '--referrers', '-o', 'json']);
    expect(c.code, explain(c)).toBe(0);
    expect(json<{ referrers: unknown[] }>(c).referrers).toEqual([expect.objectContaining({ digest: sigDigest, via: 'cosign-tag' })]);
    expect(JSON.parse((await inspectRaw(`${registry.host}/${dest}:${sigTag}`, PLAIN)).toString('utf8'))).toMatchObject({ layers: [expect.objectContaining({ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json' })] });
  });
});

describe('.lazy subject', () => {
  it('pushes an SBOM after the image it names, to the same repository by digest, listed in the fallback tag', async () => {
    const dir = await mkdtemp(path.join(work, 'lazy-'));
    const repo = `referrers/${suffix()}`;
    await writeFile(path.join(dir, 'app.txt'), `app ${suffix()}`);
    await writeFile(path.join(dir, 'sbom.json'), '{"spdxVersion":"SPDX-2.3"}');
    await writeFile(
      path.join(dir, '.lazy'),
      `version: 1
artifacts:
  - type: artifact
    name: sbom
    subject: app
    mediaType: application/spdx+json
    files: [{path: sbom.json}]
  - type: artifact
    name: app
    files: [{path: app.txt}]
    targets:
      - registry: ${registry.host}/${repo}
        tags: [v1]
`,
    );
    const b = await runCli(['build', '-o', 'json'], { cwd: dir });
    expect(b.code, explain(b)).toBe(0);
    const results = json<{ name: string; targets: { reference: string; digest: string; subject?: string; listedBy?: string }[] }[]>(b);
    expect(results.map((r) => r.name)).toEqual(['app', 'sbom']);
    const appDigest = results[0]!.targets[0]!.digest;
    expect(results[1]!.targets).toEqual([
      expect.objectContaining({ reference: `${registry.host}/${repo}@${results[1]!.targets[0]!.digest}`, subject: appDigest, listedBy: 'fallback' }),
    ]);
    expect((await fallbackIndex(repo, appDigest)).manifests).toEqual([expect.objectContaining({ digest: results[1]!.targets[0]!.digest, artifactType: 'application/spdx+json' })]);

    await writeFile(path.join(dir, 'bad.lazy'), `version: 1\nartifacts:\n  - type: artifact\n    subject: nothing\n    files: [{path: sbom.json}]\n`);
    const v = await runCli(['validate', 'bad.lazy'], { cwd: dir });
    expect(v.code, explain(v)).toBe(2);
    expect(v.stderr).toBe('bad.lazy:4:14: artifacts[0].subject: no artifact named "nothing" in this file (names: none has a name)\n');
  });
});

describe('the fallback index under concurrent writers', () => {
  let clients: RegistryClient[];
  beforeAll(async () => {
    clients = await Promise.all([0, 1].map(() => RegistryClient.create({ env: {}, userAgent: 'lazyoci-test' })));
  });
  afterAll(async () => Promise.all(clients.map((c) => c.close())));

  it('keeps both referrers when two attach runs race on one subject, 20 times over', async () => {
    const repo = `referrers/${suffix()}-race`;
    let conflicts = 0;
    for (let round = 0; round < 20; round++) {
      // A distinct subject per round, pushed in-process to keep the 20 rounds quick.
      const subjectFile = path.join(work, `race-${round}-${suffix()}.txt`);
      await writeFile(subjectFile, `race ${round} ${suffix()}`);
      const pkg = await packageArtifact(asPlannedArtifact({ files: [{ file: { file: subjectFile }, path: subjectFile }] }), { env: {} });
      const reference = parseReference(`${registry.host}/${repo}-${round}:v1`);
      await copyGraph(pkg.store, pkg.root, clients[0]!.repository(reference, 'push'), ['v1']);
      const subject = { digest: pkg.root.digest };
      const files = [sbom, sig].map((p) => ({ file: { file: p }, path: p }));
      const results = await Promise.all(
        clients.map((client, i) =>
          attach(client.repository(reference, 'push'), { reference, files: [files[i]!], artifactType: `application/vnd.example.writer${i}`, settleMs: 30 }),
        ),
      );
      const index = await fallbackIndex(`${repo}-${round}`, subject.digest);
      expect(index.manifests.map((m) => m.digest).sort(), `round ${round}`).toEqual(results.map((r) => r.attached[0]!.digest).sort());
      const tree = await discover(clients[0]!.repository(reference, 'pull'), { reference });
      conflicts += tree.referrers.length === 2 ? 0 : 1;
    }
    expect(conflicts).toBe(0);
  }, 120_000);

  it('two CLI processes at once leave both referrers', async () => {
    const repo = `referrers/${suffix()}-procs`;
    const subject = await pushSubject(repo);
    const runs = await Promise.all([
      runCli(['attach', subject.ref, sbom, '--artifact-type', 'application/spdx+json', '-q']),
      runCli(['attach', subject.ref, sig, '--artifact-type', 'application/vnd.example.signature', '-q']),
    ]);
    for (const r of runs) expect(r.code, explain(r)).toBe(0);
    expect((await fallbackIndex(repo, subject.digest)).manifests).toHaveLength(2);
  });

  it('lists a referrer pushed before its subject exists', async () => {
    const repo = `referrers/${suffix()}-early`;
    const client = clients[0]!;
    const target = client.repository({ registry: registry.host, repository: repo }, 'push');
    const subjectFile = path.join(work, `later-${suffix()}.txt`);
    await writeFile(subjectFile, `later ${suffix()}`);
    const subjectPkg = await packageArtifact(asPlannedArtifact({ files: [{ file: { file: subjectFile }, path: subjectFile }] }), { env: {} });
    const referrer = await packageArtifact(asPlannedArtifact({ files: [{ file: { file: sbom }, path: sbom }], artifactType: 'application/spdx+json' }), {
      env: {},
      subject: subjectPkg.root,
    });
    await copyGraph(referrer.store, referrer.root, target, []);
    const indexed = await indexReferrer(target, subjectPkg.root.digest, referrer.root, referrer.manifest);
    expect(indexed.via).toBe('fallback');
    await copyGraph(subjectPkg.store, subjectPkg.root, target, ['v1']);
    const tree = await discover(target, { reference: parseReference(`${registry.host}/${repo}:v1`) });
    expect(tree.referrers.map((r) => r.digest)).toEqual([referrer.root.digest]);
  });
});
