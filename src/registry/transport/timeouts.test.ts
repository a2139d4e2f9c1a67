import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors/index.js';
import { DEFAULT_TIMEOUTS, formatSeconds, parseSeconds, resolveTimeouts } from './timeouts.js';

describe('resolveTimeouts', () => {
  it('defaults, then each LAZYOCI_*_TIMEOUT, then --timeout for every step', () => {
    expect(resolveTimeouts({})).toEqual(DEFAULT_TIMEOUTS);
    expect(resolveTimeouts({ LAZYOCI_HEADERS_TIMEOUT: '5', LAZYOCI_BODY_TIMEOUT: '0.5' })).toEqual({ ...DEFAULT_TIMEOUTS, headersMs: 5_000, bodyMs: 500 });
    expect(resolveTimeouts({ LAZYOCI_CONNECT_TIMEOUT: '5' }, 2)).toEqual({ connectMs: 2_000, headersMs: 2_000, bodyMs: 2_000 });
    expect(resolveTimeouts({ LAZYOCI_CONNECT_TIMEOUT: '0' }).connectMs).toBe(0);
  });

  it('refuses a value that is not a number of seconds, naming the variable', () => {
    expect(() => resolveTimeouts({ LAZYOCI_BODY_TIMEOUT: '1m' })).toThrow(UsageError);
    expect(() => resolveTimeouts({ LAZYOCI_BODY_TIMEOUT: '-3' })).toThrow(/LAZYOCI_BODY_TIMEOUT=-3/);
  });

  it('reads and writes seconds', () => {
    expect(parseSeconds('30')).toBe(30_000);
    expect(parseSeconds(' 0.25 ')).toBe(250);
    expect(parseSeconds('1e3')).toBeUndefined();
    expect(formatSeconds(60_000)).toBe('60 s');
    expect(formatSeconds(500)).toBe('0.5 s');
  });
});
