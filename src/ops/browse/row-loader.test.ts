import { describe, expect, it } from 'vitest';
import { RowLoader } from './row-loader.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('RowLoader', () => {
  it('runs at most 4 loads at once, drops rows scrolled away before their turn (aborting those running), and caches answers', async () => {
    const waiting = new Map<string, ReturnType<typeof deferred<string>>>();
    const started: string[] = [];
    const loader = new RowLoader<string>({
      load: (key) => {
        started.push(key);
        const d = deferred<string>();
        waiting.set(key, d);
        return d.promise;
      },
      describeError: String,
    });
    loader.show(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    // Scrolled: e and f are no longer on screen, g and h are.
    loader.show(['g', 'h']);
    // a–d were running: aborted, their slots free once they end (these ignore the signal).
    expect(loader.stats().aborted).toBe(4);
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    for (const k of ['a', 'b', 'c', 'd']) waiting.get(k)!.resolve(k.toUpperCase());
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual(['a', 'b', 'c', 'd', 'g', 'h']);
    expect(loader.stats().peak).toBe(4);
    expect(loader.stats().dropped).toBe(2);
    // The answer of an aborted load is not kept.
    expect(loader.get('a')).toBeUndefined();
    waiting.get('g')!.resolve('G');
    await new Promise((r) => setTimeout(r, 0));
    expect(loader.get('g')).toEqual({ status: 'ready', value: 'G' });
    loader.show(['g']);
    expect(started).toHaveLength(6);
  });

  it('keeps a failure as the row state', async () => {
    const loader = new RowLoader<string>({ load: async () => Promise.reject(new Error('boom')), describeError: (e) => (e as Error).message });
    loader.show(['x']);
    await new Promise((r) => setTimeout(r, 0));
    expect(loader.get('x')).toEqual({ status: 'failed', error: 'boom' });
  });
});

describe('RowLoader aborts', () => {
  it('aborts the running load of a row scrolled away, frees its slot when it ends, and asks again when the row comes back', async () => {
    const signals = new Map<string, AbortSignal>();
    const started: string[] = [];
    const loader = new RowLoader<string>({
      load: (key, signal) => {
        started.push(key);
        signals.set(key, signal);
        return new Promise<string>((resolve, reject) => {
          signal.addEventListener('abort', () => reject(new Error('aborted')));
          if (key.startsWith('quick')) resolve(key);
        });
      },
      describeError: (e) => (e as Error).message,
    });
    loader.show(['a', 'b', 'c', 'd', 'e']);
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    loader.show(['c', 'd', 'e', 'quick-f']);
    expect(signals.get('a')!.aborted).toBe(true);
    expect(signals.get('b')!.aborted).toBe(true);
    expect(signals.get('c')!.aborted).toBe(false);
    expect(loader.stats().aborted).toBe(2);
    // An aborted row is not remembered as failed: it is simply not known.
    expect(loader.get('a')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 0));
    // The two slots came free when the aborted loads ended: e and quick-f started.
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e', 'quick-f']);
    expect(loader.stats().peak).toBe(4);
    await new Promise((r) => setTimeout(r, 0));
    expect(loader.get('quick-f')).toEqual({ status: 'ready', value: 'quick-f' });
    loader.show(['a']);
    expect(started.at(-1)).toBe('a');
    expect(signals.get('a')!.aborted).toBe(false);
  });

  it('clear() aborts what is running', () => {
    const signals: AbortSignal[] = [];
    const loader = new RowLoader<string>({ load: (_k, signal) => (signals.push(signal), new Promise<string>(() => undefined)), describeError: String });
    loader.show(['a', 'b']);
    loader.clear();
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
  });
});
