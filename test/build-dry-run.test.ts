// `lazyoci build --dry-run` is a preview that works on any machine: run here with a PATH
// that has neither docker nor buildah, it gives exact digests for files, charts and
// docker archives, lists image builds and daemon images without one, sends nothing and
// exits 0 — while still refusing everything a real build would refuse.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli, type CliResult } from './support/cli.js';
import { startConnectionCounter, type ConnectionCounter } from './support/connection-counter.js';
import { writeImageLayout } from './support/image-layout-fixture.js';
import { skopeoCopy } from './support/skopeo.js';

const http = inject('registries').http;

interface TargetJson {
  reference: string;
  digest: string | null;
  pushed: boolean;
  note?: string;
  error?: string;
}
interface BuildJson {
  name: string;
  type: string;
  targets: TargetJson[];
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

describe('build --dry-run without docker or buildah', () => {
  let work: string;
  /** A PATH with node and git only. */
  let bareBin: string;
  let counter: ConnectionCounter;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-dry-run-'));
    bareBin = path.join(work, 'bin');
    await mkdir(bareBin);
    for (const tool of ['node', 'git']) {
      const found = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
      await symlink(found, path.join(bareBin, tool));
    }
    counter = await startConnectionCounter();
  });
  afterAll(async () => {
    await counter.stop();
    await rm(work, { recursive: true, force: true });
  });

  /** The CLI with no docker and no buildah to be found. */
  function bare(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
    return runCli(args, { ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }), env: { PATH: bareBin, ...opts.env } });
  }

  it('previews .lazy.example: exact digests for the artifact and the chart, none (with why) for the image and the daemon image; exit 0, nothing sent', async () => {
    const env = { LAZYOCI_REGISTRY: `${counter.host}/acme` };
    const res = await bare(['build', '-f', '.lazy.example', '--tag', 'v1.2.3', '--dry-run', '-o', 'json'], { env });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toMatch(/docker save|no image builder|failed/);
    const results = JSON.parse(res.stdout) as BuildJson[];
    expect(results.map((r) => `${r.name}:${r.type}`)).toEqual(['app-config:artifact', 'hello-chart:helm', 'site:image', 'legacy:docker']);
    const [config, chart, site, legacy] = results;
    for (const t of [...config!.targets, ...chart!.targets]) {
      expect(t.digest).toMatch(DIGEST);
      expect(t.pushed).toBe(false);
      expect(t.note).toBeUndefined();
    }
    expect(site!.targets.map((t) => t.reference)).toEqual([`${counter.host}/acme/site:1.2.3`, `${counter.host}/acme/site:stable`, 'oci-layout:out/site:1.2.3']);
    for (const t of [...site!.targets, ...legacy!.targets]) {
      expect(t).toEqual({ reference: t.reference, digest: null, pushed: false, note: expect.stringContaining('--dry-run=build') });
    }
    expect(site!.targets[0]!.note).toMatch(/not computed/);
    expect(legacy!.targets[0]!.note).toMatch(/acme\/legacy:1\.0.*Docker daemon/);
    expect(counter.connections()).toBe(0);

    // The text summary says the same, and the file's own digests match the JSON run.
    const text = await bare(['build', '-f', '.lazy.example', '--tag', 'v1.2.3', '--dry-run'], { env });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`${config!.targets[0]!.reference}  ${config!.targets[0]!.digest}  would push`);
    expect(text.stdout).toMatch(/· \S+\/acme\/site:stable {2}digest not computed: .*--dry-run=build/);
    expect(text.stderr).toMatch(/^legacy: digest not computed/m);
    expect(counter.connections()).toBe(0);
  });

  it('takes the path after a bare --dry-run as the path, and refuses an unknown mode with exit 2', async () => {
    const env = { LAZYOCI_REGISTRY: `${counter.host}/acme` };
    const res = await bare(['build', '--dry-run', 'examples/image', '--tag', 'v1.0.0', '-o', 'json'], { env });
    expect(res.code, res.stderr).toBe(0);
    const [site] = JSON.parse(res.stdout) as BuildJson[];
    expect(site).toMatchObject({ name: 'site', type: 'image' });
    expect(site!.targets.every((t) => t.digest === null)).toBe(true);

    const bad = await bare(['build', 'examples/image', '--dry-run=maybe'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--dry-run=maybe');
    expect(bad.stderr).not.toMatch(/^\s+at /m);
  });

  it('runs the builder only when asked with --dry-run=build (which then needs one)', async () => {
    const env = { LAZYOCI_REGISTRY: `${counter.host}/acme` };
    const res = await bare(['build', 'examples/image', '--tag', 'v1.0.0', '--dry-run=build', '-o', 'json'], { env });
    expect(res.code).toBe(1);
    const [site] = JSON.parse(res.stdout) as BuildJson[];
    expect(site!.targets[0]!.error).toMatch(/no image builder found/);
    expect(counter.connections()).toBe(0);
  });

  it('digests a docker archive exactly without a daemon: the digest a real push gives', async () => {
    const dir = await mkdtemp(path.join(work, 'archive-'));
    const layout = path.join(dir, 'layout');
    await writeImageLayout(layout, 'v1');
    await skopeoCopy(`oci:${layout}:v1`, `docker-archive:${path.join(dir, 'app.tar')}:example/app:v1`);
    const repo = `${http.host}/dry-${Math.random().toString(36).slice(2, 8)}/app`;
    await writeFile(
      path.join(dir, '.lazy'),
      `version: 1\nartifacts:\n  - type: docker\n    archive: app.tar\n    targets: [{ registry: "${repo}", tags: [v1] }]\n`,
    );
    const dry = await bare(['build', '--dry-run', '-o', 'json'], { cwd: dir });
    expect(dry.code, dry.stderr).toBe(0);
    const planned = (JSON.parse(dry.stdout) as BuildJson[])[0]!.targets[0]!;
    expect(planned.digest).toMatch(DIGEST);
    const real = await bare(['build', '-o', 'json'], { cwd: dir });
    expect(real.code, real.stderr).toBe(0);
    expect((JSON.parse(real.stdout) as BuildJson[])[0]!.targets[0]).toMatchObject({ digest: planned.digest, pushed: true });
  });

  describe('still refuses what a real build refuses (exit 2, located, nothing sent)', () => {
    async function project(lazy: string, files: Record<string, string> = {}): Promise<string> {
      const dir = await mkdtemp(path.join(work, 'refuse-'));
      for (const [name, data] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
        await writeFile(path.join(dir, name), data);
      }
      await writeFile(path.join(dir, '.lazy'), lazy);
      return dir;
    }

    const cases: { what: string; lazy: (host: string) => string; files?: Record<string, string>; expect: RegExp }[] = [
      {
        what: 'a missing Dockerfile',
        lazy: (h) => `version: 1\nartifacts:\n  - type: image\n    dockerfile: nope/Dockerfile\n    targets: [{ registry: "${h}/x", tags: [v1] }]\n`,
        expect: /\.lazy:4:17: .*dockerfile/,
      },
      {
        what: 'a missing chart',
        lazy: (h) => `version: 1\nartifacts:\n  - type: helm\n    chartPath: charts/none\n    targets: [{ registry: "${h}/x", tags: [v1] }]\n`,
        expect: /\.lazy:4:16: .*chartPath/,
      },
      {
        what: 'an unknown template variable in an image target',
        lazy: (h) => `version: 1\nartifacts:\n  - type: image\n    targets: [{ registry: "${h}/x", tags: ["{{ .Nope }}"] }]\n`,
        files: { Dockerfile: 'FROM scratch\n' },
        expect: /\.lazy:4:\d+: .*tags\[0\].*Nope/,
      },
      {
        what: 'an invalid target reference for a daemon image',
        lazy: () => `version: 1\nartifacts:\n  - type: docker\n    image: acme/app:1\n    targets: [{ registry: "Not A Repo!", tags: [v1] }]\n`,
        expect: /\.lazy:5:\d+: .*registry/,
      },
      {
        what: 'a schema violation (docker with neither image nor archive)',
        lazy: (h) => `version: 1\nartifacts:\n  - type: docker\n    targets: [{ registry: "${h}/x", tags: [v1] }]\n`,
        expect: /\.lazy:3:\d+: .*"image" or "archive"/,
      },
      {
        what: 'a Dockerfile outside the project',
        lazy: (h) => `version: 1\nartifacts:\n  - type: image\n    dockerfile: ../Dockerfile\n    targets: [{ registry: "${h}/x", tags: [v1] }]\n`,
        expect: /\.lazy:4:17: .*dockerfile/,
      },
    ];

    for (const c of cases) {
      it(`refuses ${c.what}`, async () => {
        const dir = await project(c.lazy(counter.host), c.files);
        const res = await bare(['build', '--dry-run', '.'], { cwd: dir });
        expect(res.code, res.stderr).toBe(2);
        expect(res.stderr).toMatch(c.expect);
        expect(res.stderr).not.toMatch(/^\s+at /m);
        expect(res.stdout).toBe('');
        expect(counter.connections()).toBe(0);
      });
    }
  });
});
