import chalk from 'chalk';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { ContentError } from '../errors/index.js';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/types.js';
import type { BuildEvent } from '../ops/build.js';
import { BuildProgressModel } from './build-progress.js';
import { BuildView } from './BuildView.js';

const MiB = 1 << 20;
const big: Descriptor = { mediaType: 'application/octet-stream', digest: `sha256:${'b'.repeat(64)}`, size: 40 * MiB };
const config: Descriptor = { mediaType: MediaType.empty, digest: `sha256:${'c'.repeat(64)}`, size: 2 };
const notes: Descriptor = { mediaType: 'text/plain', digest: `sha256:${'d'.repeat(64)}`, size: 14 };
const root: Descriptor = { mediaType: MediaType.imageManifest, digest: `sha256:${'e'.repeat(64)}`, size: 600 };
const TOTAL = big.size + config.size + notes.size + root.size;

const copy = (target: string, event: Extract<BuildEvent, { type: 'copy' }>['event']): BuildEvent => ({ type: 'copy', artifact: 'bundle', target, event });

/** A build of one artifact to two targets, stopped at `upTo` events, on a clock that moves 1 s per event. */
function modelAfter(events: BuildEvent[]): BuildProgressModel {
  let t = 0;
  const m = new BuildProgressModel(() => t);
  for (const e of events) {
    m.apply(e);
    t += 1000;
  }
  return m;
}

const start: BuildEvent[] = [
  { type: 'packaging', artifact: 'bundle', artifactType: 'artifact', targets: [{ target: 'reg.example/one', tags: ['v1', 'latest'] }, { target: 'reg.example/two', tags: ['v1'] }], push: true },
  copy('reg.example/one', { type: 'started', target: 'r/one', descriptor: big }),
];
const packaged: BuildEvent = { type: 'packaged', artifact: 'bundle', digest: root.digest, size: TOTAL, blobs: 3 };
const firstTargetDone: BuildEvent[] = [
  copy('reg.example/one', { type: 'progress', target: 'r/one', descriptor: big, bytes: 40 * MiB }),
  copy('reg.example/one', { type: 'copied', target: 'r/one', descriptor: big }),
  copy('reg.example/one', { type: 'skipped', target: 'r/one', descriptor: config }),
  copy('reg.example/one', { type: 'copied', target: 'r/one', descriptor: notes }),
  copy('reg.example/one', { type: 'tagged', target: 'r/one', descriptor: root, tag: 'v1' }),
  copy('reg.example/one', { type: 'tagged', target: 'r/one', descriptor: root, tag: 'latest' }),
  { type: 'target-done', artifact: 'bundle', target: 'reg.example/one', digest: root.digest, tags: ['v1', 'latest'] },
];

afterEach(() => {
  chalk.level = 0;
});

describe('BuildView', () => {
  it('shows packaging, then the running upload with its bar, bytes, rate and ETA, and the targets waiting', () => {
    const m = modelAfter([...start, copy('reg.example/one', { type: 'progress', target: 'r/one', descriptor: big, bytes: 10 * MiB })]);
    const frame = render(<BuildView artifacts={m.snapshot()} color={false} />).lastFrame()!;
    expect(frame).toContain('… bundle (artifact) packaging');
    expect(frame).toContain('↑ reg.example/one → v1, latest');
    // Before `packaged` the total is only a lower bound, and there is no ETA.
    expect(frame).toContain('10.0 MiB / ≥40.0 MiB');
    expect(frame).not.toContain('ETA');
    expect(frame).toContain('· reg.example/two → v1 waiting');

    const later = modelAfter([...start, packaged, copy('reg.example/one', { type: 'progress', target: 'r/one', descriptor: big, bytes: 20 * MiB })]);
    const next = render(<BuildView artifacts={later.snapshot()} color={false} />).lastFrame()!;
    expect(next).toContain('✓ bundle (artifact) packaged 3 blobs, 40.0 MiB, sha256:eeeeeeeeeeee');
    expect(next).toMatch(/███████░░░░░░░░░\s+49%\s+20\.0 MiB \/ 40\.0 MiB\s+\S+ \S+\/s\s+ETA \d+s/);
    expect(next).toContain('blobs: 0 uploaded, 0 skipped, 0 mounted of 3');
  });

  it('shows a finished target with ✓, the full digest and its blob counts, and a failed one with ✗ and the message', () => {
    const m = modelAfter([
      ...start,
      packaged,
      ...firstTargetDone,
      copy('reg.example/two', { type: 'mounted', target: 'r/two', descriptor: big, from: 'reg.example/one' }),
      { type: 'target-failed', artifact: 'bundle', target: 'reg.example/two', error: new ContentError('access denied to reg.example/two', { hint: 'check the credentials' }) },
    ]);
    const frame = render(<BuildView artifacts={m.snapshot()} color={false} />).lastFrame()!;
    expect(frame).toContain('✓ reg.example/one → v1, latest');
    expect(frame).toContain(`    ${root.digest}`);
    expect(frame).toMatch(/blobs: 2 uploaded, 1 skipped, 0 mounted of 3 · 40\.0 MiB in \d+\.\d s/);
    expect(frame).toContain('✗ reg.example/two → v1 failed');
    expect(frame).toContain('access denied to reg.example/two');
    expect(frame).toContain('hint: check the credentials');
  });

  it('says when the destination already had everything, and counts mounted blobs', () => {
    const m = modelAfter([
      ...start.slice(0, 1),
      packaged,
      copy('reg.example/one', { type: 'exists', target: 'r/one', descriptor: root }),
      copy('reg.example/one', { type: 'tagged', target: 'r/one', descriptor: root, tag: 'v1' }),
      { type: 'target-done', artifact: 'bundle', target: 'reg.example/one', digest: root.digest, tags: ['v1', 'latest'] },
      copy('reg.example/two', { type: 'mounted', target: 'r/two', descriptor: big, from: 'reg.example/one' }),
    ]);
    const frame = render(<BuildView artifacts={m.snapshot()} color={false} />).lastFrame()!;
    expect(frame).toContain('✓ reg.example/one → v1, latest already there; tags written');
    expect(frame).toContain('blobs: 0 uploaded, 3 skipped, 0 mounted of 3');
    expect(frame).toContain('blobs: 0 uploaded, 0 skipped, 1 mounted of 3');
  });

  it('shows a packaging failure on the artifact row, without target rows', () => {
    const m = modelAfter([
      start[0]!,
      { type: 'target-failed', artifact: 'bundle', target: '(packaging)', error: new ContentError('files[0]: no such file data.bin') },
    ]);
    const frame = render(<BuildView artifacts={m.snapshot()} color={false} />).lastFrame()!;
    expect(frame).toContain('✗ bundle (artifact) packaging failed');
    expect(frame).toContain('files[0]: no such file data.bin');
    expect(frame).not.toContain('reg.example/one');
  });

  it('lists a dry run’s targets as not pushed', () => {
    const m = modelAfter([{ ...start[0]!, push: false } as BuildEvent, packaged]);
    const frame = render(<BuildView artifacts={m.snapshot()} color={false} />).lastFrame()!;
    expect(frame).toContain('· reg.example/one → v1, latest not pushed');
    expect(frame).toContain('· reg.example/two → v1 not pushed');
  });

  it("shows a dry run's unbuilt image as listed without a digest, with the reason", () => {
    const m = modelAfter([
      { type: 'packaging', artifact: 'site', artifactType: 'image', targets: [{ target: 'reg.example/site', tags: ['1.0'] }], push: false },
      { type: 'not-packaged', artifact: 'site', note: 'not computed: the image is built only by --dry-run=build or a real build' },
    ]);
    const frame = render(<BuildView artifacts={m.snapshot()} color={false} />).lastFrame()!;
    expect(frame).toContain('· site (image) digest not computed: the image is built only by --dry-run=build');
    expect(frame).not.toContain('packaging');
    expect(frame).toContain('· reg.example/site → 1.0 not pushed');
  });

  it('prints finished rows once, above the live rows, as frames go by', () => {
    const events = [...start, packaged, ...firstTargetDone, copy('reg.example/two', { type: 'started', target: 'r/two', descriptor: big })];
    let t = 0;
    const m = new BuildProgressModel(() => t);
    const view = render(<BuildView artifacts={m.snapshot()} color={false} />);
    for (const e of events) {
      m.apply(e);
      t += 1000;
      view.rerender(<BuildView artifacts={m.snapshot()} color={false} />);
    }
    const frame = view.lastFrame()!;
    const lines = frame.split('\n');
    expect(lines.filter((l) => l.includes('packaged 3 blobs'))).toHaveLength(1);
    expect(lines.findIndex((l) => l.includes('✓ reg.example/one'))).toBeLessThan(lines.findIndex((l) => l.includes('↑ reg.example/two')));
  });

  it('writes colour codes only when colour is on', () => {
    chalk.level = 3;
    const m = modelAfter([...start, packaged, ...firstTargetDone]);
    const coloured = render(<BuildView artifacts={m.snapshot()} color />).lastFrame()!;
    expect(coloured).toMatch(/\u001b\[32m✓/);
    const plain = render(<BuildView artifacts={m.snapshot()} color={false} />).lastFrame()!;
    expect(plain).toContain('✓ reg.example/one');
    expect(plain).not.toMatch(/\u001b\[/);
  });
});
