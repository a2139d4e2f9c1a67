// The Files tab's tree, as data: the entries of the whole image (layers applied) or of
// one layer, and the rows a cursor moves through. Pure functions over inspectImageFiles'
// result; the hook (use-inside.ts) keeps which folders are open and where the cursor is.
import type { ImageFiles } from '../../../ops/inspect-files.js';
import { buildTree, visibleRows, type TreeEntry, type TreeNode, type TreeRow } from '../views/FileTree.js';

/** A tree this small opens fully; a bigger one starts with its folders closed. */
export const OPEN_ALL_BELOW = 300;

/**
 * The whole image: every file as the top layer that wrote it left it, marked with what
 * that layer did (a file of the bottom layer is unmarked), plus each path a later layer
 * deleted, marked removed, at the layer that deleted it.
 */
export function imageEntries(files: ImageFiles): TreeEntry[] {
  const changes = files.layerChanges ?? [];
  const present = new Set((files.files ?? []).map((f) => f.path));
  const byLayer = changes.map((list) => new Map(list.map((c) => [c.path, c.change] as const)));
  const entries: TreeEntry[] = (files.files ?? []).map((f) => {
    const change = f.layer === 0 ? 'unchanged' : (byLayer[f.layer]?.get(f.path) ?? 'changed');
    return { path: f.path, type: f.type, size: f.size, ...(f.linkTarget === undefined ? {} : { linkTarget: f.linkTarget }), change, layer: f.layer };
  });
  const removed = new Map<string, TreeEntry>();
  changes.forEach((list, layer) => {
    for (const c of list) {
      if (c.change === 'removed' && !present.has(c.path)) removed.set(c.path, { path: c.path, type: c.type, size: c.size, change: 'removed', layer });
    }
  });
  return [...entries, ...removed.values()];
}

/** One layer's entries, marked against the layers below it. */
export function layerEntries(files: ImageFiles, layer: number): TreeEntry[] {
  return (files.layerChanges?.[layer] ?? []).map((c) => ({
    path: c.path,
    type: c.type,
    size: c.size,
    ...(c.linkTarget === undefined ? {} : { linkTarget: c.linkTarget }),
    change: c.change,
  }));
}

export interface TreeModel {
  entries: TreeEntry[];
  root: TreeNode;
  /** Every folder's path. */
  dirs: string[];
}

export function treeModel(entries: TreeEntry[]): TreeModel {
  const root = buildTree(entries);
  const dirs: string[] = [];
  const walk = (n: TreeNode): void => {
    for (const c of n.children) {
      if (c.children.length > 0 || c.entry?.type === 'dir') dirs.push(c.path);
      walk(c);
    }
  };
  walk(root);
  return { entries, root, dirs };
}

/** The folders shown closed: all but the open ones. */
export function collapsedOf(model: TreeModel, open: ReadonlySet<string>): Set<string> {
  return new Set(model.dirs.filter((d) => !open.has(d)));
}

export function rowsOf(model: TreeModel, open: ReadonlySet<string>): TreeRow[] {
  return visibleRows(model.root, collapsedOf(model, open));
}

/** The folders open at first. */
export function initiallyOpen(model: TreeModel): Set<string> {
  return model.entries.length < OPEN_ALL_BELOW ? new Set(model.dirs) : new Set();
}

export function parentPath(path: string): string | undefined {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? undefined : path.slice(0, slash);
}
