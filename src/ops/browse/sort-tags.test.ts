import { describe, expect, it } from 'vitest';
import { sortTags } from './sort-tags.js';

describe('sortTags', () => {
  it('puts latest first, then versions newest first, then the rest by name', () => {
    expect(sortTags(['main', '1.2.0', 'latest', 'v1.10.0', '1.9.3', 'sha-abc', '2.0.0-rc.1', '2.0.0', '1.2'])).toEqual([
      'latest',
      '2.0.0',
      '2.0.0-rc.1',
      'v1.10.0',
      '1.9.3',
      '1.2',
      '1.2.0',
      'main',
      'sha-abc',
    ]);
  });

  it('sorts 10,000 tags quickly enough for every page that arrives', () => {
    const tags = Array.from({ length: 10_000 }, (_, i) => (i % 3 === 0 ? `1.${i}.0` : `build-${i}`));
    const start = performance.now();
    const sorted = sortTags(tags);
    expect(sorted).toHaveLength(10_000);
    expect(sorted[0]).toBe('1.9999.0');
    // Generous bound, only to catch a quadratic sort.
    expect(performance.now() - start).toBeLessThan(2000);
  });
});
