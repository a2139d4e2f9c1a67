// Loads something per list row (a tag's summary) for the rows on screen only: at most
// `concurrency` requests at once, rows scrolled away before their turn are dropped and
// those scrolled away while their request runs have it aborted (its signal), every
// answer kept for the session.

export type RowState<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'failed'; error: string };

export interface RowLoaderOptions<T> {
  /** `signal` is aborted when the row leaves the screen before its answer came. */
  load: (key: string, signal: AbortSignal) => Promise<T>;
  describeError: (err: unknown) => string;
  concurrency?: number;
  /** Something new is known; the view redraws. */
  onChange?: () => void;
}

/** Requests at once for rows: what the browser allows itself beside the user's actions. */
export const ROW_CONCURRENCY = 4;

export class RowLoader<T> {
  readonly #opts: RowLoaderOptions<T>;
  readonly #max: number;
  readonly #known = new Map<string, RowState<T>>();
  /** Keys waiting for a slot, in the order they were asked for. */
  #queue: string[] = [];
  #wanted = new Set<string>();
  /** The running load of each key; a later load of the same key replaces it. */
  readonly #inflight = new Map<string, AbortController>();
  #running = 0;
  #peak = 0;
  #dropped = 0;
  #aborted = 0;

  constructor(opts: RowLoaderOptions<T>) {
    this.#opts = opts;
    this.#max = opts.concurrency ?? ROW_CONCURRENCY;
  }

  get(key: string): RowState<T> | undefined {
    return this.#known.get(key);
  }

  /**
   * The rows now on screen. Queued rows not among them are dropped, running ones aborted
   * (asked again if they come back); missing ones queued.
   */
  show(keys: readonly string[]): void {
    this.#wanted = new Set(keys);
    const before = this.#queue.length;
    this.#queue = this.#queue.filter((k) => this.#wanted.has(k));
    this.#dropped += before - this.#queue.length;
    for (const [key, controller] of this.#inflight) {
      if (this.#wanted.has(key)) continue;
      this.#abort(key, controller);
      this.#aborted++;
    }
    for (const key of keys) {
      if (this.#known.has(key) || this.#queue.includes(key)) continue;
      this.#queue.push(key);
    }
    this.#pump();
  }

  /** Forget every answer (refresh); loads still running are aborted. */
  clear(): void {
    for (const [key, controller] of this.#inflight) this.#abort(key, controller);
    this.#known.clear();
    this.#queue = [];
  }

  stats(): { running: number; queued: number; peak: number; dropped: number; aborted: number; known: number } {
    return { running: this.#running, queued: this.#queue.length, peak: this.#peak, dropped: this.#dropped, aborted: this.#aborted, known: this.#known.size };
  }

  #abort(key: string, controller: AbortController): void {
    controller.abort();
    this.#inflight.delete(key);
    this.#known.delete(key);
  }

  #pump(): void {
    while (this.#running < this.#max && this.#queue.length > 0) {
      const key = this.#queue.shift()!;
      this.#running++;
      this.#peak = Math.max(this.#peak, this.#running);
      this.#known.set(key, { status: 'loading' });
      const controller = new AbortController();
      this.#inflight.set(key, controller);
      // An aborted load's answer (or its error) is not kept: the row is no longer asked about.
      const current = (): boolean => this.#inflight.get(key) === controller;
      let load: Promise<T>;
      try {
        load = this.#opts.load(key, controller.signal);
      } catch (err) {
        load = Promise.reject(err);
      }
      load
        .then(
          (value) => current() && this.#known.set(key, { status: 'ready', value }),
          (err: unknown) => current() && this.#known.set(key, { status: 'failed', error: this.#opts.describeError(err) }),
        )
        .finally(() => {
          if (current()) this.#inflight.delete(key);
          // The slot is free once the request has really ended, aborted or not.
          this.#running--;
          this.#opts.onChange?.();
          this.#pump();
        });
    }
    if (this.#running > 0 || this.#queue.length > 0) this.#opts.onChange?.();
  }
}
