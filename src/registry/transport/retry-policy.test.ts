import { describe, expect, it } from 'vitest';
import { CancelledError, RegistryError } from '../../errors/index.js';
import { NetworkFailure } from './network-error.js';
import { isRetryable, parseRetryAfter, RetryPolicy, sleep, type RetryClock } from './retry-policy.js';

/** A clock that never sleeps for real: waits move time forward and are recorded. */
function fakeClock(random: () => number, start = 1_000_000): RetryClock & { waits: number[]; t: number } {
  const clock = {
    t: start,
    waits: [] as number[],
    now: () => clock.t,
    random,
    sleep: async (ms: number) => {
      clock.waits.push(ms);
      clock.t += ms;
    },
  };
  return clock;
}

const err = (status?: number, code?: string): RegistryError =>
  new RegistryError('x', { method: 'GET', url: 'u', ...(status === undefined ? {} : { status }), codes: code ? [{ code, message: '' }] : [] });

describe('RetryPolicy.backoff', () => {
  it('doubles from the base, is bounded by maxWaitMs, and jitters between half and all of it', () => {
    const low = new RetryPolicy({ baseMs: 200, maxWaitMs: 10_000 }, fakeClock(() => 0));
    const high = new RetryPolicy({ baseMs: 200, maxWaitMs: 10_000 }, fakeClock(() => 0.999999));
    expect([1, 2, 3, 4].map((n) => low.backoff(n))).toEqual([100, 200, 400, 800]);
    expect([1, 2, 3, 4].map((n) => high.backoff(n))).toEqual([200, 400, 800, 1600]);
    expect(low.backoff(20)).toBe(5_000);
    expect(high.backoff(20)).toBe(10_000);
    const random = new RetryPolicy({ baseMs: 200 }, fakeClock(Math.random));
    for (let i = 0; i < 200; i++) {
      const w = random.backoff(3);
      expect(w).toBeGreaterThanOrEqual(400);
      expect(w).toBeLessThanOrEqual(800);
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  it('reads delta-seconds and HTTP dates, capped and never negative', () => {
    expect(parseRetryAfter('3', now, 60_000)).toBe(3_000);
    expect(parseRetryAfter(' 120 ', now, 60_000)).toBe(60_000);
    expect(parseRetryAfter('Wed, 01 May 2024 12:00:07 GMT', now, 60_000)).toBe(7_000);
    expect(parseRetryAfter('Wed, 01 May 2024 11:00:00 GMT', now, 60_000)).toBe(0);
    expect(parseRetryAfter('soon', now, 60_000)).toBeUndefined();
    expect(parseRetryAfter(undefined, now, 60_000)).toBeUndefined();
  });
});

describe('isRetryable', () => {
  it('retries no answer, 408, 429 and 5xx; not 400/401/403/404/413 or other errors', () => {
    for (const s of [undefined, 408, 429, 500, 502, 503, 504]) expect(isRetryable(err(s)), String(s)).toBe(true);
    for (const s of [400, 401, 403, 404, 413, 416]) expect(isRetryable(err(s)), String(s)).toBe(false);
    expect(isRetryable(err(400, 'DIGEST_INVALID'))).toBe(false);
    expect(isRetryable(new Error('bug'))).toBe(false);
  });

  it('never retries an error marked final (a policy refusal, or one its owner already retried)', () => {
    expect(isRetryable(new RegistryError('refusing a redirect', { method: 'GET', url: 'u', final: true }))).toBe(false);
    expect(isRetryable(new RegistryError('gave up', { method: 'GET', url: 'u', status: 503, final: true }))).toBe(false);
  });
});

describe('RetryPolicy.run', () => {
  it('retries temporary failures with growing waits, up to maxAttempts, then throws the last error', async () => {
    const clock = fakeClock(() => 0.5);
    const policy = new RetryPolicy({ baseMs: 100, maxAttempts: 4 }, clock);
    let tries = 0;
    await expect(
      policy.run(async () => {
        tries++;
        throw err(503);
      }),
    ).rejects.toMatchObject({ status: 503 });
    expect(tries).toBe(4);
    expect(clock.waits).toEqual([75, 150, 300]);
  });

  it('fails at once on a permanent error and succeeds after temporary ones', async () => {
    const clock = fakeClock(() => 0);
    const policy = new RetryPolicy({}, clock);
    let tries = 0;
    await expect(policy.run(async () => { tries++; throw err(403); })).rejects.toMatchObject({ status: 403 });
    expect(tries).toBe(1);
    tries = 0;
    expect(await policy.run(async () => (++tries < 3 ? Promise.reject(err()) : 'ok'))).toBe('ok');
    expect(tries).toBe(3);
  });

  it('tries a request that times out at most maxTimeoutAttempts times, other failures up to maxAttempts', async () => {
    const timeout = (): NetworkFailure => new NetworkFailure({ method: 'GET', url: 'u', detail: 'no response headers', awaited: 'headers', timedOut: true });
    const broken = (): NetworkFailure => new NetworkFailure({ method: 'GET', url: 'u', detail: 'closed', awaited: 'body', timedOut: false });
    const policy = new RetryPolicy({ maxAttempts: 5 }, fakeClock(() => 0));
    let tries = 0;
    await expect(policy.run(async () => { tries++; throw new RegistryError('wrapped', { method: 'GET', url: 'u', cause: timeout() }); })).rejects.toThrow('wrapped');
    expect(tries).toBe(2);
    tries = 0;
    await expect(policy.run(async () => { tries++; throw broken(); })).rejects.toBeInstanceOf(NetworkFailure);
    expect(tries).toBe(5);
  });

  it('holds every request to the host until a Retry-After has passed', async () => {
    const clock = fakeClock(() => 0);
    const policy = new RetryPolicy({ baseMs: 10, retryAfterCapMs: 60_000 }, clock);
    policy.noteRetryAfter('5');
    const started = clock.t;
    await policy.run(async () => 'first');
    expect(clock.t - started).toBe(5_000);
    policy.noteRetryAfter('3600');
    await policy.gate();
    expect(clock.t - started).toBe(65_000); // capped at 60 s
  });

  it('a wait ends with CancelledError when the signal aborts', async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    const policy = new RetryPolicy({ baseMs: 60_000 });
    const run = policy.run(async () => { throw err(503); }, { signal: controller.signal });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
  });
});
