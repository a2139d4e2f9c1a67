// The browser session's request log: every request its registry clients made, as the
// client's onRequest hook reports them (method, redacted URL, status, time, bytes; never
// a header, so never a credential). Kept in memory, the latest REQUEST_LOG_LIMIT.
import type { RequestRecord } from '../../registry/transport/request-log.js';

export const REQUEST_LOG_LIMIT = 2000;

export interface RequestRecorder {
  /** For the client's onRequest option. */
  record(r: RequestRecord): void;
  records(): readonly RequestRecord[];
  /** Told after each new record; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
}

export function createRequestRecorder(limit = REQUEST_LOG_LIMIT): RequestRecorder {
  let list: RequestRecord[] = [];
  const listeners = new Set<() => void>();
  return {
    record: (r) => {
      // A new array each time: the screen compares by identity.
      list = list.length >= limit ? [...list.slice(list.length - limit + 1), r] : [...list, r];
      for (const l of listeners) l();
    },
    records: () => list,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
