// The one retry owner for a registry: jittered exponential backoff with a bound, and
// the host-wide "not before" time a Retry-After answer sets (spec §5, design rule 5).
import { CancelledError, RegistryError } from '../../errors/index.js';
import { isTimeout } from './network-error.js';

export interface RetryOptions {
  /** First wait before jitter; later waits double. Default 200 ms. */
  baseMs?: number;
  /** No single backoff wait is longer than this. Default 10 s. */
  maxWaitMs?: number;
  /** Tries in all, the first included. Default 5. */
  maxAttempts?: number;
  /** The longest Retry-After honoured. Default 60 s. */
  retryAfterCapMs?: number;
  /**
   * Tries that may end in a timeout, the first included. Default 2: each one already
   * waited a full timeout, and a host silent twice in a row is not coming back soon.
   */
  maxTimeoutAttempts?: number;
}

/** Time and chance, injectable so tests neither sleep for real nor depend on luck. */
export interface RetryClock {
  now(): number;
  random(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const DEFAULT_RETRY: Required<RetryOptions> = { baseMs: 200, maxWaitMs: 10_000, maxAttempts: 5, retryAfterCapMs: 60_000, maxTimeoutAttempts: 2 };
const FACTOR = 2;

/** Statuses that say "try again later" rather than "this request is wrong". */
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

export function cancelled(what: string): CancelledError {
  return new CancelledError(`${what}: cancelled`);
}

/** Resolves after `ms`, or rejects with CancelledError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.reject(cancelled('wait before retry'));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelled('wait before retry'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const systemClock: RetryClock = { now: () => Date.now(), random: () => Math.random(), sleep };

/**
 * Milliseconds a `Retry-After` value asks for: delta-seconds or an HTTP date. Undefined
 * when absent or unreadable; never negative; capped at `capMs`.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number, capMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - nowMs;
  }
  return Math.min(Math.max(0, ms), capMs);
}

/** Whether a failure may go away by itself: no answer, throttling, or a server fault. */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof RegistryError) || err.final) return false;
  if (err.status === undefined) return err.isTemporary();
  return RETRY_STATUSES.has(err.status);
}

export class RetryPolicy {
  readonly options: Required<RetryOptions>;
  readonly #clock: RetryClock;
  /** Shared by every request to this host: no request starts before it. */
  #notBefore = 0;

  constructor(options: RetryOptions = {}, clock: RetryClock = systemClock) {
    this.options = {
      baseMs: options.baseMs ?? DEFAULT_RETRY.baseMs,
      maxWaitMs: options.maxWaitMs ?? DEFAULT_RETRY.maxWaitMs,
      maxAttempts: Math.max(1, options.maxAttempts ?? DEFAULT_RETRY.maxAttempts),
      retryAfterCapMs: options.retryAfterCapMs ?? DEFAULT_RETRY.retryAfterCapMs,
      maxTimeoutAttempts: Math.max(1, options.maxTimeoutAttempts ?? DEFAULT_RETRY.maxTimeoutAttempts),
    };
    this.#clock = clock;
  }

  /**
   * The wait after failed try number `attempt` (1-based): base·2^(attempt-1), capped,
   * then "equal jitter" — between half and all of it — so clients that failed together
   * do not come back together.
   */
  backoff(attempt: number): number {
    const ceiling = Math.min(this.options.maxWaitMs, this.options.baseMs * FACTOR ** Math.max(0, attempt - 1));
    return Math.round(ceiling / 2 + (this.#clock.random() * ceiling) / 2);
  }

  /** Record a Retry-After answer (429/503): every later request to the host waits for it. */
  noteRetryAfter(value: string | undefined): void {
    const now = this.#clock.now();
    const ms = parseRetryAfter(value, now, this.options.retryAfterCapMs);
    if (ms !== undefined) this.#notBefore = Math.max(this.#notBefore, now + ms);
  }

  /** When the host may next be asked (epoch ms); 0 when there is no hold. */
  get notBefore(): number {
    return this.#notBefore;
  }

  /** Wait out any host-wide hold. */
  async gate(signal?: AbortSignal): Promise<void> {
    const wait = this.#notBefore - this.#clock.now();
    if (wait > 0) await this.#clock.sleep(wait, signal);
    else if (signal?.aborted === true) throw cancelled('request');
  }

  /**
   * Run `attempt` until it succeeds, fails with something not worth retrying, or the
   * tries are used up; the last error is thrown as is.
   */
  async run<T>(
    attempt: (n: number) => Promise<T>,
    opts: { signal?: AbortSignal; retryable?: (err: unknown) => boolean } = {},
  ): Promise<T> {
    const retryable = opts.retryable ?? isRetryable;
    let timeouts = 0;
    for (let n = 1; ; n++) {
      await this.gate(opts.signal);
      try {
        return await attempt(n);
      } catch (err) {
        if (err instanceof CancelledError || opts.signal?.aborted === true) throw err instanceof CancelledError ? err : cancelled('request');
        if (isTimeout(err)) timeouts++;
        if (n >= this.options.maxAttempts || timeouts >= this.options.maxTimeoutAttempts || !retryable(err)) throw err;
        await this.#clock.sleep(this.backoff(n), opts.signal);
      }
    }
  }
}
