import { describe, expect, it } from 'vitest';
import { RateMeter } from './rate-meter.js';

describe('RateMeter', () => {
  it('has no rate until the samples span a quarter of a second', () => {
    const m = new RateMeter();
    expect(m.rate(0)).toBeUndefined();
    m.record(0, 0);
    m.record(100, 1000);
    expect(m.rate(200)).toBeUndefined();
    expect(m.rate(250)).toBe(4000);
  });

  it('measures over the last window only, so a change of speed shows', () => {
    const m = new RateMeter(1000);
    // 1 MB/s for 5 s, then 4 MB/s for 2 s.
    let bytes = 0;
    for (let t = 0; t <= 5000; t += 200) {
      m.record(t, bytes);
      bytes += 200_000;
    }
    bytes -= 200_000;
    for (let t = 5200; t <= 7000; t += 200) {
      bytes += 800_000;
      m.record(t, bytes);
    }
    expect(m.rate(7000)).toBeCloseTo(4_000_000, -3);
  });

  it('falls towards 0 while nothing moves', () => {
    const m = new RateMeter(1000);
    m.record(0, 0);
    m.record(1000, 10_000_000);
    expect(m.rate(1000)).toBe(10_000_000);
    expect(m.rate(1500)).toBe(5_000_000);
    expect(m.rate(2000)).toBe(0);
    expect(m.rate(9000)).toBe(0);
  });

  it('merges samples that come close together without losing the baseline', () => {
    const m = new RateMeter();
    m.record(0, 0);
    for (let t = 10; t <= 90; t += 10) m.record(t, t * 100);
    m.record(95, 9_500);
    expect(m.rate(500)).toBe(19_000);
  });
});
