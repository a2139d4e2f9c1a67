// The referrers API path. No registry with the API can be installed on the test bed, so
// these tests use a TEST-ONLY stand-in (support/referrers-front.ts): a front for the real
// distribution registry that serves /referrers/ from the registry's real manifests and
// answers OCI-Subject. The same front, with If-Match honoured, tests the conditional PUT.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { explain, json, runCli } from './support/cli.js';
import { startReferrersFront, type ReferrersFront } from './support/referrers-front.js';
import { inspectRaw } from './support/skopeo.js';

const registry = inject('registries').http;
const PLAIN = { tls: 'skip' } as const;
const suffix = (): string => Math.random().toString(36).slice(2, 8);
const tagOf = (digest: string): string => digest.replace(':', '-');

interface Discovered {
  api: boolean;
  referrers: { digest: string; source: string; artifactType?: string; referrers: unknown[] }[];
}
interface Attached {
  attached: { digest: string; via: string }[];
}
interface Index {
  manifests: { digest: string; artifactType?: string }[];
}

let work: string;
const files: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-referrers-api-'));
  for (const name of ['a.json', 'b.json', 'c.json']) {
    const file = path.join(work, name);
    await writeFile(file, `{"${name}":"${suffix()}"}`);
    files.push(file);
  }
});
afterAll(async () => rm(work, { recursive: true, force: true }));

async function pushSubject(host: string, repo: string): Promise<{ ref: string; digest: string }> {
  const file = path.join(work, `subject-${suffix()}.txt`);
  await writeFile(file, `subject ${suffix()}`);
  const ref = `${host}/${repo}:v1`;
  const res = await runCli(['push', file, ref, '-o', 'json']);
  expect(res.code, explain(res)).toBe(0);
  return { ref, digest: json<{ digest: string }>(res).digest };
}

/** The registry's own answer for a tag, bypassing any front. */
async function tagStatus(repo: string, tag: string): Promise<number> {
  const res = await fetch(`${registry.url}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.index.v1+json' } });
  return res.status;
}

describe('with the referrers API (test-only front for distribution)', () => {
  let front: ReferrersFront;
  beforeAll(async () => {
    front = await startReferrersFront(registry.url, { pageSize: 1 });
  });
  afterAll(async () => front.stop());

  it('attach relies on the API (no fallback tag); discover pages and filters through it', async () => {
    const repo = `refapi/${suffix()}`;
    const subject = await pushSubject(front.host, repo);
    const types = ['application/spdx+json', 'application/vnd.example.signature', 'application/spdx+json'];
    for (const [i, file] of files.entries()) {
      const a = await runCli(['attach', subject.ref, file, '--artifact-type', types[i]!, '-o', 'json']);
      expect(a.code, explain(a)).toBe(0);
      expect(json<Attached>(a).attached[0]!.via).toBe('api');
    }
    expect(await tagStatus(repo, tagOf(subject.digest))).toBe(404);

    const before = front.seen.length;
    const d = json<Discovered>(await runCli(['discover', subject.ref, '-o', 'json']));
    expect(d.api).toBe(true);
    expect(d.referrers.map((r) => r.source)).toEqual(['api', 'api', 'api']);
    // One referrer a page: the Link header was followed.
    expect(front.seen.slice(before).filter((r) => r.path.startsWith(`/v2/${repo}/referrers/${subject.digest}`)).length).toBeGreaterThanOrEqual(3);

    const f = json<Discovered>(await runCli(['discover', subject.ref, '--artifact-type', 'application/spdx+json', '-o', 'json']));
    expect(f.referrers.map((r) => r.artifactType)).toEqual(['application/spdx+json', 'application/spdx+json']);
  });

  it('copy --referrers: API source → fallback destination, and fallback source → API destination', async () => {
    const repo = `refapi/${suffix()}`;
    const subject = await pushSubject(front.host, repo);
    const a = json<Attached>(await runCli(['attach', subject.ref, files[0]!, '--artifact-type', 'application/spdx+json', '-o', 'json']));

    // To the plain registry, which has no API: the destination gets a fallback index.
    const plainDest = `refapi/${suffix()}-plain`;
    const toPlain = await runCli(['copy', subject.ref, `${registry.host}/${plainDest}:v1`, '--referrers', '-o', 'json']);
    expect(toPlain.code, explain(toPlain)).toBe(0);
    expect(json<{ referrers: { via: string }[] }>(toPlain).referrers).toEqual([expect.objectContaining({ digest: a.attached[0]!.digest, via: 'fallback' })]);
    const index = JSON.parse((await inspectRaw(`${registry.host}/${plainDest}:${tagOf(subject.digest)}`, PLAIN)).toString('utf8')) as Index;
    expect(index.manifests).toEqual([expect.objectContaining({ digest: a.attached[0]!.digest, artifactType: 'application/spdx+json' })]);

    // And back through the front, which has the API: no fallback tag is written there.
    const apiDest = `refapi/${suffix()}-api`;
    const toApi = await runCli(['copy', `${registry.host}/${plainDest}:v1`, `${front.host}/${apiDest}:v1`, '--referrers', '-o', 'json']);
    expect(toApi.code, explain(toApi)).toBe(0);
    expect(json<{ referrers: { via: string }[] }>(toApi).referrers).toEqual([expect.objectContaining({ digest: a.attached[0]!.digest, via: 'api' })]);
    expect(await tagStatus(apiDest, tagOf(subject.digest))).toBe(404);
    const d = json<Discovered>(await runCli(['discover', `${front.host}/${apiDest}:v1`, '-o', 'json']));
    expect(d.referrers).toEqual([expect.objectContaining({ digest: a.attached[0]!.digest, source: 'api' })]);
  });
});

describe('conditional PUT of the fallback index (If-Match), through a test-only front', () => {
  it('a 412 from another writer winning the race makes lazyoci re-read, merge and write again', async () => {
    const repo = `refapi/${suffix()}-cond`;
    let raced = false;
    // The other writer's referrer: a real manifest (distribution checks what an index lists).
    const other = await pushSubject(registry.host, repo);
    const foreign = other.digest;
    // Another writer updates the index between lazyoci's read and its conditional write.
    const otherWriter = async (repository: string, reference: string): Promise<void> => {
      if (raced || !reference.startsWith('sha256-')) return;
      raced = true;
      const accept = { accept: 'application/vnd.oci.image.index.v1+json' };
      const current = (await (await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, { headers: accept })).json()) as Index & Record<string, unknown>;
      const size = (await inspectRaw(`${registry.host}/${repository}@${foreign}`, PLAIN)).length;
      current.manifests.push({ digest: foreign, artifactType: 'application/vnd.example.other', ...{ mediaType: 'application/vnd.oci.image.manifest.v1+json', size } });
      const put = await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' },
        body: JSON.stringify(current),
      });
      expect(put.status).toBe(201);
    };
    const front = await startReferrersFront(registry.url, { serveApi: false, ociSubject: false, conditional: true, beforeConditionalPut: otherWriter });
    try {
      const subject = await pushSubject(front.host, repo);
      const first = json<Attached>(await runCli(['attach', subject.ref, files[0]!, '--artifact-type', 'application/spdx+json', '-o', 'json']));
      const second = await runCli(['attach', subject.ref, files[1]!, '--artifact-type', 'application/vnd.example.signature', '-o', 'json']);
      expect(second.code, explain(second)).toBe(0);
      const tag = tagOf(subject.digest);
      const puts = front.seen.filter((r) => r.method === 'PUT' && r.path.endsWith(`/manifests/${tag}`));
      expect(puts.map((r) => r.status)).toEqual([201, 412, 201]);
      expect(puts[1]!.ifMatch).toMatch(/^"sha256:[0-9a-f]{64}"$/);
      const index = JSON.parse((await inspectRaw(`${registry.host}/${repo}:${tag}`, PLAIN)).toString('utf8')) as Index;
      expect(index.manifests.map((m) => m.digest)).toEqual([first.attached[0]!.digest, foreign, json<Attached>(second).attached[0]!.digest]);
    } finally {
      await front.stop();
    }
  });
});
