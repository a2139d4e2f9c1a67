// One long action at a time (copy / retag, delete): its progress in the status bar
// (bytes, and a percentage once the total is known), cancelled with Esc or Ctrl-C through
// the same AbortController the browser's cancelTask aborts, its outcome in the status line.
import type { PullProgress } from '../../ops/browse/browse-services.js';
import { terminalSafe } from '../terminal-safe.js';
import type { BrowserState, StatusLine } from './browser-state.js';
import { errorText } from './describe-error.js';

export interface TaskHost {
  update(f: (s: BrowserState) => BrowserState): void;
  status(line: StatusLine | undefined): void;
  /** The running task's controller; what Esc and Ctrl-C abort. */
  task: { current: AbortController | undefined };
  /** The open registry, for the log-in hint of a 401. */
  registry(): string | undefined;
}

export interface TaskSpec {
  /** Shown in the status bar while it runs, e.g. "copying a → b". */
  title: string;
  /** The status line when it was cancelled. */
  cancelled: string;
  work(progress: PullProgress, signal: AbortSignal): Promise<StatusLine>;
  /** A failure said in the task's own words (short enough for the status line); else the error's. */
  failed?(err: unknown): StatusLine | undefined;
}

/** Progress redraws at most this often (the last event of a blob always shows). */
const PROGRESS_MS = 100;

/** Starts the task; false (and says so) when another one is running. */
export function startTask(host: TaskHost, spec: TaskSpec): boolean {
  if (host.task.current !== undefined) {
    host.status({ text: 'a task is running: Esc cancels it', tone: 'error' });
    return false;
  }
  const abort = new AbortController();
  host.task.current = abort;
  const title = terminalSafe(spec.title);
  const sizes = new Map<string, number>();
  let last = 0;
  const show = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - last < PROGRESS_MS) return;
    last = now;
    let done = 0;
    for (const n of sizes.values()) done += n;
    host.update((s) => ({ ...s, task: { ...(s.task ?? { title }), title, done } }));
  };
  host.update((s) => ({ ...s, task: { title, done: 0 }, status: undefined }));
  const progress: PullProgress = {
    onTotal: (total) => host.update((s) => ({ ...s, task: { title, done: s.task?.done ?? 0, total: total.bytes } })),
    onEvent: (e) => {
      if (e.type === 'progress') sizes.set(e.descriptor.digest, e.bytes);
      else if (e.type === 'copied' || e.type === 'exists' || e.type === 'skipped') sizes.set(e.descriptor.digest, e.descriptor.size);
      show(e.type !== 'progress');
    },
  };
  void Promise.resolve()
    .then(() => spec.work(progress, abort.signal))
    .then(
      (line) => {
        host.task.current = undefined;
        host.update((s) => ({ ...s, task: undefined, status: line }));
      },
      (err: unknown) => {
        host.task.current = undefined;
        const own = abort.signal.aborted ? undefined : spec.failed?.(err);
        const line: StatusLine = own ?? { text: abort.signal.aborted ? spec.cancelled : errorText(err, host.registry()), tone: 'error' };
        host.update((s) => ({ ...s, task: undefined, status: line }));
      },
    );
  return true;
}
