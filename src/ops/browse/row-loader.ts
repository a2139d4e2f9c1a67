// Loads something per list row (a tag's summary) for the rows on screen only: at most
// `concurrency` requests at once, rows scrolled away before their turn are dropped,
// every answer kept for the session.

export type RowState<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'failed'; error: string };

export interface RowLoaderOptions<T> {
  load: (key: string) => Promise<T>;
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
  #running = 0;
  #peak = 0;
  #dropped = 0;

  constructor(opts: RowLoaderOptions<T>) {
    this.#opts = opts;
    this.#max = opts.concurrency ?? ROW_CONCURRENCY;
  }

  get(key: string): RowState<T> | undefined {
    return this.#known.get(key);
  }

  /** The rows now on screen. Queued rows not among them are dropped; missing ones queued. */
  show(keys: readonly string[]): void {
    this.#wanted = new Set(keys);
    const before = this.#queue.length;
    this.#queue = this.#queue.filter((k) => this.#wanted.has(k));
    this.#dropped += before - this.#queue.length;
    for (const key of keys) {
      if (this.#known.has(key) || this.#queue.includes(key)) continue;
      this.#queue.push(key);
    }
    this.#pump();
  }

  /** Forget every answer (refresh). */
  clear(): void {
    this.#known.clear();
    this.#queue = [];
  }

  stats(): { running: number; queued: number; peak: number; dropped: number; known: number } {
    return { running: this.#running, queued: this.#queue.length, peak: this.#peak, dropped: this.#dropped, known: this.#known.size };
  }

  #pump(): void {
    while (this.#running < this.#max && this.#queue.length > 0) {
      const key = this.#queue.shift()!;
      this.#running++;
      this.#peak = Math.max(this.#peak, this.#running);
      this.#known.set(key, { status: 'loading' });
      this.#opts
        .load(key)
        .then(
          (value) => this.#known.set(key, { status: 'ready', value }),
          (err: unknown) => this.#known.set(key, { status: 'failed', error: this.#opts.describeError(err) }),
        )
        .finally(() => {
          this.#running--;
          this.#opts.onChange?.();
          this.#pump();
        });
    }
    if (this.#running > 0 || this.#queue.length > 0) this.#opts.onChange?.();
  }
}
