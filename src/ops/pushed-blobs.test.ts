import { describe, expect, it } from 'vitest';
import { PushedBlobs } from './pushed-blobs.js';

const d1 = `sha256:${'1'.repeat(64)}`;
const d2 = `sha256:${'2'.repeat(64)}`;

describe('PushedBlobs', () => {
  it('names a repository of the same registry holding the blob, never the one asking', () => {
    const pushed = new PushedBlobs();
    pushed.record(d1, { registry: 'reg:5000', repository: 'demo/big' });
    expect(pushed.sourceFor(d1, { registry: 'reg:5000', repository: 'demo/big2' })).toEqual({ registry: 'reg:5000', repository: 'demo/big' });
    // The repository itself, another registry, another blob: nothing to mount from.
    expect(pushed.sourceFor(d1, { registry: 'reg:5000', repository: 'demo/big' })).toBeUndefined();
    expect(pushed.sourceFor(d1, { registry: 'other:5000', repository: 'demo/big2' })).toBeUndefined();
    expect(pushed.sourceFor(d2, { registry: 'reg:5000', repository: 'demo/big2' })).toBeUndefined();
  });

  it('keeps the first holder, and offers another when the first is the one asking', () => {
    const pushed = new PushedBlobs();
    pushed.record(d1, { registry: 'reg', repository: 'a' });
    pushed.record(d1, { registry: 'reg', repository: 'b' });
    pushed.record(d1, { registry: 'reg', repository: 'a' });
    expect(pushed.sourceFor(d1, { registry: 'reg', repository: 'c' })?.repository).toBe('a');
    expect(pushed.sourceFor(d1, { registry: 'reg', repository: 'a' })?.repository).toBe('b');
  });
});
