// Layers applied in order, as a container runtime unpacks them (image-spec "Applying
// Changesets"): `.wh.NAME` deletes NAME from the layers below, `.wh..wh..opq` hides
// everything the layers below put in its directory, and a later entry replaces an
// earlier one. Each path remembers the layer that last wrote it; bytes that a later
// layer replaced or deleted are counted as wasted against the layer that wrote them.
import { posix } from 'node:path';
import type { LayerEntry } from './layer-entries.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

export type ChangeKind = 'added' | 'changed' | 'removed' | 'unchanged';

export interface ImageFile extends LayerEntry {
  /** Index (0-based, bottom first) of the layer that last wrote this path. */
  layer: number;
}

/** One entry of one layer, marked against the layers below it. */
export interface LayerChange extends LayerEntry {
  change: ChangeKind;
}

export interface WhiteoutTarget {
  kind: 'whiteout' | 'opaque';
  /** The path deleted (whiteout) or the directory made opaque. */
  path: string;
}

/** A whiteout or opaque marker's meaning, or undefined for an ordinary entry. */
export function whiteoutTarget(path: string): WhiteoutTarget | undefined {
  const base = posix.basename(path);
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  const dir = posix.dirname(path);
  if (base === OPAQUE_MARKER) return { kind: 'opaque', path: dir };
  const name = base.slice(WHITEOUT_PREFIX.length);
  return { kind: 'whiteout', path: dir === '.' ? name : `${dir}/${name}` };
}

function parentOf(path: string): string {
  return posix.dirname(path);
}

function sameAttributes(a: LayerEntry, b: LayerEntry): boolean {
  return a.type === b.type && a.size === b.size && a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.linkTarget === b.linkTarget;
}

export class LayerMerge {
  readonly #files = new Map<string, ImageFile>();
  /** parent path → child paths present (implied parent directories included). */
  readonly #children = new Map<string, Set<string>>();
  /** Per layer: bytes of its files that a later layer replaced or deleted. */
  readonly wastedByLayer: number[] = [];
  /** Per layer: bytes of regular files it carries. */
  readonly fileBytesByLayer: number[] = [];

  /**
   * Apply one layer's entries. Whiteouts and opaque markers act on the layers below
   * only, wherever they stand in the tar, so they are applied first. Returns the
   * layer's entries marked against what was below.
   */
  apply(layer: number, entries: readonly LayerEntry[]): LayerChange[] {
    this.wastedByLayer[layer] ??= 0;
    this.fileBytesByLayer[layer] = entries.reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0);
    const changes: LayerChange[] = [];
    for (const entry of entries) {
      const target = whiteoutTarget(entry.path);
      if (target === undefined) continue;
      if (target.kind === 'opaque') {
        for (const child of [...(this.#children.get(target.path) ?? [])]) {
          for (const removed of this.#remove(child)) changes.push({ ...removed, change: 'removed' });
        }
      } else {
        for (const removed of this.#remove(target.path)) changes.push({ ...removed, change: 'removed' });
      }
    }
    for (const entry of entries) {
      if (whiteoutTarget(entry.path) !== undefined || entry.path === '.') continue;
      // A hard link is the same bytes as its target: show the target's size (not counted twice).
      const stored: LayerEntry = entry.type === 'hardlink' ? { ...entry, size: this.#files.get(entry.linkTarget ?? '')?.size ?? 0 } : entry;
      const before = this.#files.get(entry.path);
      let change: ChangeKind = 'added';
      if (before !== undefined) {
        change = sameAttributes(before, stored) && before.type === 'dir' ? 'unchanged' : 'changed';
        if (before.type !== 'dir') this.#waste(before);
        else if (entry.type !== 'dir') for (const child of [...(this.#children.get(entry.path) ?? [])]) this.#remove(child);
      }
      this.#files.set(entry.path, { ...stored, layer });
      this.#link(entry.path);
      changes.push({ ...stored, change });
    }
    return changes;
  }

  /** Every path in the merged filesystem, sorted, directories implied by their contents included. */
  files(): ImageFile[] {
    const all = [...this.#files.values()];
    return all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  get wastedBytes(): number {
    return this.wastedByLayer.reduce((n, b) => n + b, 0);
  }

  get totalFileBytes(): number {
    return this.fileBytesByLayer.reduce((n, b) => n + b, 0);
  }

  #waste(file: ImageFile): void {
    if (file.type === 'file') this.wastedByLayer[file.layer] = (this.wastedByLayer[file.layer] ?? 0) + file.size;
  }

  /** Remove `path` and everything below it; returns what was removed (top first). */
  #remove(path: string): ImageFile[] {
    const removed: ImageFile[] = [];
    const file = this.#files.get(path);
    const hadChildren = this.#children.has(path);
    if (file === undefined && !hadChildren) return removed;
    for (const child of [...(this.#children.get(path) ?? [])]) removed.push(...this.#remove(child));
    this.#children.delete(path);
    if (file !== undefined) {
      this.#waste(file);
      this.#files.delete(path);
      removed.unshift(file);
    }
    this.#children.get(parentOf(path))?.delete(path);
    return removed;
  }

  /** Record `path` under its parent, and each implied parent under its own. */
  #link(path: string): void {
    for (let child = path; child !== '.'; child = parentOf(child)) {
      const parent = parentOf(child);
      let set = this.#children.get(parent);
      if (set === undefined) {
        set = new Set();
        this.#children.set(parent, set);
      }
      if (set.has(child)) break;
      set.add(child);
    }
  }
}
