import { describe, expect, it } from 'vitest';
import { ContentError } from '../errors/index.js';
import type { Descriptor } from '../oci/types.js';
import { colorEnabled, progressMode, startBuildProgress, startTransferProgress, type ProgressTerminal } from './progress-reporter.js';

const layer: Descriptor = { mediaType: 'application/octet-stream', digest: `sha256:${'a'.repeat(64)}`, size: 10 };

function pipe(quiet: boolean): { terminal: ProgressTerminal; out: string[] } {
  const out: string[] = [];
  // Not a TTY: the plain path, which never touches the stream itself.
  const stream = { isTTY: false } as NodeJS.WriteStream;
  return { terminal: { stream, write: (t) => out.push(t), env: {}, quiet }, out };
}

describe('progressMode', () => {
  it('is live only on a terminal that is not dumb, outside CI, without -q', () => {
    expect(progressMode({ isTTY: true, env: { TERM: 'xterm-256color' }, quiet: false })).toBe('live');
    expect(progressMode({ isTTY: true, env: {}, quiet: true })).toBe('quiet');
    expect(progressMode({ isTTY: false, env: {}, quiet: true })).toBe('quiet');
    expect(progressMode({ isTTY: undefined, env: {}, quiet: false })).toBe('lines');
    expect(progressMode({ isTTY: true, env: { TERM: 'dumb' }, quiet: false })).toBe('lines');
    expect(progressMode({ isTTY: true, env: { CI: 'true' }, quiet: false })).toBe('lines');
    expect(progressMode({ isTTY: true, env: { CI: 'false' }, quiet: false })).toBe('live');
  });
});

describe('colorEnabled', () => {
  it('is off for any non-empty NO_COLOR', () => {
    expect(colorEnabled({})).toBe(true);
    expect(colorEnabled({ NO_COLOR: '' })).toBe(true);
    expect(colorEnabled({ NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ NO_COLOR: '0' })).toBe(false);
  });
});

describe('plain progress', () => {
  it('writes a build’s lines, skipping events that have none', async () => {
    const { terminal, out } = pipe(false);
    const p = await startBuildProgress(terminal);
    p.onEvent({ type: 'packaging', artifact: 'app', artifactType: 'artifact', targets: [], push: true });
    p.onEvent({ type: 'copy', artifact: 'app', target: 'r/x', event: { type: 'progress', target: 'r/x', descriptor: layer, bytes: 5 } });
    p.onEvent({ type: 'copy', artifact: 'app', target: 'r/x', event: { type: 'copied', target: 'r/x', descriptor: layer } });
    p.onEvent({ type: 'packaged', artifact: 'app', digest: layer.digest, size: 10, blobs: 1 });
    await p.close();
    expect(out).toEqual([expect.stringMatching(/^app: .*uploaded.*\n$/) as unknown, expect.stringMatching(/^app: packaged 1 blob, 10 B, sha256:a+\n$/) as unknown]);
  });

  it('under -q writes only failures', async () => {
    const { terminal, out } = pipe(true);
    const p = await startBuildProgress(terminal);
    p.onEvent({ type: 'packaged', artifact: 'app', digest: layer.digest, size: 10, blobs: 1 });
    p.onEvent({ type: 'target-failed', artifact: 'app', target: 'r/x', error: new ContentError('no space', { hint: 'free some' }) });
    await p.close();
    expect(out).toEqual(['app: r/x failed: no space\n  hint: free some\n']);

    const t = await startTransferProgress(terminal, { title: 'a → b', verb: 'pulled' });
    t.onEvent({ type: 'copied', target: 'dir', descriptor: layer });
    await t.close();
    expect(out).toHaveLength(1);
    // Only the live view uses a total, so the service is not asked to compute one.
    expect(t.onTotal).toBeUndefined();
  });

  it('writes a transfer’s lines with its verb', async () => {
    const { terminal, out } = pipe(false);
    const t = await startTransferProgress(terminal, { title: 'a → b', verb: 'pulled' });
    t.onEvent({ type: 'started', target: 'dir', descriptor: layer });
    t.onEvent({ type: 'copied', target: 'dir', descriptor: layer });
    await t.close();
    expect(out).toEqual([expect.stringContaining('pulled') as unknown]);
  });
});
