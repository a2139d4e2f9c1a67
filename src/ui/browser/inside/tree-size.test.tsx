// A big image's tree: the Files tab stays usable with tens of thousands of paths (the
// folders start closed, so a frame draws a screenful, not the whole tree).
import { describe, expect, it } from 'vitest';
import type { ImageFiles } from '../../../ops/inspect-files.js';
import { imageEntries, initiallyOpen, rowsOf, treeModel, OPEN_ALL_BELOW } from './tree-model.js';

function bigImage(dirs: number, perDir: number): ImageFiles {
  const files = [];
  for (let d = 0; d < dirs; d++) {
    files.push({ path: `usr/lib/d${d}`, type: 'dir' as const, size: 0, mode: 0o755, uid: 0, gid: 0, layer: 0 });
    for (let f = 0; f < perDir; f++) files.push({ path: `usr/lib/d${d}/f${f}`, type: 'file' as const, size: 10, mode: 0o644, uid: 0, gid: 0, layer: d % 2 });
  }
  return {
    reference: 'r',
    digest: 'sha256:x',
    layers: [],
    files,
    layerChanges: [[], files.filter((f) => f.layer === 1).map((f) => ({ ...f, change: 'changed' as const }))],
    wasted: { bytes: 0, totalBytes: 0, percent: 0 },
  };
}

describe('a big tree', () => {
  it('starts with its folders closed and lists only what is open', () => {
    const model = treeModel(imageEntries(bigImage(500, 100)));
    expect(model.entries.length).toBeGreaterThan(OPEN_ALL_BELOW);
    const open = initiallyOpen(model);
    expect(open.size).toBe(0);
    expect(rowsOf(model, open).map((r) => r.node.path)).toEqual(['usr']);
    expect(rowsOf(model, new Set(['usr', 'usr/lib'])).length).toBe(502);
    expect(imageEntries(bigImage(2, 2)).map((e) => e.change)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged', 'changed', 'changed']);
  });
});
