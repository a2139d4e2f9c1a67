import { describe, expect, it } from 'vitest';
import type { LayerEntry } from './layer-entries.js';
import { LayerMerge, whiteoutTarget } from './layer-merge.js';

const file = (path: string, size = 1): LayerEntry => ({ path, type: 'file', size, mode: 0o644, uid: 0, gid: 0 });
const dir = (path: string): LayerEntry => ({ path, type: 'dir', size: 0, mode: 0o755, uid: 0, gid: 0 });

describe('LayerMerge', () => {
  it('reads whiteout and opaque markers', () => {
    expect(whiteoutTarget('etc/.wh.passwd')).toEqual({ kind: 'whiteout', path: 'etc/passwd' });
    expect(whiteoutTarget('.wh.tmp')).toEqual({ kind: 'whiteout', path: 'tmp' });
    expect(whiteoutTarget('opt/.wh..wh..opq')).toEqual({ kind: 'opaque', path: 'opt' });
    expect(whiteoutTarget('etc/passwd')).toBeUndefined();
  });

  it('applies overwrites, whiteouts and opaque directories, and counts wasted bytes against the layer that wrote them', () => {
    const m = new LayerMerge();
    m.apply(0, [dir('etc'), file('etc/a', 10), file('etc/b', 20), dir('opt'), file('opt/x', 5), file('opt/sub/y', 7)]);
    const second = m.apply(1, [file('etc/a', 11), file('etc/.wh.b', 0)]);
    expect(second.map((c) => [c.path, c.change])).toEqual([
      ['etc/b', 'removed'],
      ['etc/a', 'changed'],
    ]);
    // The opaque marker comes after this layer's own entry in the tar: that entry stays.
    m.apply(2, [file('opt/new', 3), file('opt/.wh..wh..opq', 0)]);
    expect(m.files().map((f) => [f.path, f.layer])).toEqual([
      ['etc', 0],
      ['etc/a', 1],
      ['opt', 0],
      ['opt/new', 2],
    ]);
    expect(m.wastedByLayer).toEqual([10 + 20 + 5 + 7, 0, 0]);
    expect(m.wastedBytes).toBe(42);
    expect(m.totalFileBytes).toBe(10 + 20 + 5 + 7 + 11 + 3);
  });

  it('removes what was under a directory that a later layer replaces with a file, and deletes whole trees', () => {
    const m = new LayerMerge();
    m.apply(0, [dir('a'), file('a/one', 4), file('b/c/d', 6)]);
    m.apply(1, [file('a', 2), file('.wh.b', 0)]);
    expect(m.files().map((f) => `${f.path}:${f.type}`)).toEqual(['a:file']);
    expect(m.wastedBytes).toBe(10);
  });

  it('gives a hard link the size of its target', () => {
    const m = new LayerMerge();
    m.apply(0, [file('bin/tool', 9), { path: 'bin/t2', type: 'hardlink', size: 0, mode: 0o755, uid: 0, gid: 0, linkTarget: 'bin/tool' }]);
    expect(m.files().find((f) => f.path === 'bin/t2')?.size).toBe(9);
    expect(m.totalFileBytes).toBe(9);
  });
});
