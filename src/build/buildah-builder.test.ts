// Integration tests against the real buildah: FROM scratch builds need no emulation and no daemon.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OciLayoutStore } from '../content/oci-layout-store.js';
import { readAll } from '../content/store.js';
import { BuildError, CancelledError } from '../errors/index.js';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor, ImageIndex, ImageManifest } from '../oci/types.js';
import { BuildahBuilder, buildahBuildArgs } from './buildah-builder.js';
import type { BuiltImage, ImageBuildRequest } from './builder.js';

const run = promisify(execFile);

let dir: string;
let work: string;
let built: BuiltImage[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lazyoci-buildah-test-'));
  work = join(dir, 'work');
  await mkdir(work);
  await mkdir(join(dir, 'ctx'));
  await writeFile(join(dir, 'ctx', 'hello.txt'), 'hello from lazyoci\n');
  built = [];
});

afterEach(async () => {
  for (const b of built) await b.cleanup();
  await rm(dir, { recursive: true, force: true });
});

async function writeDockerfile(text: string): Promise<string> {
  const path = join(dir, 'ctx', 'Dockerfile');
  await writeFile(path, text);
  return path;
}

const SCRATCH_WITH_ARG = ['FROM scratch', 'ARG GREETING=none', 'LABEL greeting=$GREETING', 'COPY hello.txt /hello.txt', ''].join('\n');

async function request(over: Partial<ImageBuildRequest> = {}): Promise<ImageBuildRequest> {
  return {
    dockerfile: over.dockerfile ?? (await writeDockerfile(SCRATCH_WITH_ARG)),
    context: join(dir, 'ctx'),
    platforms: [],
    buildArgs: {},
    tag: 'localhost/lazyoci-test/app:build',
    ...over,
  };
}

async function buildWith(req: ImageBuildRequest, logs?: string[]): Promise<BuiltImage> {
  const b = await new BuildahBuilder({ tmpDir: work }).build(req, { onLog: (l) => logs?.push(l) });
  built.push(b);
  return b;
}

async function readBlobJson<T>(layout: string, desc: Descriptor): Promise<T> {
  return JSON.parse(await readFile(join(layout, 'blobs', 'sha256', desc.digest.slice(7)), 'utf8')) as T;
}

async function tarNames(gz: Buffer): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const ex = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => {
        chunks.push(c as Buffer);
      });
      stream.on('end', () => {
        out.set(header.name, Buffer.concat(chunks).toString('utf8'));
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  ex.end(gunzipSync(gz));
  await done;
  return out;
}

describe('BuildahBuilder', () => {
  it('builds a two-platform FROM scratch image into an OCI index with build args applied', async () => {
    const req = await request({
      platforms: ['linux/amd64', 'linux/arm64'],
      buildArgs: { GREETING: 'hi from a build arg' },
    });
    const started = Date.now();
    const logs: string[] = [];
    const b = await buildWith(req, logs);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(30_000);
    expect(logs.some((l) => l.includes('COPY hello.txt'))).toBe(true);

    expect(b.refName).toBe('latest');
    expect(b.root.mediaType).toBe(MediaType.imageIndex);
    const layoutIndex = JSON.parse(await readFile(join(b.layoutDir, 'index.json'), 'utf8')) as ImageIndex;
    expect(layoutIndex.manifests).toHaveLength(1);
    expect(layoutIndex.manifests[0]?.digest).toBe(b.root.digest);
    expect(JSON.parse(await readFile(join(b.layoutDir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });

    const index = await readBlobJson<ImageIndex>(b.layoutDir, b.root);
    expect(index.mediaType).toBe(MediaType.imageIndex);
    expect(index.manifests.map((m) => m.platform)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ]);
    for (const [i, arch] of ['amd64', 'arm64'].entries()) {
      const desc = index.manifests[i] as Descriptor;
      expect(desc.mediaType).toBe(MediaType.imageManifest);
      const manifest = await readBlobJson<ImageManifest>(b.layoutDir, desc);
      expect(manifest.mediaType).toBe(MediaType.imageManifest);
      expect(manifest.config.mediaType).toBe(MediaType.imageConfig);
      expect(manifest.layers.map((l) => l.mediaType)).toEqual([MediaType.imageLayerTarGzip]);
      const config = await readBlobJson<{ architecture: string; os: string; config: { Labels: Record<string, string> } }>(
        b.layoutDir,
        manifest.config,
      );
      expect(config.architecture).toBe(arch);
      expect(config.os).toBe('linux');
      expect(config.config.Labels.greeting).toBe('hi from a build arg');
      const layer = await readFile(join(b.layoutDir, 'blobs', 'sha256', (manifest.layers[0] as Descriptor).digest.slice(7)));
      const files = await tarNames(layer);
      expect(files.get('hello.txt')).toBe('hello from lazyoci\n');
    }

    // Every blob in the layout is what its name says.
    const blobDir = join(b.layoutDir, 'blobs', 'sha256');
    const names = await readdir(blobDir);
    expect(names.length).toBeGreaterThanOrEqual(6); // index, 2 manifests, 2 configs, 1 shared layer
    for (const name of names) {
      const hex = createHash('sha256').update(await readFile(join(blobDir, name))).digest('hex');
      expect(hex).toBe(name);
    }

    // The layout store the copy engine reads from sees the same root.
    const store = new OciLayoutStore(b.layoutDir);
    expect(await store.exists(b.root)).toBe(true);
    const rootBytes = await readAll(await store.fetch(b.root));
    expect(`sha256:${createHash('sha256').update(rootBytes).digest('hex')}`).toBe(b.root.digest);

    // An independent reader agrees.
    const { stdout } = await run('skopeo', ['inspect', '--raw', `oci:${b.layoutDir}:${b.refName}`]);
    expect(`sha256:${createHash('sha256').update(stdout).digest('hex')}`).toBe(b.root.digest);

    // Only the layout is left in the work dir; cleanup removes it all.
    const workDirs = await readdir(work);
    expect(workDirs).toHaveLength(1);
    expect(await readdir(join(work, workDirs[0] as string))).toEqual(['layout']);
    await b.cleanup();
    expect(await readdir(work)).toEqual([]);
    await b.cleanup();
  });

  it('gives the same digests for the same inputs when a timestamp is set', async () => {
    const req = await request({ platforms: ['linux/arm64', 'linux/amd64'], buildArgs: { GREETING: 'same' }, timestamp: 0 });
    const first = await buildWith(req);
    // A new mtime on the context file must not change the result.
    await writeFile(join(dir, 'ctx', 'hello.txt'), 'hello from lazyoci\n');
    const second = await buildWith(req);
    expect(second.root.digest).toBe(first.root.digest);
    const index = await readBlobJson<ImageIndex>(second.layoutDir, second.root);
    // The order asked for is the order in the index.
    expect(index.manifests.map((m) => m.platform?.architecture)).toEqual(['arm64', 'amd64']);
  });

  it('builds a single platform into an image manifest', async () => {
    const b = await buildWith(await request({ platforms: ['linux/arm64'], buildArgs: { GREETING: 'single' } }));
    expect(b.root.mediaType).toBe(MediaType.imageManifest);
    const manifest = await readBlobJson<ImageManifest>(b.layoutDir, b.root);
    expect(manifest.config.mediaType).toBe(MediaType.imageConfig);
    const config = await readBlobJson<{ architecture: string; config: { Labels: Record<string, string> } }>(
      b.layoutDir,
      manifest.config,
    );
    expect(config.architecture).toBe('arm64');
    expect(config.config.Labels.greeting).toBe('single');
  });

  it('builds for the host when no platform is given', async () => {
    const b = await buildWith(await request());
    expect(b.root.mediaType).toBe(MediaType.imageManifest);
    const manifest = await readBlobJson<ImageManifest>(b.layoutDir, b.root);
    const config = await readBlobJson<{ config: { Labels: Record<string, string> } }>(b.layoutDir, manifest.config);
    expect(config.config.Labels.greeting).toBe('none');
  });

  it("reports a Dockerfile error in one line with buildah's reason, keeps the whole output in a log, leaves no temp files", async () => {
    const req = await request({ dockerfile: await writeDockerfile('FROM scratch\nCOPY missing-file.txt /x\n') });
    const cache = join(dir, 'cache');
    const err = await new BuildahBuilder({ tmpDir: work, env: { ...process.env, XDG_CACHE_HOME: cache } }).build(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    const message = (err as BuildError).message;
    expect(message).not.toContain('\n');
    const match = /^buildah build exited with code \d+: Error: .*missing-file\.txt.* \(full output: (.+\.log)\)$/.exec(message);
    expect(match, message).not.toBeNull();
    const log = match![1]!;
    expect(log.startsWith(join(cache, 'lazyoci', 'logs'))).toBe(true);
    expect(await readFile(log, 'utf8')).toMatch(/STEP 1\/2: FROM scratch[\s\S]*missing-file\.txt/);
    expect((await stat(log)).mode & 0o777).toBe(0o600);
    expect(await readdir(work)).toEqual([]);
  });

  it('reports an unknown instruction with the line buildah complains about', async () => {
    const req = await request({ dockerfile: await writeDockerfile('FROM scratch\nFROBNICATE now\n') });
    const err = await new BuildahBuilder({ tmpDir: work, env: { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') } }).build(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as BuildError).message.toLowerCase()).toContain('frobnicate');
  });

  it('is a BuildError naming the tool when the buildah executable does not exist', async () => {
    const err = await new BuildahBuilder({ tmpDir: work, command: join(dir, 'no-such-buildah') })
      .build(await request())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as BuildError).message).toBe('cannot run buildah build: not found');
    expect(await readdir(work)).toEqual([]);
  });

  it('stops the build when the signal aborts, kills buildah and removes its files', async () => {
    // Enough data that COPY takes a while, so the abort lands mid-build.
    await writeFile(join(dir, 'ctx', 'big.bin'), randomBytes(64 * 1024 * 1024));
    const req = await request({
      dockerfile: await writeDockerfile('FROM scratch\nCOPY big.bin /big.bin\nCOPY hello.txt /hello.txt\n'),
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    const ac = new AbortController();
    const started = Date.now();
    const err = await new BuildahBuilder({ tmpDir: work })
      .build(req, {
        signal: ac.signal,
        onLog: (line) => {
          if (line.includes('STEP 1/')) ac.abort();
        },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    // The whole build takes about 8 s here; stopping at its first step takes well under 1 s.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await readdir(work)).toEqual([]);
    // No process is left running with this build's storage.
    const leftovers: string[] = [];
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes(work)) leftovers.push(`${pid}: ${cmdline.replaceAll('\0', ' ')}`);
    }
    expect(leftovers).toEqual([]);
  });

  it('does not start when the signal has already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await new BuildahBuilder({ tmpDir: work }).build(await request(), { signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(await readdir(work)).toEqual([]);
  });
});

describe('buildahBuildArgs', () => {
  it('passes the Dockerfile, build args, timestamp, platform and target name as separate arguments', () => {
    const req: ImageBuildRequest = {
      dockerfile: '/src/Dockerfile',
      context: '/src',
      platforms: [],
      buildArgs: { A: 'one two', B: 'x=y' },
      tag: 'localhost/app:build',
      timestamp: 1700000000.7,
    };
    expect(buildahBuildArgs(req, 'linux/arm64', { manifest: 'localhost/app:build' })).toEqual([
      'build', '--isolation', 'chroot', '--format', 'oci', '-f', '/src/Dockerfile',
      '--build-arg', 'A=one two', '--build-arg', 'B=x=y', '--timestamp', '1700000000',
      '--platform', 'linux/arm64', '--manifest', 'localhost/app:build', '/src',
    ]);
    expect(buildahBuildArgs({ ...req, buildArgs: {}, timestamp: undefined }, undefined, { tag: 't' })).toEqual([
      'build', '--isolation', 'chroot', '--format', 'oci', '-f', '/src/Dockerfile', '--tag', 't', '/src',
    ]);
  });
});
