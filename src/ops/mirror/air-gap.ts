// The air gap: a mirror run written into one OCI image layout (a directory, or a tar of
// one) instead of the target registry, each root named by its path under the target
// (`library/nginx:1.25`, `charts/app:1.0.0`); and such a layout pushed to a target later.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import type { MirrorFile } from '../../config/mirror-types.js';
import { parseLayoutIndex } from '../../content/layout-check.js';
import { readNoFollow } from '../../content/layout-files.js';
import { indexLayoutTar } from '../../content/layout-tar-index.js';
import { openOciLayout } from '../../content/oci-layout-reader.js';
import { OciLayoutStore } from '../../content/oci-layout-store.js';
import { readAll, type Fetcher } from '../../content/store.js';
import { readTarMembers } from '../../content/tar-archive.js';
import { MANIFEST_LIMIT } from '../../copy/copy-graph.js';
import { ContentError, UsageError } from '../../errors/index.js';
import { Annotation, MediaType } from '../../oci/media-types.js';
import type { Descriptor, ImageIndex } from '../../oci/types.js';
import { formatReference } from '../../ref/reference.js';
import { type ChartItem, type Copyable, type ImageItem, type MirrorClient, type MirrorPlan, type MirrorDestination, type MirrorOptions, type MirrorResult, registryDestination, runMirror } from './mirror.js';
import { fromLayoutName, layoutName } from './naming.js';

export interface LayoutLocation {
  /** The directory, or the tar file. */
  path: string;
  tar: boolean;
}

/** `oci-layout:DIR` or `oci-layout:FILE.tar` (a bare path is taken as well). */
export function parseLayoutLocation(text: string, flag: string): LayoutLocation {
  const path = text.startsWith('oci-layout:') ? text.slice('oci-layout:'.length) : text;
  if (path === '') throw new UsageError(`${flag}: give oci-layout:DIR or oci-layout:FILE.tar`);
  return { path, tar: /\.tar$/i.test(path) };
}

/** Every item into one layout directory; blobs shared by several images are stored once. */
export function layoutDestination(dir: string, config: MirrorFile): MirrorDestination {
  return {
    open: (ref) => ({
      // containerd's image-name annotation carries the full target reference, for `ctr import` and readers.
      target: new OciLayoutStore(dir, { source: formatReference(ref) }),
      tags: [layoutName(ref, config.target)],
    }),
  };
}

/** Pack a layout directory into a tar, streamed file by file, written beside and renamed into place. */
export async function packLayoutTar(dir: string, file: string): Promise<void> {
  const partial = join(dirname(file), `.${basename(file)}.${process.pid}.partial`);
  const pack = tar.pack();
  const writing = pipeline(pack, createWriteStream(partial));
  const add = async (name: string, abs: string): Promise<void> => {
    const size = (await stat(abs)).size;
    await new Promise<void>((resolve, reject) => {
      const entry = pack.entry({ name, size, mode: 0o644, mtime: new Date(0) }, (err) => (err ? reject(err) : resolve()));
      createReadStream(abs).on('error', reject).pipe(entry);
    });
  };
  try {
    await add('oci-layout', join(dir, 'oci-layout'));
    await add('index.json', join(dir, 'index.json'));
    pack.entry({ name: 'blobs/', type: 'directory', mode: 0o755, mtime: new Date(0) });
    pack.entry({ name: 'blobs/sha256/', type: 'directory', mode: 0o755, mtime: new Date(0) });
    for (const name of (await readdir(join(dir, 'blobs', 'sha256'))).sort()) {
      if (/^[a-f0-9]{64}$/.test(name)) await add(`blobs/sha256/${name}`, join(dir, 'blobs', 'sha256', name));
    }
    pack.finalize();
    await writing;
    await rename(partial, file);
  } catch (err) {
    pack.destroy();
    await writing.catch(() => undefined);
    await rm(partial, { force: true });
    throw err;
  }
}

/** Run the mirror into a layout; for a tar, into a temporary directory packed at the end. */
export async function mirrorToLayout(
  plan: MirrorPlan,
  where: LayoutLocation,
  opts: MirrorOptions,
): Promise<MirrorResult> {
  if (!where.tar) {
    const result = await runMirror(plan, layoutDestination(where.path, opts.config), opts);
    return { ...result, layout: `oci-layout:${where.path}` };
  }
  const temp = await mkdtemp(join(dirname(where.path), '.lazyoci-mirror-'));
  try {
    const result = await runMirror(plan, layoutDestination(temp, opts.config), opts);
    if (result.charts.some((c) => c.status !== 'failed') || result.images.some((i) => i.status !== 'failed')) await packLayoutTar(temp, where.path);
    return { ...result, layout: `oci-layout:${where.path}` };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

interface LayoutEntry {
  name: string;
  desc: Descriptor;
}

/** The named roots of a layout's index.json (of a tar: handed in when it was indexed, else read). */
async function layoutEntries(where: LayoutLocation, indexJson: Buffer | undefined): Promise<LayoutEntry[]> {
  let bytes: Buffer;
  const shown = `${where.path}/index.json`;
  if (indexJson !== undefined) {
    bytes = indexJson;
  } else if (where.tar) {
    const found = await readTarMembers(where.path, (n) => n === 'index.json' || n === './index.json', 16 << 20, where.path);
    const first = [...found.values()][0];
    if (first === undefined) throw new UsageError(`${where.path} is not an OCI layout archive: it has no index.json`);
    bytes = first;
  } else {
    try {
      bytes = await readNoFollow(join(where.path, 'index.json'), shown);
    } catch (err) {
      throw new UsageError(`--from ${where.path}: not an OCI image layout (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  const index: ImageIndex = parseLayoutIndex(bytes, shown);
  return index.manifests.flatMap((desc) => {
    const name = desc.annotations?.[Annotation.refName];
    return name === undefined ? [] : [{ name, desc: { mediaType: desc.mediaType, digest: desc.digest, size: desc.size } }];
  });
}

async function isChart(source: Fetcher, root: Descriptor): Promise<boolean> {
  if (root.mediaType !== MediaType.imageManifest) return false;
  const doc = JSON.parse((await readAll(await source.fetch(root), MANIFEST_LIMIT)).toString('utf8')) as { config?: { mediaType?: string } };
  return doc.config?.mediaType === MediaType.helmConfig;
}

/**
 * `--from oci-layout:DIR|FILE.tar`: every named root of a layout written by `--to`,
 * pushed to the target under the same paths. A dry run lists them and sends nothing.
 */
export async function pushLayout(client: MirrorClient, where: LayoutLocation, opts: MirrorOptions): Promise<MirrorResult> {
  // An uncompressed tar (what --to writes) is indexed once and its blobs read in place.
  const indexed = where.tar ? await indexLayoutTar(where.path, opts.signal === undefined ? {} : { signal: opts.signal }) : undefined;
  const entries = await layoutEntries(where, indexed?.indexJson);
  if (entries.length === 0) throw new UsageError(`${where.path} names no content (no org.opencontainers.image.ref.name in its index.json)`);
  const charts: Copyable<ChartItem>[] = [];
  const images: Copyable<ImageItem>[] = [];
  const opened: { close(): Promise<void> }[] = [];
  try {
    for (const entry of entries) {
      const ref = fromLayoutName(entry.name, opts.config.target);
      const source = `oci-layout:${where.path}:${entry.name}`;
      if (ref === undefined) {
        images.push({ item: { source, target: '', foundIn: [], status: 'failed', error: `"${entry.name}" is not a name mirror --to writes (PATH:TAG or PATH@DIGEST)` } });
        continue;
      }
      let fetcher: Fetcher;
      let root = entry.desc;
      if (indexed !== undefined) {
        fetcher = indexed.source;
      } else if (where.tar) {
        // A compressed tar has no byte ranges to read: each root is unpacked on its own.
        const content = await openOciLayout(where.path, { refName: entry.name, ...(opts.signal === undefined ? {} : { signal: opts.signal }) });
        opened.push(content);
        fetcher = content.source;
        root = content.root;
      } else {
        fetcher = new OciLayoutStore(where.path);
      }
      const target = formatReference(ref);
      if (await isChart(fetcher, root)) {
        const [path, version] = entry.name.split(':');
        charts.push({
          item: { key: path!.split('/').pop()!, chart: path!.split('/').pop()!, version: version ?? '', source, target, digest: root.digest, status: 'planned', images: [] },
          fetcher,
          root,
        });
      } else {
        images.push({ item: { source, target, digest: root.digest, foundIn: [`${where.path} index.json`], status: 'planned' }, fetcher, root });
      }
    }
    return await runMirror({ charts, images }, opts.dryRun ? undefined : registryDestination(client), opts);
  } catch (err) {
    if (err instanceof SyntaxError) throw new ContentError(`${where.path}: a manifest is not valid JSON`);
    throw err;
  } finally {
    await Promise.all(opened.map((o) => o.close()));
  }
}
