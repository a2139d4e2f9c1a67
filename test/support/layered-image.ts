// Images with real layer histories for the look-inside tests: built by buildah (one
// layer per COPY, FROM scratch, a private vfs store per build), a layer recompressed
// with the zstd binary where asked, and the oracle: skopeo copies the image out and GNU
// tar extracts its layers in order, applying whiteouts as a runtime does.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { copyToLayout, type SkopeoOptions } from './skopeo.js';

const run = promisify(execFile);
const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Build `contextDir` (its Dockerfile) with one layer per instruction into an OCI layout `layoutDir:tag`. */
export async function buildahLayout(contextDir: string, layoutDir: string, tag: string): Promise<void> {
  const store = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-inside-buildah-'));
  const storage = ['--root', path.join(store, 'root'), '--runroot', path.join(store, 'runroot'), '--storage-driver', 'vfs'];
  try {
    const image = `localhost/inside-${path.basename(store).toLowerCase()}`;
    await run('buildah', [...storage, 'build', '--layers', '--isolation', 'chroot', '--format', 'oci', '--timestamp', '0', '-t', image, contextDir], { maxBuffer: 16 << 20 });
    await run('buildah', [...storage, 'push', '--quiet', image, `oci:${layoutDir}:${tag}`], { maxBuffer: 16 << 20 });
  } finally {
    await run('buildah', [...storage, 'rm', '--all']).catch(() => undefined);
    await rm(store, { recursive: true, force: true }).catch(() => undefined);
  }
}

interface LayoutIndex {
  manifests: { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }[];
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

function blobPath(layoutDir: string, digest: string): string {
  return path.join(layoutDir, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

async function writeBlob(layoutDir: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  await writeFile(blobPath(layoutDir, digest), data);
  return digest;
}

/** Change a layout image's layer from gzip to zstd (same tar, so the config's diff_ids still hold). */
export async function recompressLayerZstd(layoutDir: string, tag: string, layer: number): Promise<void> {
  const indexFile = path.join(layoutDir, 'index.json');
  const index = await readJson<LayoutIndex>(indexFile);
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag)!;
  const manifest = await readJson<{ layers: { mediaType: string; digest: string; size: number }[] }>(blobPath(layoutDir, entry.digest));
  const old = manifest.layers[layer]!;
  const { stdout } = await run('sh', ['-c', 'gzip -dc "$1" | zstd -q -c', 'sh', blobPath(layoutDir, old.digest)], { encoding: 'buffer', maxBuffer: 1 << 30 });
  manifest.layers[layer] = { mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: await writeBlob(layoutDir, stdout), size: stdout.length };
  const bytes = Buffer.from(JSON.stringify(manifest));
  Object.assign(entry, { digest: await writeBlob(layoutDir, bytes), size: bytes.length });
  await writeFile(indexFile, JSON.stringify(index));
}

/** One path of an extracted filesystem: what `browse files` must say about it. */
export interface OracleFile {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  size: number;
  linkTarget?: string;
}

const DECOMPRESS: Record<string, string> = {
  'application/vnd.oci.image.layer.v1.tar': 'cat',
  'application/vnd.oci.image.layer.v1.tar+gzip': 'gzip -dc',
  'application/vnd.oci.image.layer.v1.tar+zstd': 'zstd -dc',
};

/**
 * The files of `ref` as skopeo + tar see them: each layer's whiteouts applied to what is
 * below (`.wh.NAME` deletes NAME, `.wh..wh..opq` empties its directory), then the layer
 * extracted without its markers.
 */
export async function oracleFiles(ref: string, opts: SkopeoOptions): Promise<OracleFile[]> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-inside-oracle-'));
  try {
    const layout = path.join(work, 'layout');
    const rootfs = path.join(work, 'rootfs');
    await mkdir(rootfs);
    await copyToLayout(ref, layout, 'x', { ...opts, preserveDigests: true });
    const index = await readJson<LayoutIndex>(path.join(layout, 'index.json'));
    const manifest = await readJson<{ layers: { mediaType: string; digest: string }[] }>(blobPath(layout, index.manifests[0]!.digest));
    for (const layer of manifest.layers) {
      const decompress = DECOMPRESS[layer.mediaType];
      if (decompress === undefined) throw new Error(`oracle: no decompressor for ${layer.mediaType}`);
      const blob = blobPath(layout, layer.digest);
      const { stdout } = await run('sh', ['-c', `${decompress} "$1" | tar -t`, 'sh', blob], { maxBuffer: 64 << 20 });
      for (const name of stdout.split('\n').filter((n) => n !== '')) {
        const clean = path.posix.normalize(`/${name}`).replace(/\/+$/, '').slice(1);
        const base = path.posix.basename(clean);
        const dir = path.join(rootfs, path.posix.dirname(clean));
        if (base === '.wh..wh..opq') {
          for (const child of await readdir(dir).catch(() => [] as string[])) await rm(path.join(dir, child), { recursive: true, force: true });
        } else if (base.startsWith('.wh.')) {
          await rm(path.join(dir, base.slice(4)), { recursive: true, force: true });
        }
      }
      await run('sh', ['-c', `${decompress} "$1" | tar -x --same-owner -p --exclude='.wh.*' -C "$2"`, 'sh', blob, rootfs]);
    }
    const files: OracleFile[] = [];
    const walk = async (rel: string): Promise<void> => {
      for (const name of (await readdir(path.join(rootfs, rel))).sort()) {
        const child = rel === '' ? name : `${rel}/${name}`;
        const st = await lstat(path.join(rootfs, child));
        if (st.isSymbolicLink()) files.push({ path: child, type: 'symlink', size: 0, linkTarget: await readlink(path.join(rootfs, child)) });
        else if (st.isDirectory()) {
          files.push({ path: child, type: 'dir', size: 0 });
          await walk(child);
        } else files.push({ path: child, type: 'file', size: st.size });
      }
    };
    await walk('');
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface HandLayer {
  /** A layer blob already on disk (moved into the layout). */
  file: string;
  mediaType: string;
}

/** sha256 of a file, or of its decompressed form, by the shell: large blobs never enter this process. */
async function shellDigest(file: string, decompress = 'cat'): Promise<string> {
  const { stdout } = await run('sh', ['-c', `${decompress} "$1" | sha256sum`, 'sh', file]);
  return `sha256:${stdout.split(' ')[0]}`;
}

/** An image layout of ready-made layer blobs (big ones too), with a config naming their diff_ids. */
export async function writeHandLayout(layoutDir: string, tag: string, layers: HandLayer[]): Promise<{ layerDigests: string[] }> {
  await mkdir(path.join(layoutDir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(path.join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const descs: { mediaType: string; digest: string; size: number }[] = [];
  const diffIds: string[] = [];
  for (const l of layers) {
    const digest = await shellDigest(l.file);
    diffIds.push(await shellDigest(l.file, DECOMPRESS[l.mediaType]));
    const size = (await lstat(l.file)).size;
    await run('mv', [l.file, blobPath(layoutDir, digest)]);
    descs.push({ mediaType: l.mediaType, digest, size });
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: layers.map((_, i) => ({ created_by: `hand-made layer ${i}` })),
    }),
  );
  const configDigest = await writeBlob(layoutDir, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: descs,
    }),
  );
  const manifestDigest = await writeBlob(layoutDir, manifest);
  await writeFile(
    path.join(layoutDir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
  return { layerDigests: descs.map((d) => d.digest) };
}

/** Run a shell script in `dir` (making layer files with tar, gzip, head…). */
export async function sh(dir: string, script: string): Promise<void> {
  await run('sh', ['-ec', script], { cwd: dir, maxBuffer: 16 << 20 });
}
