import { describe, expect, it } from 'vitest';
import { barParts, formatEta, formatRate } from './progress-text.js';

describe('progress text', () => {
  it('fills the bar in proportion, clamped', () => {
    expect(barParts(0.5, 8)).toEqual({ filled: '████', empty: '░░░░' });
    expect(barParts(1.7, 4)).toEqual({ filled: '████', empty: '' });
    expect(barParts(Number.NaN, 4)).toEqual({ filled: '', empty: '░░░░' });
  });

  it('writes an ETA in seconds, minutes or hours', () => {
    expect(formatEta(0.2)).toBe('<1s');
    expect(formatEta(44.1)).toBe('45s');
    expect(formatEta(187)).toBe('3:07');
    expect(formatEta(3723)).toBe('1:02:03');
  });

  it('writes a rate with binary units', () => {
    expect(formatRate(5.25 * (1 << 20))).toBe('5.3 MiB/s');
    expect(formatRate(900)).toBe('900 B/s');
  });
});
