// An error from a use case as the pane shows it: one safe line, and what to do about it.
import { CancelledError, LazyOciError, RegistryError } from '../../errors/index.js';
import { terminalSafe } from '../terminal-safe.js';
import type { ErrorView } from './browser-state.js';

export function describeError(err: unknown, registry?: string): ErrorView {
  if (err instanceof CancelledError) return { message: 'cancelled' };
  const message = terminalSafe(err instanceof Error ? err.message : String(err));
  if (err instanceof RegistryError && (err.status === 401 || err.status === 403)) {
    return { message, hint: `log in: lazyoci login ${registry ?? 'HOST'} (or registry add, or docker login), then r to retry` };
  }
  if (err instanceof LazyOciError && err.hint !== undefined) return { message, hint: terminalSafe(err.hint) };
  if (err instanceof RegistryError && err.status === undefined) return { message, hint: 'is the registry up? r retries' };
  return { message };
}

/** The error as one status-bar line: the message, then what to do about it. */
export function errorText(err: unknown, registry?: string): string {
  const e = describeError(err, registry);
  return e.hint === undefined ? e.message : `${e.message} — ${e.hint}`;
}
