import { describe, expect, it } from 'vitest';
import { CancelledError } from '../errors/index.js';
import { runCancellable } from './cancellation.js';

describe('runCancellable', () => {
  it('ends work that honours the signal as CancelledError as soon as it stops', async () => {
    const run = runCancellable(
      (signal) =>
        new Promise((resolve, reject) => {
          signal.addEventListener('abort', () => reject(new Error('aborted request')));
        }),
      60_000,
    );
    process.emit('SIGINT');
    await expect(run).rejects.toBeInstanceOf(CancelledError);
  });

  it('does not wait past the grace for work that ignores the signal', async () => {
    let finished = false;
    const run = runCancellable(async () => {
      await new Promise((r) => setTimeout(r, 30_000).unref());
      finished = true;
      return 'done';
    }, 50);
    const started = Date.now();
    process.emit('SIGTERM');
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(finished).toBe(false);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('returns the result and leaves no listener when nothing is signalled', async () => {
    const before = process.listenerCount('SIGINT');
    expect(await runCancellable(async () => 'ok', 50)).toBe('ok');
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
