import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/types.js';
import { TransferProgress } from './transfer-progress.js';
import { TransferView } from './TransferView.js';

const MiB = 1 << 20;
const layer: Descriptor = { mediaType: MediaType.imageLayerTarGzip, digest: `sha256:${'1'.repeat(64)}`, size: 8 * MiB };
const cfg: Descriptor = { mediaType: MediaType.imageConfig, digest: `sha256:${'2'.repeat(64)}`, size: 1000 };
const root: Descriptor = { mediaType: MediaType.imageManifest, digest: `sha256:${'3'.repeat(64)}`, size: 500 };

describe('TransferView', () => {
  it('shows a pull with its total from the start, then ✓ and the digest', () => {
    const p = new TransferProgress();
    p.setTotal({ bytes: layer.size + cfg.size + root.size, blobs: 2 });
    p.apply({ type: 'started', target: 'dir', descriptor: layer }, 0);
    p.apply({ type: 'progress', target: 'dir', descriptor: layer, bytes: 2 * MiB }, 1000);
    p.apply({ type: 'skipped', target: 'dir', descriptor: cfg }, 1000);
    const view = render(<TransferView title="reg/app:v1 → /tmp/app" verb="pulled" snapshot={p.snapshot(1000)} color={false} />);
    const running = view.lastFrame()!;
    expect(running).toContain('↓ reg/app:v1 → /tmp/app');
    expect(running).toMatch(/25%\s+2\.0 MiB \/ 8\.0 MiB\s+2\.0 MiB\/s\s+ETA 4s/);
    expect(running).toContain('blobs: 0 pulled, 1 skipped, 0 mounted of 2');

    p.apply({ type: 'progress', target: 'dir', descriptor: layer, bytes: 8 * MiB }, 2000);
    p.apply({ type: 'copied', target: 'dir', descriptor: layer }, 2000);
    p.apply({ type: 'tagged', target: 'dir', descriptor: root, tag: 'v1' }, 2100);
    p.finish(2100);
    view.rerender(<TransferView title="reg/app:v1 → /tmp/app" verb="pulled" snapshot={p.snapshot(2200)} color={false} />);
    const done = view.lastFrame()!;
    expect(done).toContain('✓ reg/app:v1 → /tmp/app');
    expect(done).toContain(root.digest);
    expect(done).toContain('blobs: 1 pulled, 1 skipped, 0 mounted of 2 · 8.0 MiB in 2.1 s');
  });

  it('shows bytes without an ETA when no total was given, and a short reason when it fails', () => {
    const p = new TransferProgress();
    p.apply({ type: 'started', target: 'r/b', descriptor: layer }, 0);
    p.apply({ type: 'progress', target: 'r/b', descriptor: layer, bytes: 4 * MiB }, 1000);
    const running = render(<TransferView title="a → b" verb="copied" snapshot={p.snapshot(1000)} color={false} />).lastFrame()!;
    expect(running).toContain('→ a → b');
    expect(running).toContain('4.0 MiB / ≥8.0 MiB');
    expect(running).not.toContain('ETA');
    p.fail(1500, 'cancelled');
    const failed = render(<TransferView title="a → b" verb="copied" snapshot={p.snapshot(1500)} color={false} />).lastFrame()!;
    expect(failed).toContain('✗ a → b cancelled');
  });
});
