import { describe, expect, it } from 'vitest';
import { follow, layoutFor, paneAt, PANES } from './layout.js';

describe('layoutFor', () => {
  it('fills an 80×24 screen with four panes between the title and status lines, without overlap', () => {
    const l = layoutFor(80, 24, 'tags');
    const cells = new Set<string>();
    let area = 0;
    for (const p of PANES) {
      const r = l[p];
      area += r.width * r.height;
      for (let y = r.top; y < r.top + r.height; y++) for (let x = r.left; x < r.left + r.width; x++) cells.add(`${x},${y}`);
    }
    expect(area).toBe(80 * 22);
    expect(cells.size).toBe(80 * 22);
    expect(paneAt(l, 0, 1)).toBe('registries');
    expect(paneAt(l, 79, 22)).toBe('details');
  });

  it('gives the details pane more room when it has the keys', () => {
    expect(layoutFor(80, 24, 'details').details.height).toBeGreaterThan(layoutFor(80, 24, 'tags').details.height);
  });

  it('moves the scroll window as little as possible', () => {
    expect(follow(0, 5, 10, 100)).toBe(0);
    expect(follow(0, 12, 10, 100)).toBe(3);
    expect(follow(50, 40, 10, 100)).toBe(40);
    expect(follow(95, 99, 10, 100)).toBe(90);
  });
});
