// Ctrl-C for commands that talk to registries: SIGINT/SIGTERM abort one AbortSignal,
// handed both to the registry client (in-flight requests) and to the service (between steps).
import { setMaxListeners } from 'node:events';
import { CancelledError } from '../errors/index.js';

/**
 * How long cancelled work may take to wind down (abort its requests, remove its temp
 * files) before the run ends without it. Work that honours the signal ends well within it;
 * a phase that does not look at the signal is not waited for.
 */
export const CANCEL_GRACE_MS = 3_000;

/** Testing knob: LAZYOCI_CANCEL_GRACE_MS lengthens the grace, so a test sees a phase end by itself. */
function defaultGrace(): number {
  const value = process.env.LAZYOCI_CANCEL_GRACE_MS ?? '';
  return /^\d+$/.test(value) ? Number(value) : CANCEL_GRACE_MS;
}

/**
 * Run `work` with a signal aborted by the first SIGINT or SIGTERM. Once aborted, the
 * run ends as CancelledError whatever the work threw or returned, so a half-finished
 * push never reports success or a per-target failure (exit 130, spec §5) — at the
 * latest `graceMs` after the signal, even if the work has not finished by then.
 * The handlers are `once`: a second Ctrl-C falls through to Node's default and kills the process.
 */
export async function runCancellable<T>(work: (signal: AbortSignal) => Promise<T>, graceMs = defaultGrace()): Promise<T> {
  const controller = new AbortController();
  // Every request in flight listens on this one signal: up to two per transfer slot
  // (--concurrency, at most 32) per registry, plus retry waits. Node warns past 10,
  // which any busy copy passes; a real leak still goes past this.
  setMaxListeners(256, controller.signal);
  const onSignal = (): void => controller.abort(new CancelledError('cancelled'));
  let grace: NodeJS.Timeout | undefined;
  const windDown = new Promise<never>((_, reject) => {
    controller.signal.addEventListener(
      'abort',
      () => {
        grace = setTimeout(() => reject(new CancelledError('cancelled')), graceMs);
      },
      { once: true },
    );
  });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await Promise.race([work(controller.signal), windDown]);
    if (controller.signal.aborted) throw new CancelledError('cancelled');
    return result;
  } catch (err) {
    if (controller.signal.aborted && !(err instanceof CancelledError)) throw new CancelledError('cancelled', { cause: err });
    throw err;
  } finally {
    clearTimeout(grace);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
