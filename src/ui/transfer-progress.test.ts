import { describe, expect, it } from 'vitest';
import type { CopyEvent } from '../copy/events.js';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/types.js';
import { TransferProgress } from './transfer-progress.js';

const MiB = 1 << 20;
const blob = (n: number, size: number): Descriptor => ({ mediaType: 'application/octet-stream', digest: `sha256:${String(n).repeat(64).slice(0, 64)}`, size });
const manifest: Descriptor = { mediaType: MediaType.imageManifest, digest: `sha256:${'m'.repeat(64)}`, size: 500 };
const ev = (type: Exclude<CopyEvent['type'], 'progress' | 'mounted' | 'tagged'>, descriptor: Descriptor): CopyEvent => ({ type, target: 'r/x', descriptor });
const progress = (descriptor: Descriptor, bytes: number): CopyEvent => ({ type: 'progress', target: 'r/x', descriptor, bytes });

describe('TransferProgress', () => {
  it('waits until the first event, then counts bytes of running uploads and finished blobs', () => {
    const t = new TransferProgress();
    expect(t.snapshot(0)).toMatchObject({ state: 'waiting', doneBytes: 0, final: false });
    const a = blob(1, 4 * MiB);
    const b = blob(2, 2 * MiB);
    t.apply(ev('started', a), 0);
    t.apply(progress(a, MiB), 100);
    t.apply(ev('skipped', b), 100);
    const s = t.snapshot(100);
    expect(s.state).toBe('pushing');
    expect(s.doneBytes).toBe(3 * MiB);
    expect(s.seenBytes).toBe(6 * MiB);
    expect(s.blobs).toEqual({ transferred: 0, skipped: 1, mounted: 0, seen: 2 });
    expect(s.totalBytes).toBeUndefined();
    expect(s.etaSeconds).toBeUndefined();
  });

  it('keeps the latest figure of a restarted upload rather than adding attempts up', () => {
    const t = new TransferProgress();
    const a = blob(1, 8 * MiB);
    t.apply(ev('started', a), 0);
    t.apply(progress(a, 5 * MiB), 500);
    t.apply(progress(a, MiB), 700);
    expect(t.snapshot(700).doneBytes).toBe(MiB);
    t.apply(progress(a, 8 * MiB), 900);
    t.apply(ev('copied', a), 900);
    const s = t.snapshot(900);
    expect(s.doneBytes).toBe(8 * MiB);
    expect(s.blobs.transferred).toBe(1);
    // The rate counts what crossed the wire: 5 + 8 MiB in 0.9 s.
    expect(s.rate).toBeCloseTo((13 * MiB) / 0.9, -3);
  });

  it('gives an ETA once the total is known, from the windowed rate', () => {
    const t = new TransferProgress();
    t.setTotal({ bytes: 10 * MiB + 500, blobs: 1 });
    const a = blob(1, 10 * MiB);
    t.apply(ev('started', a), 0);
    t.apply(progress(a, 2 * MiB), 1000);
    const s = t.snapshot(1000);
    expect(s.rate).toBe(2 * MiB);
    expect(s.etaSeconds).toBeCloseTo((8 * MiB + 500) / (2 * MiB), 5);
    expect(s.blobs.total).toBe(1);
  });

  it('ends done with the digest and tags; blobs under a skipped subtree count as skipped', () => {
    const t = new TransferProgress();
    t.setTotal({ bytes: 3000 + 500, blobs: 3 });
    t.apply(ev('copied', blob(1, 1000)), 0);
    t.apply({ type: 'mounted', target: 'r/x', descriptor: blob(2, 1000), from: 'r/y' }, 10);
    t.apply({ type: 'tagged', target: 'r/x', descriptor: manifest, tag: 'v1' }, 20);
    t.apply({ type: 'tagged', target: 'r/x', descriptor: manifest, tag: 'latest' }, 30);
    t.finish(40);
    const s = t.snapshot(50);
    expect(s).toMatchObject({ state: 'done', final: true, digest: manifest.digest, tagged: ['v1', 'latest'], doneBytes: 3500, elapsedMs: 40 });
    expect(s.blobs).toEqual({ transferred: 1, skipped: 1, mounted: 1, seen: 2, total: 3 });
    // Later events are ignored.
    t.apply(ev('copied', blob(9, 1)), 60);
    expect(t.snapshot(60).blobs.seen).toBe(2);
  });

  it('shows a destination that has everything as exists, through the tag writes', () => {
    const t = new TransferProgress();
    t.setTotal({ bytes: 1500, blobs: 1 });
    t.apply(ev('exists', manifest), 0);
    expect(t.snapshot(0)).toMatchObject({ state: 'exists', final: false, digest: manifest.digest });
    t.apply({ type: 'tagged', target: 'r/x', descriptor: manifest, tag: 'v1' }, 5);
    t.finish(10);
    expect(t.snapshot(10)).toMatchObject({ state: 'exists', final: true, tagged: ['v1'], doneBytes: 1500, blobs: { skipped: 1 } });
  });

  it('fails with the message and hint, and stays failed', () => {
    const t = new TransferProgress();
    t.apply(ev('started', blob(1, 10)), 0);
    t.fail(5, 'denied', 'log in first');
    t.finish(6);
    expect(t.snapshot(7)).toMatchObject({ state: 'failed', final: true, error: 'denied', hint: 'log in first' });
    expect(t.snapshot(7).rate).toBeUndefined();
  });
});
