// buildx cannot run here (no daemon): the argument lists are checked exactly, and the
// builder's flow runs against a fake `docker` that writes a prepared OCI layout tarball.
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BuildError } from '../errors/index.js';
import { MediaType } from '../oci/media-types.js';
import type { ImageBuildRequest } from './builder.js';
import { BuildxBuilder, buildxBuildArgs, buildxCreateArgs, extractLayoutTar } from './buildx-builder.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lazyoci-buildx-test-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const REQ: ImageBuildRequest = {
  dockerfile: '/src/app/Dockerfile',
  context: '/src/app',
  platforms: ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7'],
  buildArgs: { VERSION: '1.2.3', NOTE: 'a b,c' },
  tag: 'localhost/lazyoci/app:build',
};

function sha(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function packTar(entries: { name: string; data?: string; type?: 'file' | 'directory' | 'symlink'; linkname?: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory' });
    else if (e.type === 'symlink') pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname ?? '' });
    else pack.entry({ name: e.name }, e.data ?? '');
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A one-image OCI layout as BuildKit's oci exporter lays it out. */
function layoutEntries(): { entries: { name: string; data?: string; type?: 'directory' }[]; manifestDigest: string; manifestSize: number } {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.imageManifest,
    config: { mediaType: MediaType.imageConfig, digest: `sha256:${sha(config)}`, size: config.length },
    layers: [],
  });
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.imageIndex,
    manifests: [
      {
        mediaType: MediaType.imageManifest,
        digest: `sha256:${sha(manifest)}`,
        size: manifest.length,
        annotations: { 'io.containerd.image.name': 'localhost/lazyoci/app:build', 'org.opencontainers.image.ref.name': 'build' },
      },
    ],
  });
  return {
    entries: [
      { name: 'blobs/', type: 'directory' },
      { name: 'blobs/sha256/', type: 'directory' },
      { name: `blobs/sha256/${sha(config)}`, data: config },
      { name: `blobs/sha256/${sha(manifest)}`, data: manifest },
      { name: 'index.json', data: index },
      { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
    ],
    manifestDigest: `sha256:${sha(manifest)}`,
    manifestSize: manifest.length,
  };
}

describe('buildxBuildArgs', () => {
  it('builds the exact docker buildx build command line', () => {
    expect(buildxBuildArgs(REQ, '/tmp/w/image.tar', 'lazyoci')).toEqual([
      'buildx', 'build', '--builder', 'lazyoci', '--progress', 'plain', '-f', '/src/app/Dockerfile',
      '--platform', 'linux/amd64,linux/arm64/v8,linux/arm/v7',
      '--build-arg', 'VERSION=1.2.3', '--build-arg', 'NOTE=a b,c',
      '--provenance=false',
      '--output', 'type=oci,dest=/tmp/w/image.tar,name=localhost/lazyoci/app:build',
      '/src/app',
    ]);
  });

  it('omits --platform for a host build and adds SOURCE_DATE_EPOCH for a timestamp', () => {
    const args = buildxBuildArgs({ ...REQ, platforms: [], buildArgs: {}, timestamp: 1700000000 }, '/t/i.tar', 'b');
    expect(args).not.toContain('--platform');
    expect(args).toEqual([
      'buildx', 'build', '--builder', 'b', '--progress', 'plain', '-f', '/src/app/Dockerfile',
      '--build-arg', 'SOURCE_DATE_EPOCH=1700000000', '--provenance=false',
      '--output', 'type=oci,dest=/t/i.tar,name=localhost/lazyoci/app:build', '/src/app',
    ]);
  });

  it('quotes an --output field holding a comma or a quote, as buildx parses it as CSV', () => {
    const args = buildxBuildArgs(REQ, '/tmp/a,b"c/image.tar', 'lazyoci');
    expect(args[args.indexOf('--output') + 1]).toBe('type=oci,"dest=/tmp/a,b""c/image.tar",name=localhost/lazyoci/app:build');
  });

  it('normalises platform spellings and rejects invalid ones', () => {
    const args = buildxBuildArgs({ ...REQ, platforms: ['Linux/x86_64'] }, '/t.tar', 'b');
    expect(args[args.indexOf('--platform') + 1]).toBe('linux/amd64');
    expect(() => buildxBuildArgs({ ...REQ, platforms: ['linux'] }, '/t.tar', 'b')).toThrow(/invalid platform/);
  });

  it('creates a docker-container builder, since the docker driver cannot export OCI', () => {
    expect(buildxCreateArgs('lazyoci')).toEqual(['buildx', 'create', '--name', 'lazyoci', '--driver', 'docker-container']);
  });
});

describe('extractLayoutTar', () => {
  it('unpacks files and directories, with or without a ./ prefix', async () => {
    const tarPath = join(dir, 'l.tar');
    await writeFile(tarPath, await packTar([{ name: './a/', type: 'directory' }, { name: './a/b.txt', data: 'B' }, { name: 'c.txt', data: 'C' }]));
    await extractLayoutTar(tarPath, join(dir, 'out'));
    expect(await readFile(join(dir, 'out', 'a', 'b.txt'), 'utf8')).toBe('B');
    expect(await readFile(join(dir, 'out', 'c.txt'), 'utf8')).toBe('C');
  });

  it('refuses an entry that would land outside the layout dir', async () => {
    const tarPath = join(dir, 'evil.tar');
    await writeFile(tarPath, await packTar([{ name: 'ok.txt', data: 'x' }, { name: '../escaped.txt', data: 'x' }]));
    await expect(extractLayoutTar(tarPath, join(dir, 'out'))).rejects.toThrow(BuildError);
    expect(await readdir(dir)).not.toContain('escaped.txt');
  });

  it('skips symlinks rather than following them', async () => {
    const tarPath = join(dir, 'link.tar');
    await writeFile(tarPath, await packTar([{ name: 'index.json', type: 'symlink', linkname: '/etc/passwd' }, { name: 'x', data: 'x' }]));
    await extractLayoutTar(tarPath, join(dir, 'out'));
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(['x']);
  });
});

describe('BuildxBuilder with a fake docker', () => {
  async function fakeDocker(tarPath: string, opts: { hasBuilder: boolean; buildFails?: boolean }): Promise<string> {
    const path = join(dir, 'docker');
    const calls = join(dir, 'calls');
    await writeFile(
      path,
      [
        '#!/bin/sh',
        `echo "$*" >> "${calls}"`,
        `if [ "$2" = inspect ]; then ${opts.hasBuilder ? 'exit 0' : 'echo "ERROR: no builder \\"$3\\" found" >&2; exit 1'}; fi`,
        'if [ "$2" = create ]; then echo "$4"; exit 0; fi',
        'if [ "$2" = build ]; then',
        opts.buildFails ? '  echo "#5 ERROR: failed to solve: dockerfile parse error line 2" >&2; exit 1' : '',
        '  out=""',
        '  while [ $# -gt 0 ]; do if [ "$1" = --output ]; then out="$2"; fi; shift; done',
        '  dest=$(echo "$out" | /bin/sed -e "s/.*dest=//" -e "s/,.*//")',
        `  /bin/cp "${tarPath}" "$dest"; exit 0`,
        'fi',
        'exit 2',
      ].join('\n'),
    );
    await chmod(path, 0o755);
    return path;
  }

  async function calls(): Promise<string[]> {
    return (await readFile(join(dir, 'calls'), 'utf8')).split('\n').filter((l) => l !== '');
  }

  it('creates the builder when missing, builds, and unpacks the layout it wrote', async () => {
    const layout = layoutEntries();
    const tarPath = join(dir, 'prepared.tar');
    await writeFile(tarPath, await packTar(layout.entries));
    const work = join(dir, 'work');
    await mkdir(work);
    const builder = new BuildxBuilder({ command: await fakeDocker(tarPath, { hasBuilder: false }), env: {}, tmpDir: work });
    const logs: string[] = [];
    const built = await builder.build({ ...REQ, platforms: ['linux/amd64'] }, { onLog: (l) => logs.push(l) });

    expect(built.root).toEqual({
      mediaType: MediaType.imageManifest,
      digest: layout.manifestDigest,
      size: layout.manifestSize,
      annotations: { 'io.containerd.image.name': 'localhost/lazyoci/app:build', 'org.opencontainers.image.ref.name': 'build' },
    });
    expect(built.refName).toBe('build');
    expect(await readFile(join(built.layoutDir, 'blobs', 'sha256', layout.manifestDigest.slice(7)), 'utf8')).toContain('schemaVersion');
    const [inspect, create, build] = await calls();
    expect(inspect).toBe('buildx inspect lazyoci');
    expect(create).toBe('buildx create --name lazyoci --driver docker-container');
    expect(build).toMatch(/^buildx build --builder lazyoci .* --platform linux\/amd64 .*--output type=oci,dest=.*image\.tar,name=/);
    expect(logs).toContain('lazyoci');
    // The tarball is gone once unpacked; cleanup removes the rest.
    const [workDir] = await readdir(work);
    expect(await readdir(join(work, workDir as string))).toEqual(['layout']);
    await built.cleanup();
    expect(await readdir(work)).toEqual([]);
  });

  it('reuses an existing builder', async () => {
    const tarPath = join(dir, 'prepared.tar');
    await writeFile(tarPath, await packTar(layoutEntries().entries));
    const builder = new BuildxBuilder({ command: await fakeDocker(tarPath, { hasBuilder: true }), env: {}, tmpDir: dir });
    const built = await builder.build(REQ);
    await built.cleanup();
    expect((await calls()).map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual(['buildx inspect', 'buildx build']);
  });

  it("turns a failed build into a BuildError with buildx's last lines and removes its temp dir", async () => {
    const work = join(dir, 'work');
    await mkdir(work);
    const builder = new BuildxBuilder({
      command: await fakeDocker(join(dir, 'none.tar'), { hasBuilder: true, buildFails: true }),
      env: { XDG_CACHE_HOME: join(dir, 'cache') },
      tmpDir: work,
    });
    const err = await builder.build(REQ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as BuildError).message).toMatch(
      /^docker buildx build exited with code 1: #5 ERROR: failed to solve: dockerfile parse error line 2 \(full output: .+\.log\)$/,
    );
    // Build-arg values stay out of the message.
    expect((err as BuildError).message).not.toContain('1.2.3');
    expect(await readdir(work)).toEqual([]);
  });
});
