// Ctrl-C for commands that talk to registries: SIGINT/SIGTERM abort one AbortSignal,
// handed both to the registry client (in-flight requests) and to the service (between steps).
import { setMaxListeners } from 'node:events';
import { CancelledError } from '../errors/index.js';

/**
 * Run `work` with a signal aborted by the first SIGINT or SIGTERM. Once aborted, the
 * run ends as CancelledError whatever the work threw or returned, so a half-finished
 * push never reports success or a per-target failure (exit 130, spec §5).
 * The handlers are `once`: a second Ctrl-C falls through to Node's default and kills the process.
 */
export async function runCancellable<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  // Every request in flight listens on this one signal: up to two per transfer slot
  // (--concurrency, at most 32) per registry, plus retry waits. Node warns past 10,
  // which any busy copy passes; a real leak still goes past this.
  setMaxListeners(256, controller.signal);
  const onSignal = (): void => controller.abort(new CancelledError('cancelled'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await work(controller.signal);
    if (controller.signal.aborted) throw new CancelledError('cancelled');
    return result;
  } catch (err) {
    if (controller.signal.aborted && !(err instanceof CancelledError)) throw new CancelledError('cancelled', { cause: err });
    throw err;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
