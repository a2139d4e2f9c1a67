// Transfer rate over a sliding window of samples, so a burst or a stall shows within
// seconds instead of being averaged away over the whole run.

interface Sample {
  t: number;
  bytes: number;
}

/** Samples closer together than this are merged, which keeps the window small at high rates. */
const MERGE_MS = 100;
/** Below this span a rate is mostly noise from the first chunk or two. */
const MIN_SPAN_MS = 250;

export class RateMeter {
  readonly #windowMs: number;
  readonly #samples: Sample[] = [];

  constructor(windowMs = 5000) {
    this.#windowMs = windowMs;
  }

  /** `bytes` is the running total moved so far, at `t` milliseconds. */
  record(t: number, bytes: number): void {
    const last = this.#samples.at(-1);
    // The first sample is the baseline and is never merged into.
    if (last !== undefined && this.#samples.length > 1 && t - last.t < MERGE_MS) last.bytes = bytes;
    else this.#samples.push({ t, bytes });
    this.#prune(t);
  }

  /** Bytes per second at `now`, or undefined while there is too little to go on. */
  rate(now: number): number | undefined {
    this.#prune(now);
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (first === undefined || last === undefined) return undefined;
    const cutoff = now - this.#windowMs;
    if (first.t >= cutoff) {
      const span = now - first.t;
      return span < MIN_SPAN_MS ? undefined : ((last.bytes - first.bytes) * 1000) / span;
    }
    // The window starts between the first two samples: take the total there by
    // interpolation. Measuring up to now, not to the last sample, lets a stall decay to 0.
    const next = this.#samples[1];
    const atCutoff = next === undefined ? first.bytes : first.bytes + ((next.bytes - first.bytes) * (cutoff - first.t)) / (next.t - first.t);
    return ((last.bytes - atCutoff) * 1000) / this.#windowMs;
  }

  /** Drop samples before the window, keeping the last of them to interpolate from. */
  #prune(now: number): void {
    const cutoff = now - this.#windowMs;
    while (this.#samples.length >= 2 && this.#samples[1]!.t < cutoff) this.#samples.shift();
  }
}
