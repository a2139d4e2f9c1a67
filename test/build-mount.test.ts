// `lazyoci build` sends each blob to a registry once per run: a later target (or
// artifact) on the same registry mounts what an earlier one uploaded, as the registry's
// own access log shows; a registry that refuses the mount gets an upload instead.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from './support/cli.js';
import { startFaultProxy } from './support/fault-proxy.js';
import { copyToLayout, inspectRaw, verifyLayoutBlobs } from './support/skopeo.js';

const http = inject('registries').http;
const auth = inject('registries').auth;

const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const suffix = (): string => Math.random().toString(36).slice(2, 8);
const EMPTY_CONFIG = sha256('{}');

interface TargetJson {
  reference: string;
  digest: string;
  pushed: boolean;
  uploaded?: number;
  mounted?: number;
  skipped?: number;
}
interface BuildJson {
  name: string;
  targets: TargetJson[];
}

async function logLineCount(file: string): Promise<number> {
  return (await readFile(file, 'utf8')).split('\n').length;
}

/** Access-log request lines written since line `from` (1-based). */
async function requestsSince(file: string, from: number): Promise<string[]> {
  const lines = (await readFile(file, 'utf8')).split('\n').slice(from - 1);
  return lines.filter((l) => / "(GET|HEAD|PUT|POST|PATCH|DELETE) \/v2\//.test(l));
}

/** Blob upload requests into one repository: session opens (not mounts), PATCHes and PUTs. */
function uploadsInto(requests: string[], repo: string): string[] {
  return requests.filter(
    (l) =>
      (l.includes(`"POST /v2/${repo}/blobs/uploads/ `) || new RegExp(`"(PATCH|PUT) /v2/${repo}/blobs/uploads/`).test(l)) &&
      !l.includes('mount='),
  );
}

function mountsInto(requests: string[], repo: string): string[] {
  return requests.filter((l) => l.includes(`"POST /v2/${repo}/blobs/uploads/?`) && l.includes('mount='));
}

describe('build mounts blobs across repositories of one registry', () => {
  let work: string;
  let payload: Buffer;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-build-mount-'));
    payload = randomBytes(3 << 20);
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  async function project(lazy: string): Promise<string> {
    const dir = await mkdtemp(path.join(work, 'p-'));
    await writeFile(path.join(dir, 'big.bin'), payload);
    await writeFile(path.join(dir, '.lazy'), lazy);
    return dir;
  }

  it('uploads a file once for two targets on one registry: the second mounts it, per the registry log', async () => {
    const id = suffix();
    const dir = await project(`version: 1
artifacts:
  - type: artifact
    name: big
    files: [{ path: big.bin }]
    targets:
      - registry: "${http.host}/demo-${id}/big"
        tags: [v1]
      - registry: "${http.host}/demo-${id}/big2"
        tags: [v1, latest]
`);
    const before = await logLineCount(http.logFile);
    const res = await runCli(['build', '-o', 'json', dir]);
    expect(res.code, res.stderr).toBe(0);
    const requests = await requestsSince(http.logFile, before);

    // The first target uploads both blobs (the empty config and the file).
    expect(requests.filter((l) => l.includes(`"PUT /v2/demo-${id}/big/blobs/uploads/`))).toHaveLength(2);
    // The second mounts each of them from the first, and uploads nothing.
    const mounts = mountsInto(requests, `demo-${id}/big2`);
    for (const digest of [EMPTY_CONFIG, sha256(payload)]) {
      const mount = mounts.filter((l) => l.includes(`mount=${encodeURIComponent(digest)}`));
      expect(mount, requests.join('\n')).toHaveLength(1);
      expect(mount[0]).toContain(`from=${encodeURIComponent(`demo-${id}/big`)}`);
      expect(mount[0]).toMatch(/HTTP\/1\.1" 201 /);
    }
    expect(uploadsInto(requests, `demo-${id}/big2`), requests.join('\n')).toEqual([]);

    const [result] = JSON.parse(res.stdout) as BuildJson[];
    const digest = result!.targets[0]!.digest;
    expect(result!.targets).toEqual([
      { reference: `${http.host}/demo-${id}/big:v1`, digest, pushed: true, uploaded: 2, mounted: 0, skipped: 0 },
      { reference: `${http.host}/demo-${id}/big2:v1`, digest, pushed: true, uploaded: 0, mounted: 2, skipped: 0 },
      { reference: `${http.host}/demo-${id}/big2:latest`, digest, pushed: true, uploaded: 0, mounted: 2, skipped: 0 },
    ]);
    // The progress lines say where each mounted blob came from.
    expect(res.stderr).toContain(`from ${http.host}/demo-${id}/big into ${http.host}/demo-${id}/big2`);

    // skopeo reads the mounted repository back, blob bytes and all.
    expect(sha256(await inspectRaw(`${http.host}/demo-${id}/big2:latest`, { tls: 'skip' }))).toBe(digest);
    const layout = path.join(work, `readback-${id}`);
    await copyToLayout(`${http.host}/demo-${id}/big2:latest`, layout, 'x', { tls: 'skip', preserveDigests: true });
    expect((await verifyLayoutBlobs(layout)).get(sha256(payload))).toBe(payload.length);
  });

  it('mounts across artifacts of one run that share a blob, and says so in the text summary', async () => {
    const id = suffix();
    const dir = await project(`version: 1
artifacts:
  - type: artifact
    name: first
    mediaType: application/vnd.lazyoci.test.first
    files: [{ path: big.bin }]
    targets: [{ registry: "${http.host}/share-${id}/first", tags: [v1] }]
  - type: artifact
    name: second
    mediaType: application/vnd.lazyoci.test.second
    files: [{ path: big.bin }]
    targets: [{ registry: "${http.host}/share-${id}/second", tags: [v1] }]
`);
    const before = await logLineCount(http.logFile);
    const res = await runCli(['build', dir]);
    expect(res.code, res.stderr).toBe(0);
    const requests = await requestsSince(http.logFile, before);
    expect(uploadsInto(requests, `share-${id}/second`), requests.join('\n')).toEqual([]);
    expect(mountsInto(requests, `share-${id}/second`).filter((l) => /HTTP\/1\.1" 201 /.test(l))).toHaveLength(2);
    expect(res.stdout).toMatch(new RegExp(`share-${id}/second:v1 .*pushed \\(0 uploaded, 2 mounted, 0 already there\\)`));
  });

  it('mounts with credentials on a registry that requires them', async () => {
    const id = suffix();
    const dir = await project(`version: 1
artifacts:
  - type: artifact
    files: [{ path: big.bin }]
    targets:
      - { registry: "${auth.host}/authmount-${id}/a", tags: [v1] }
      - { registry: "${auth.host}/authmount-${id}/b", tags: [v1] }
`);
    const before = await logLineCount(auth.logFile);
    const res = await runCli(['build', '-o', 'json', dir], {
      env: { LAZYOCI_USERNAME: auth.username!, LAZYOCI_PASSWORD: auth.password! },
    });
    expect(res.code, res.stderr).toBe(0);
    const requests = await requestsSince(auth.logFile, before);
    expect(uploadsInto(requests, `authmount-${id}/b`), requests.join('\n')).toEqual([]);
    const [result] = JSON.parse(res.stdout) as BuildJson[];
    expect(result!.targets[1]).toMatchObject({ pushed: true, uploaded: 0, mounted: 2 });
  });

  it('uploads instead when the registry refuses the mount', async () => {
    const id = suffix();
    const proxy = await startFaultProxy(http.url);
    try {
      // The mount is refused as a registry without read access to the source would.
      proxy.setRule((r) =>
        r.method === 'POST' && r.path.includes('mount=')
          ? { status: 401, headers: { 'content-type': 'application/json' }, body: '{"errors":[{"code":"DENIED","message":"no"}]}' }
          : undefined,
      );
      const dir = await project(`version: 1
artifacts:
  - type: artifact
    files: [{ path: big.bin }]
    targets:
      - { registry: "${proxy.host}/refused-${id}/a", tags: [v1] }
      - { registry: "${proxy.host}/refused-${id}/b", tags: [v1] }
`);
      const res = await runCli(['build', '-o', 'json', dir]);
      expect(res.code, res.stderr).toBe(0);
      expect(proxy.seen.filter((r) => r.method === 'POST' && r.path.includes(`/refused-${id}/b/`) && r.path.includes('mount='))).toHaveLength(2);
      const [result] = JSON.parse(res.stdout) as BuildJson[];
      expect(result!.targets[1]).toMatchObject({ pushed: true, uploaded: 2, mounted: 0 });
      expect(sha256(await inspectRaw(`${http.host}/refused-${id}/b:v1`, { tls: 'skip' }))).toBe(result!.targets[1]!.digest);
    } finally {
      await proxy.stop();
    }
  });
});
