import { describe, expect, it } from 'vitest';
import { ContentError } from '../errors/index.js';
import type { BuildEvent } from '../ops/build.js';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/types.js';
import { BuildProgressModel } from './build-progress.js';

const layer: Descriptor = { mediaType: 'application/octet-stream', digest: `sha256:${'a'.repeat(64)}`, size: 3000 };
const config: Descriptor = { mediaType: MediaType.empty, digest: `sha256:${'c'.repeat(64)}`, size: 2 };
const root: Descriptor = { mediaType: MediaType.imageManifest, digest: `sha256:${'f'.repeat(64)}`, size: 400 };

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const packaging = (push = true): BuildEvent => ({
  type: 'packaging',
  artifact: 'app',
  artifactType: 'artifact',
  targets: [
    { target: 'reg/one', tags: ['v1', 'latest'] },
    { target: 'reg/two', tags: ['v1'] },
  ],
  push,
});
const copy = (target: string, event: Extract<BuildEvent, { type: 'copy' }>['event']): BuildEvent => ({ type: 'copy', artifact: 'app', target, event });

describe('BuildProgressModel', () => {
  it('follows an artifact from packaging through each target, with uploads that begin before packaging ends', () => {
    const c = clock();
    const m = new BuildProgressModel(c.now);
    m.apply(packaging());
    expect(m.snapshot()[0]).toMatchObject({ name: 'app', state: 'packaging', targets: [{ name: 'reg/one', state: 'waiting' }, { name: 'reg/two', state: 'waiting' }] });

    m.apply(copy('reg/one', { type: 'started', target: 'registry/one', descriptor: layer }));
    c.advance(500);
    m.apply(copy('reg/one', { type: 'progress', target: 'registry/one', descriptor: layer, bytes: 1000 }));
    let one = m.snapshot()[0]!.targets[0]!;
    // No total yet: what was seen is the lower bound, and there is no ETA.
    expect(one).toMatchObject({ state: 'pushing', doneBytes: 1000, seenBytes: 3000, rate: 2000 });
    expect(one.totalBytes).toBeUndefined();
    expect(one.etaSeconds).toBeUndefined();

    m.apply({ type: 'packaged', artifact: 'app', digest: root.digest, size: 3402, blobs: 2 });
    one = m.snapshot()[0]!.targets[0]!;
    expect(m.snapshot()[0]).toMatchObject({ state: 'packaged', digest: root.digest, size: 3402, blobs: 2 });
    expect(one.totalBytes).toBe(3402);
    expect(one.etaSeconds).toBeCloseTo(2402 / 2000, 5);

    m.apply(copy('reg/one', { type: 'copied', target: 'registry/one', descriptor: layer }));
    m.apply(copy('reg/one', { type: 'skipped', target: 'registry/one', descriptor: config }));
    m.apply(copy('reg/one', { type: 'tagged', target: 'registry/one', descriptor: root, tag: 'v1' }));
    m.apply(copy('reg/one', { type: 'tagged', target: 'registry/one', descriptor: root, tag: 'latest' }));
    m.apply({ type: 'target-done', artifact: 'app', target: 'reg/one', digest: root.digest, tags: ['v1', 'latest'] });
    one = m.snapshot()[0]!.targets[0]!;
    expect(one).toMatchObject({ state: 'done', final: true, digest: root.digest, doneBytes: 3402, tagged: ['v1', 'latest'] });
    expect(one.blobs).toEqual({ transferred: 1, skipped: 1, mounted: 0, seen: 2, total: 2 });

    m.apply(copy('reg/two', { type: 'mounted', target: 'registry/two', descriptor: layer, from: 'registry/one' }));
    m.apply({ type: 'target-failed', artifact: 'app', target: 'reg/two', error: new ContentError('denied: no push', { hint: 'log in first' }) });
    expect(m.snapshot()[0]!.targets[1]).toMatchObject({ state: 'failed', error: 'denied: no push', hint: 'log in first', blobs: { mounted: 1 } });
  });

  it("keeps a dry run's unpackaged artifact apart, with its note, and leaves it alone on interrupt", () => {
    const m = new BuildProgressModel(clock().now);
    m.apply(packaging(false));
    m.apply({ type: 'not-packaged', artifact: 'app', note: 'not computed: needs a builder' });
    m.interrupt('cancelled');
    expect(m.snapshot()[0]).toMatchObject({ state: 'not-packaged', note: 'not computed: needs a builder', push: false });
    expect(m.snapshot()[0]!.targets.every((t) => t.state === 'waiting')).toBe(true);
  });

  it('marks the artifact failed when packaging fails', () => {
    const m = new BuildProgressModel(() => 0);
    m.apply(packaging());
    m.apply({ type: 'target-failed', artifact: 'app', target: '(packaging)', error: new Error('chart.yaml missing') });
    expect(m.snapshot()[0]).toMatchObject({ state: 'failed', error: 'chart.yaml missing' });
    expect(m.snapshot()[0]!.targets.every((t) => t.state === 'waiting')).toBe(true);
  });

  it('on interrupt marks what had not finished, leaving finished targets and dry runs alone', () => {
    const m = new BuildProgressModel(() => 0);
    m.apply(packaging());
    m.apply({ type: 'packaged', artifact: 'app', digest: root.digest, size: 3402, blobs: 2 });
    m.apply({ type: 'target-done', artifact: 'app', target: 'reg/one', digest: root.digest, tags: ['v1', 'latest'] });
    m.apply({ ...packaging(false), artifact: 'dry' } as BuildEvent);
    m.interrupt('cancelled');
    const [app, dry] = m.snapshot();
    expect(app!.targets.map((t) => [t.state, t.error])).toEqual([
      ['done', undefined],
      ['failed', 'cancelled'],
    ]);
    expect(dry).toMatchObject({ state: 'packaging', push: false });
  });
});
