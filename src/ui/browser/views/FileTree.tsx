// A collapsible file tree, of one layer (entries marked added / changed / removed) or of
// the whole image. The tree is built from flat paths; the browser keeps which
// directories are collapsed and which row is selected, and moves through visibleRows().
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { formatBytes } from '../../format.js';
import { terminalSafe as safe } from '../../terminal-safe.js';
import { Tint } from '../../Tint.js';

export type TreeChange = 'added' | 'changed' | 'removed' | 'unchanged';

/** A LayerChange or ImageFile from inspectImageFiles, or anything of that shape. */
export interface TreeEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'other';
  size: number;
  linkTarget?: string;
  change?: TreeChange;
  /** The layer that last wrote it (whole-image view). */
  layer?: number;
}

export interface TreeNode {
  name: string;
  path: string;
  /** The entry itself; absent for a directory implied by the paths below it. */
  entry?: TreeEntry;
  children: TreeNode[];
}

export interface TreeRow {
  node: TreeNode;
  depth: number;
  isDir: boolean;
  collapsed: boolean;
}

/** Entries as a tree under a root node (path '.'); directories first, then by name. */
export function buildTree(entries: readonly TreeEntry[]): TreeNode {
  const root: TreeNode = { name: '/', path: '.', children: [] };
  const byPath = new Map<string, TreeNode>([['.', root]]);
  const nodeFor = (path: string): TreeNode => {
    const found = byPath.get(path);
    if (found !== undefined) return found;
    const slash = path.lastIndexOf('/');
    const parent = nodeFor(slash < 0 ? '.' : path.slice(0, slash));
    const node: TreeNode = { name: slash < 0 ? path : path.slice(slash + 1), path, children: [] };
    parent.children.push(node);
    byPath.set(path, node);
    return node;
  };
  for (const entry of entries) {
    if (entry.path === '.' || entry.path === '') continue;
    nodeFor(entry.path).entry = entry;
  }
  const sort = (node: TreeNode): void => {
    node.children.sort((a, b) => Number(isDirNode(b)) - Number(isDirNode(a)) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    node.children.forEach(sort);
  };
  sort(root);
  return root;
}

function isDirNode(node: TreeNode): boolean {
  return node.children.length > 0 || node.entry?.type === 'dir';
}

/** The rows on screen, depth first, skipping what is under a collapsed directory. */
export function visibleRows(root: TreeNode, collapsed: ReadonlySet<string>): TreeRow[] {
  const rows: TreeRow[] = [];
  const walk = (node: TreeNode, depth: number): void => {
    for (const child of node.children) {
      const isDir = isDirNode(child);
      const shut = isDir && collapsed.has(child.path);
      rows.push({ node: child, depth, isDir, collapsed: shut });
      if (isDir && !shut) walk(child, depth + 1);
    }
  };
  walk(root, 0);
  return rows;
}

const MARKS: Record<TreeChange, { mark: string; color?: string }> = {
  added: { mark: '+', color: 'green' },
  changed: { mark: '~', color: 'yellow' },
  removed: { mark: '-', color: 'red' },
  unchanged: { mark: ' ' },
};

export interface FileTreeProps {
  entries: readonly TreeEntry[];
  /** Paths of the directories shown closed. */
  collapsed?: ReadonlySet<string>;
  /** Path of the highlighted row. */
  selected?: string;
  height?: number;
}

export function FileTree({ entries, collapsed = new Set<string>(), selected, height = 20 }: FileTreeProps) {
  // Built once per list of entries: the browser redraws on every key.
  const tree = useMemo(() => buildTree(entries), [entries]);
  const rows = visibleRows(tree, collapsed);
  if (rows.length === 0) return <Tint dim>no files</Tint>;
  const at = Math.max(0, rows.findIndex((r) => r.node.path === selected));
  const start = rows.length <= height ? 0 : Math.min(Math.max(0, at - Math.floor(height / 2)), rows.length - height);
  return (
    <Box flexDirection="column">
      {rows.slice(start, start + height).map((row) => {
        const e = row.node.entry;
        const change = MARKS[e?.change ?? 'unchanged'];
        const link = e?.type === 'symlink' ? ` -> ${safe(e.linkTarget ?? '')}` : e?.type === 'hardlink' ? ` => /${safe(e.linkTarget ?? '')}` : '';
        const size = e !== undefined && (e.type === 'file' || e.type === 'hardlink') ? ` ${formatBytes(e.size)}` : '';
        const icon = row.isDir ? (row.collapsed ? '▸ ' : '▾ ') : '  ';
        return (
          <Text key={row.node.path} wrap="truncate-end" inverse={row.node.path === selected}>
            <Tint {...(change.color === undefined ? {} : { color: change.color })}>{change.mark}</Tint> {'  '.repeat(row.depth)}
            {icon}
            {safe(row.node.name)}
            {row.isDir ? '/' : ''}
            {link}
            <Tint dim>
              {size}
              {e?.layer === undefined ? '' : ` L${e.layer}`}
            </Tint>
          </Text>
        );
      })}
    </Box>
  );
}
