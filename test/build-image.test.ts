// `type: image` end to end: buildah builds a two-platform FROM scratch image, lazyoci
// pushes the index through the copy engine, skopeo reads every manifest back.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runCli } from './support/cli.js';
import { copyToLayout, inspectRaw, verifyLayoutBlobs } from './support/skopeo.js';

const http = inject('registries').http;
const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface BuildJson {
  name: string;
  type: string;
  targets: { reference: string; digest: string; pushed: boolean }[];
}

describe('image artifacts', () => {
  it('builds a two-platform image with buildah and pushes it as an index, with the digest the dry run printed', async () => {
    const prefix = `${http.host}/img-${Math.random().toString(36).slice(2, 8)}`;
    const env = { LAZYOCI_REGISTRY: prefix };
    const dry = await runCli(['build', 'examples/image', '--tag', 'v2.1.0', '--dry-run=build', '-o', 'json'], { env });
    expect(dry.code, dry.stderr).toBe(0);
    const [planned] = JSON.parse(dry.stdout) as BuildJson[];

    const real = await runCli(['build', 'examples/image', '--tag', 'v2.1.0', '-o', 'json'], { env });
    expect(real.code, real.stderr).toBe(0);
    const [pushed] = JSON.parse(real.stdout) as BuildJson[];
    expect(pushed).toMatchObject({ name: 'site', type: 'image' });
    expect(pushed!.targets.map((t) => t.reference)).toEqual([`${prefix}/examples/site:2.1.0`, `${prefix}/examples/site:latest`]);
    expect(pushed!.targets.map((t) => t.digest)).toEqual(planned!.targets.map((t) => t.digest));

    const raw = await inspectRaw(pushed!.targets[0]!.reference, { tls: 'skip' });
    expect(sha256(raw)).toBe(pushed!.targets[0]!.digest);
    const index = JSON.parse(raw.toString('utf8'));
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests.map((m: { platform: { os: string; architecture: string } }) => `${m.platform.os}/${m.platform.architecture}`)).toEqual([
      'linux/amd64',
      'linux/arm64',
    ]);
    const repo = pushed!.targets[0]!.reference.replace(/:[^:/]+$/, '');
    for (const child of index.manifests as { digest: string; platform: { architecture: string } }[]) {
      const manifest = JSON.parse((await inspectRaw(`${repo}@${child.digest}`, { tls: 'skip' })).toString('utf8'));
      expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
      const layout = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-img-'));
      try {
        await copyToLayout(`${repo}@${child.digest}`, layout, 'x', { tls: 'skip', preserveDigests: true });
        await verifyLayoutBlobs(layout);
        const config = JSON.parse(await readFile(path.join(layout, 'blobs', 'sha256', manifest.config.digest.slice(7)), 'utf8'));
        expect(config.architecture).toBe(child.platform.architecture);
        // The build arg rendered from {{ .Version }} reached the Dockerfile's LABEL.
        expect(config.config.Labels['org.opencontainers.image.version']).toBe('2.1.0');
      } finally {
        await rm(layout, { recursive: true, force: true });
      }
    }
  });

  it('builds only the platforms given with --platform', async () => {
    const prefix = `${http.host}/img-${Math.random().toString(36).slice(2, 8)}`;
    const res = await runCli(['build', 'examples/image', '--tag', 'v2.1.0', '--platform', 'linux/arm64', '-o', 'json'], {
      env: { LAZYOCI_REGISTRY: prefix },
    });
    expect(res.code, res.stderr).toBe(0);
    const [pushed] = JSON.parse(res.stdout) as BuildJson[];
    const manifest = JSON.parse((await inspectRaw(pushed!.targets[0]!.reference, { tls: 'skip' })).toString('utf8'));
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
  });
});
