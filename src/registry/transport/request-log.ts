// A dispatcher layer that reports every request the run makes, once it has ended:
// method, URL (redacted: no userinfo, no query secrets), status, duration and bytes.
// Headers are never part of it, so neither are credentials or tokens.
import type { Dispatcher } from './undici-core.js';
import { redactUrl } from './redact.js';

export interface RequestRecord {
  method: string;
  url: string;
  /** The response status; absent when none came (connection failure, cancelled). */
  status?: number;
  /** From sending the request to the end of its response body (or its failure). */
  ms: number;
  /** Response body bytes received. */
  bytes: number;
  /** Request body bytes, as its Content-Length declared (uploads). */
  sentBytes?: number;
  /** Why it failed, when it did (the error's name or code, no detail that could hold a URL). */
  error?: string;
}

export type RequestListener = (record: RequestRecord) => void;

export function requestLog(listener: RequestListener, now: () => number = () => performance.now()): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => dispatch(opts, new LoggedHandler(opts, handler, listener, now));
}

function declaredLength(headers: Dispatcher.DispatchOptions['headers']): number | undefined {
  if (headers === undefined || headers === null || Array.isArray(headers) || typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') return undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  for (const [key, value] of Object.entries(record)) {
    if (key.toLowerCase() !== 'content-length') continue;
    const n = Number(Array.isArray(value) ? value[0] : value);
    return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  }
  return undefined;
}

class LoggedHandler implements Dispatcher.DispatchHandler {
  readonly #inner: Dispatcher.DispatchHandler;
  readonly #listener: RequestListener;
  readonly #now: () => number;
  readonly #record: RequestRecord;
  readonly #start: number;
  #reported = false;

  constructor(opts: Dispatcher.DispatchOptions, inner: Dispatcher.DispatchHandler, listener: RequestListener, now: () => number) {
    this.#inner = inner;
    this.#listener = listener;
    this.#now = now;
    this.#start = now();
    let url: string;
    try {
      url = redactUrl(new URL(opts.path, String(opts.origin ?? '')));
    } catch {
      url = '<unparseable url>';
    }
    const sent = Buffer.isBuffer(opts.body) ? opts.body.length : declaredLength(opts.headers);
    this.#record = { method: opts.method, url, ms: 0, bytes: 0, ...(sent === undefined || sent === 0 ? {} : { sentBytes: sent }) };
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, socket: import('node:stream').Duplex): void {
    this.#inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    this.#record.status = statusCode;
    this.#inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#record.bytes += chunk.length;
    this.#inner.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: Record<string, string | string[] | undefined>): void {
    this.#report();
    this.#inner.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    const code = (error as { code?: unknown }).code;
    this.#record.error = typeof code === 'string' ? code : error.name;
    this.#report();
    this.#inner.onResponseError?.(controller, error);
  }

  #report(): void {
    if (this.#reported) return;
    this.#reported = true;
    this.#record.ms = Math.round(this.#now() - this.#start);
    try {
      this.#listener({ ...this.#record });
    } catch {
      // A listener's failure must not break the request it watches.
    }
  }
}
