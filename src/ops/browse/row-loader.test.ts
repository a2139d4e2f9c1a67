import { describe, expect, it } from 'vitest';
import { RowLoader } from './row-loader.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('RowLoader', () => {
  it('runs at most 4 loads at once, drops rows scrolled away before their turn, and caches answers', async () => {
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
    for (const k of ['a', 'b', 'c', 'd']) waiting.get(k)!.resolve(k.toUpperCase());
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual(['a', 'b', 'c', 'd', 'g', 'h']);
    expect(loader.stats().peak).toBe(4);
    expect(loader.stats().dropped).toBe(2);
    expect(loader.get('a')).toEqual({ status: 'ready', value: 'A' });
    loader.show(['a']);
    expect(started).toHaveLength(6);
  });

  it('keeps a failure as the row state', async () => {
    const loader = new RowLoader<string>({ load: async () => Promise.reject(new Error('boom')), describeError: (e) => (e as Error).message });
    loader.show(['x']);
    await new Promise((r) => setTimeout(r, 0));
    expect(loader.get('x')).toEqual({ status: 'failed', error: 'boom' });
  });
});
