// The live progress view, seen from the main thread: the model's frames are sent to a
// thread of their own (live-view-worker.ts), where ink lays them out and draws them.
// Loaded by dynamic import only when stderr is a terminal.
import { Worker } from 'node:worker_threads';
import type { BuildProgressModel } from './build-progress.js';
import { FrameScheduler } from './frame-scheduler.js';
import type { MirrorProgressModel } from './mirror-progress.js';
import type { ViewFrame, ViewMessage, ViewSetup } from './live-view-protocol.js';
import type { TransferVerb } from './progress-text.js';
import type { TransferProgress } from './transfer-progress.js';

export interface LiveViewOptions {
  stream: NodeJS.WriteStream;
  color: boolean;
}

export interface LiveView {
  /** Something changed; the next frame shows it. */
  invalidate(): void;
  /** Draw the last frame and give the terminal back; resolves once it is written. */
  close(): Promise<void>;
}

/** Node's measure of the terminal (TERM, COLORTERM, FORCE_COLOR) as a chalk level. */
function colorLevel(opts: LiveViewOptions): ViewSetup['colorLevel'] {
  if (!opts.color) return 0;
  const depth = opts.stream.getColorDepth?.() ?? 1;
  return depth >= 24 ? 3 : depth >= 8 ? 2 : depth >= 4 ? 1 : 0;
}

function mount(frame: () => ViewFrame, opts: LiveViewOptions): LiveView {
  const setup: ViewSetup = { fd: (opts.stream as { fd?: number }).fd ?? 2, colorLevel: colorLevel(opts) };
  const worker = new Worker(new URL('./live-view-worker.js', import.meta.url), { workerData: setup, stdout: false, stderr: false });
  const send = (message: ViewMessage): void => worker.postMessage(message);
  // A view that cannot be drawn (its thread failed) must not fail the command it shows.
  let broken = false;
  worker.on('error', () => {
    broken = true;
  });
  const frames = new FrameScheduler(() => {
    if (!broken) send({ frame: frame() });
  });
  // Node refreshes the stream's size on SIGWINCH, which only this thread receives.
  const resized = (): void => {
    if (!broken) send({ resize: { columns: opts.stream.columns, rows: opts.stream.rows } });
  };
  opts.stream.on('resize', resized);
  send({ frame: frame() });
  let closing: Promise<void> | undefined;
  return {
    invalidate: () => frames.invalidate(),
    close: () => {
      closing ??= (async () => {
        frames.stop();
        opts.stream.off('resize', resized);
        if (!broken) {
          await new Promise<void>((resolve) => {
            worker.once('message', () => resolve());
            worker.once('error', () => resolve());
            worker.once('exit', () => resolve());
            send({ frame: frame(), close: true });
          });
        }
        await worker.terminate();
      })();
      return closing;
    },
  };
}

export function mountBuildView(model: BuildProgressModel, opts: LiveViewOptions): LiveView {
  return mount(() => ({ kind: 'build', props: { artifacts: model.snapshot() } }), opts);
}

export function mountTransferView(
  model: TransferProgress,
  view: { title: string; verb: TransferVerb; clock: () => number },
  opts: LiveViewOptions,
): LiveView {
  return mount(() => ({ kind: 'transfer', props: { title: view.title, verb: view.verb, snapshot: model.snapshot(view.clock()) } }), opts);
}

export function mountMirrorView(model: MirrorProgressModel, title: string, opts: LiveViewOptions): LiveView {
  return mount(() => ({ kind: 'mirror', props: { title, snapshot: model.snapshot() } }), opts);
}
