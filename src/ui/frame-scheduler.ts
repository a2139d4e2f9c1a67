// Redraw pacing for the live view: progress events only mark the view dirty, and a
// timer draws at most every `intervalMs`, so a fast transfer costs a few frames a
// second rather than one per event. While idle it still draws every `idleMs`, so a
// stalled transfer's rate falls and its ETA moves.

export interface FrameSchedulerOptions {
  /**
   * 250 ms by default: four frames a second read as smooth for bytes and rates, and
   * each frame costs ink a few ms of CPU, taken from the uploads on a busy machine.
   */
  intervalMs?: number;
  idleMs?: number;
  now?: () => number;
}

export class FrameScheduler {
  readonly #draw: () => void;
  readonly #idleMs: number;
  readonly #now: () => number;
  readonly #timer: ReturnType<typeof setInterval>;
  #dirty = false;
  #lastDraw: number;

  constructor(draw: () => void, opts: FrameSchedulerOptions = {}) {
    this.#draw = draw;
    this.#idleMs = opts.idleMs ?? 1000;
    this.#now = opts.now ?? Date.now;
    this.#lastDraw = this.#now();
    this.#timer = setInterval(() => this.#tick(), opts.intervalMs ?? 250);
    // The view must never be what keeps the process alive.
    this.#timer.unref();
  }

  invalidate(): void {
    this.#dirty = true;
  }

  /** No more frames from the timer; the caller draws the last one itself. */
  stop(): void {
    clearInterval(this.#timer);
  }

  #tick(): void {
    const now = this.#now();
    if (!this.#dirty && now - this.#lastDraw < this.#idleMs) return;
    this.#dirty = false;
    this.#lastDraw = now;
    this.#draw();
  }
}
