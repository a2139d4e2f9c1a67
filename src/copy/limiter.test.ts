import { describe, expect, it } from 'vitest';
import { createLimiter } from './limiter.js';

describe('createLimiter', () => {
  it('never runs more than the bound, even as slots are handed on', async () => {
    const limit = createLimiter(2);
    let running = 0;
    let peak = 0;
    const task = async (): Promise<void> => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 1));
      running--;
    };
    await Promise.all(Array.from({ length: 20 }, () => limit(task)));
    expect(peak).toBe(2);
  });

  it('rejects a bound that is not a positive integer', () => {
    expect(() => createLimiter(0)).toThrow(RangeError);
  });
});
