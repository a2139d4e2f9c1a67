import { expect, it } from 'vitest';
import type { Descriptor } from '../oci/types.js';
import { MirrorProgressModel } from './mirror-progress.js';

const layer: Descriptor = { mediaType: 'application/octet-stream', digest: `sha256:${'a'.repeat(64)}`, size: 1000 };

it('counts items done of all and failures, keeps each running copy apart by id, and stops running rows', () => {
  let now = 0;
  const model = new MirrorProgressModel(() => now);
  expect(model.snapshot().total).toBeUndefined();
  model.apply({ type: 'resolved', charts: 1, images: 3, dryRun: false });
  model.apply({ type: 'item', id: 0, kind: 'chart', source: 'repo/c', target: '', status: 'failed', error: 'no such chart' });
  // Two items with one target (an image whole, and a platform subset of it).
  model.apply({ type: 'started', id: 1, kind: 'image', target: 'r/x:1' });
  model.apply({ type: 'started', id: 2, kind: 'image', target: 'r/x:1' });
  now = 10;
  model.apply({ type: 'copy', id: 1, event: { type: 'progress', target: 'r/x', descriptor: layer, bytes: 400 } });
  model.apply({ type: 'copy', id: 2, event: { type: 'copied', target: 'r/x', descriptor: layer } });
  model.apply({ type: 'item', id: 2, kind: 'image', source: 's/x:1', target: 'r/x:1', status: 'copied', digest: layer.digest });
  const s = model.snapshot();
  expect([s.total, s.done, s.failed]).toEqual([4, 2, 1]);
  expect(s.finished.map((r) => [r.id, r.state, r.target])).toEqual([[0, 'failed', 'repo/c'], [2, 'copied', 'r/x:1']]);
  expect(s.finished[1]!.transfer.blobs.transferred).toBe(1);
  expect(s.running.map((r) => [r.id, r.transfer.doneBytes])).toEqual([[1, 400]]);
  model.interrupt('cancelled');
  const stopped = model.snapshot();
  expect(stopped.stopped).toBe('cancelled');
  expect(stopped.running[0]!.transfer.state).toBe('failed');
});
