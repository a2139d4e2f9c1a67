// `type: docker` end to end: a docker-save tarball (made here by skopeo) converted to OCI
// and pushed by `lazyoci build`; a daemon image without a daemon fails in one clear line.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from './support/cli.js';
import { writeImageLayout } from './support/image-layout-fixture.js';
import { inspectRaw, skopeoCopy } from './support/skopeo.js';

const http = inject('registries').http;
const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('docker artifacts', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-docker-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('converts a docker-archive tarball to OCI and pushes it, config bytes and layer digests kept', async () => {
    const layout = path.join(dir, 'layout');
    const image = await writeImageLayout(layout, 'v1');
    await skopeoCopy(`oci:${layout}:v1`, `docker-archive:${path.join(dir, 'app.tar')}:example/app:v1`);
    const repo = `${http.host}/docker-${Math.random().toString(36).slice(2, 8)}/app`;
    await writeFile(
      path.join(dir, '.lazy'),
      `version: 1\nartifacts:\n  - type: docker\n    archive: app.tar\n    targets: [{ registry: "${repo}", tags: ["{{ .Tag }}"] }]\n`,
    );
    const dry = await runCli(['build', '--tag', 'v1', '--dry-run', '-o', 'json'], { cwd: dir });
    const res = await runCli(['build', '--tag', 'v1', '-o', 'json'], { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    const [result] = JSON.parse(res.stdout) as { type: string; targets: { reference: string; digest: string; pushed: boolean }[] }[];
    expect(result!.type).toBe('docker');
    expect(result!.targets[0]!.pushed).toBe(true);
    expect(JSON.parse(dry.stdout)[0].targets[0].digest).toBe(result!.targets[0]!.digest);

    const raw = await inspectRaw(`${repo}:v1`, { tls: 'skip' });
    expect(sha256(raw)).toBe(result!.targets[0]!.digest);
    const manifest = JSON.parse(raw.toString('utf8'));
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.config.mediaType).toBe('application/vnd.oci.image.config.v1+json');
    // Uncompressed docker layers keep their bytes, so their digests are the config's diff_ids.
    expect(manifest.layers.map((l: { digest: string }) => l.digest)).toEqual(image.diffIds);
    expect(manifest.config.digest).toBe(sha256(image.config));
  });

  it('says a daemon image needs docker save, in one line, when no daemon answers', async () => {
    await writeFile(
      path.join(dir, '.lazy'),
      `version: 1\nartifacts:\n  - type: docker\n    image: example/app:v1\n    targets: [{ registry: "${http.host}/docker-none/app", tags: [v1] }]\n`,
    );
    // Here the docker client may be installed but no daemon runs (or no client at all).
    const res = await runCli(['build'], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/docker save/);
    expect(res.stderr).not.toMatch(/^\s+at /m);
  });
});
