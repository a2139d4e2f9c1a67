import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FrameScheduler } from './frame-scheduler.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('FrameScheduler', () => {
  it('draws at most once per interval however many changes arrive', () => {
    const draw = vi.fn();
    const frames = new FrameScheduler(draw, { intervalMs: 100, idleMs: 10_000 });
    for (let i = 0; i < 1000; i++) {
      frames.invalidate();
      vi.advanceTimersByTime(1);
    }
    // 1000 changes over 1 s: ten frames, not a thousand.
    expect(draw).toHaveBeenCalledTimes(10);
    frames.stop();
  });

  it('does not draw when nothing changed, except once per idle period', () => {
    const draw = vi.fn();
    const frames = new FrameScheduler(draw, { intervalMs: 100, idleMs: 1000 });
    vi.advanceTimersByTime(950);
    expect(draw).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(draw).toHaveBeenCalledTimes(1);
    frames.stop();
  });

  it('draws nothing after stop', () => {
    const draw = vi.fn();
    const frames = new FrameScheduler(draw, { intervalMs: 100 });
    frames.invalidate();
    frames.stop();
    vi.advanceTimersByTime(5000);
    expect(draw).not.toHaveBeenCalled();
  });
});
