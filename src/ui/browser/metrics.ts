// Timings for the benchmark (bench/browser.mjs), written as JSON when
// LAZYOCI_BROWSER_METRICS names a file: first frame after process start, the frame that
// shows a tag list after its last page arrived, each keystroke to its next frame, peak RSS.
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { BrowseServices } from '../../ops/browse/browse-services.js';
import { earlyScreen } from './open-screen.js';

export class BrowserMetrics {
  readonly #file: string;
  #firstFrame: number | undefined;
  #firstFrameCpu: number | undefined;
  #tagsArrived: { at: number; count: number } | undefined;
  readonly #tagLists: { count: number; listedMs: number }[] = [];
  #keyAt: number | undefined;
  readonly #keystrokes: number[] = [];
  #frames = 0;

  private constructor(file: string) {
    this.#file = file;
  }

  static fromEnv(env: NodeJS.ProcessEnv): BrowserMetrics | undefined {
    const file = env.LAZYOCI_BROWSER_METRICS;
    return file === undefined || file === '' ? undefined : new BrowserMetrics(file);
  }

  /** ink drew a frame. performance.now() counts from the start of the process. */
  frame(): void {
    const now = performance.now();
    this.#frames++;
    if (this.#firstFrame === undefined) {
      this.#firstFrame = now;
      const cpu = process.cpuUsage();
      this.#firstFrameCpu = (cpu.user + cpu.system) / 1000;
    }
    if (this.#tagsArrived !== undefined) {
      this.#tagLists.push({ count: this.#tagsArrived.count, listedMs: now - this.#tagsArrived.at });
      this.#tagsArrived = undefined;
    }
    if (this.#keyAt !== undefined) {
      this.#keystrokes.push(now - this.#keyAt);
      this.#keyAt = undefined;
    }
  }

  keystroke(): void {
    this.#keyAt = performance.now();
  }

  /** The same services, with the moment each tag list is complete noted. */
  watch(services: BrowseServices): BrowseServices {
    const self = this;
    return {
      ...services,
      tags: (registry, repository) => ({
        async *[Symbol.asyncIterator]() {
          let count = 0;
          let lastPage = performance.now();
          for await (const page of services.tags(registry, repository)) {
            lastPage = performance.now();
            count += page.length;
            yield page;
          }
          // The next frame is the one drawn with the whole list (sorted, loading done).
          self.#tagsArrived = { at: lastPage, count };
        },
      }),
    };
  }

  async write(): Promise<void> {
    const sorted = [...this.#keystrokes].sort((a, b) => a - b);
    const median = sorted.length === 0 ? undefined : sorted[Math.floor(sorted.length / 2)];
    await writeFile(
      this.#file,
      JSON.stringify({
        // The skeleton painted before ink loaded (open-screen.ts), when it was; then ink's first frame.
        skeletonMs: earlyScreen()?.paintedAt,
        firstFrameMs: this.#firstFrame,
        // CPU time used by then (user + system): steadier than wall time on a busy machine.
        skeletonCpuMs: earlyScreen()?.paintedCpuMs,
        firstFrameCpuMs: this.#firstFrameCpu,
        tagLists: this.#tagLists,
        keystrokes: this.#keystrokes.length,
        keystrokeMedianMs: median,
        frames: this.#frames,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
      }),
    );
  }
}
