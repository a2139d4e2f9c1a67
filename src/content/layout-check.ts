// Checks a directory before an OCI image layout is written into it (issue 11): it stays
// where it must (a build target inside its project, symlinks resolved), it is empty or
// already a layout, its index.json parses, and none of its own entries is a link.
// Nothing here writes; the store runs it before its first write, the planner for validate.
import { readdir, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { ContentError } from '../errors/index.js';
import { isDigest } from '../oci/digest.js';
import type { ImageIndex } from '../oci/types.js';
import { fsError, lstatIfExists, readNoFollow, symlinkRefused } from './layout-files.js';

export interface LayoutCheckOptions {
  /** The layout must resolve to a place inside this directory (a build target's project). */
  within?: string;
}

/** What the check found: whether the directory exists yet. */
export interface LayoutState {
  exists: boolean;
}

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/** The real path of `path`, or of its nearest existing ancestor joined with the rest. */
async function realPathOfNearest(path: string): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(await realpath(current), ...missing.reverse());
    } catch (err) {
      const parent = dirname(current);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) throw fsError('resolve', path, err);
      missing.push(basename(current));
      current = parent;
    }
  }
}

/** index.json as the layout spec has it: an object with a `manifests` array of descriptors. */
export function parseLayoutIndex(bytes: Buffer, shown: string): ImageIndex {
  let index: ImageIndex;
  try {
    index = JSON.parse(bytes.toString('utf8')) as ImageIndex;
  } catch (err) {
    throw new ContentError(`${shown} is not a valid OCI index: ${(err as Error).message}`);
  }
  if (index === null || typeof index !== 'object' || !Array.isArray(index.manifests)) {
    throw new ContentError(`${shown} is not a valid OCI index: no manifests array`);
  }
  for (const [i, m] of index.manifests.entries()) {
    const ok =
      m !== null && typeof m === 'object' && typeof m.digest === 'string' && isDigest(m.digest) && Number.isSafeInteger(m.size) && m.size >= 0;
    if (!ok) throw new ContentError(`${shown} is not a valid OCI index: manifests[${i}] is not a sha256 descriptor`);
  }
  return index;
}

function checkLayoutMarker(bytes: Buffer, shown: string): void {
  try {
    const marker = JSON.parse(bytes.toString('utf8')) as { imageLayoutVersion?: unknown };
    if (typeof marker.imageLayoutVersion === 'string') return;
  } catch {
    // reported below
  }
  throw new ContentError(`${shown} is not a valid layout marker (expected {"imageLayoutVersion": "1.0.0"})`);
}

/** A directory holding nothing but (directories of) other layouts: the artifact dir's nested repositories. */
async function onlyLayoutsBelow(dir: string, depth: number): Promise<boolean> {
  if (depth > 8) return false;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) return false;
    const child = join(dir, entry.name);
    if ((await lstatIfExists(join(child, 'oci-layout')))?.isFile() === true) continue;
    if (!(await onlyLayoutsBelow(child, depth + 1))) return false;
  }
  return true;
}

/** A real directory of the layout, or nothing; a link or a file there is refused. */
async function checkOwnDir(path: string, shown: string): Promise<boolean> {
  const stats = await lstatIfExists(path);
  if (stats === undefined) return false;
  if (stats.isSymbolicLink()) throw symlinkRefused(shown);
  if (!stats.isDirectory()) throw new ContentError(`${shown} is not a directory`);
  return true;
}

/** A regular file of the layout, or nothing; a link or a directory there is refused. */
async function checkOwnFile(path: string, shown: string): Promise<boolean> {
  const stats = await lstatIfExists(path);
  if (stats === undefined) return false;
  if (stats.isSymbolicLink()) throw symlinkRefused(shown);
  if (!stats.isFile()) throw new ContentError(`${shown} is not a regular file`);
  return true;
}

/** What a layout writer (oci-layout-store.ts) creates before its `oci-layout` marker. */
const LAYOUT_STARTING = /^(?:blobs|oci-layout\.\d+\.[0-9a-f]+\.tmp)$/;
/** How long a layout being created by another writer gets to write its marker. */
const MARKER_WAIT_MS = 2000;

async function markerAppears(marker: string, shown: string): Promise<boolean> {
  const end = Date.now() + MARKER_WAIT_MS;
  while (Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    if (await checkOwnFile(marker, shown)) return true;
  }
  return false;
}

/**
 * Refuse, with a ContentError naming `shown`, a directory a layout must not be written
 * into. The directory itself may be a link (a --dest is wherever the user says), but
 * with `within` its real path must stay inside that directory.
 */
export async function checkLayoutDir(dir: string, shown: string, opts: LayoutCheckOptions = {}): Promise<LayoutState> {
  if (opts.within !== undefined) {
    const root = await realPathOfNearest(opts.within);
    const real = await realPathOfNearest(dir);
    if (!isInside(root, real)) throw new ContentError(`${shown} leaves the project directory ${opts.within} (it resolves to ${real})`);
  }
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { exists: false };
    if (code === 'ENOTDIR') throw new ContentError(`${shown} is not a directory`);
    throw fsError('read', dir, err);
  }
  if (entries.length === 0) return { exists: true };

  const marker = join(dir, 'oci-layout');
  if (!(await checkOwnFile(marker, `${shown}/oci-layout`))) {
    if (!entries.includes('blobs') && !entries.includes('index.json') && (await onlyLayoutsBelow(dir, 0))) return { exists: true };
    // Another writer may be creating this layout right now (pulls started together into one
    // new --dest): it makes blobs/ and the marker's temporary file just before the marker.
    if (!entries.every((e) => LAYOUT_STARTING.test(e)) || !(await markerAppears(marker, `${shown}/oci-layout`))) {
      throw new ContentError(`${shown} is not empty and is not an OCI image layout (it has no oci-layout file); refusing to write into it`);
    }
  }
  checkLayoutMarker(await readNoFollow(marker, `${shown}/oci-layout`), `${shown}/oci-layout`);
  const index = join(dir, 'index.json');
  if (await checkOwnFile(index, `${shown}/index.json`)) parseLayoutIndex(await readNoFollow(index, `${shown}/index.json`), `${shown}/index.json`);
  if (await checkOwnDir(join(dir, 'blobs'), `${shown}/blobs`)) {
    const sha = join(dir, 'blobs', 'sha256');
    if (await checkOwnDir(sha, `${shown}/blobs/sha256`)) {
      for (const entry of await readdir(sha, { withFileTypes: true })) {
        if (entry.isSymbolicLink()) throw symlinkRefused(`${shown}/blobs/sha256/${entry.name}`);
      }
    }
  }
  return { exists: true };
}
