// A dispatcher layer that turns the network letting a request down into a NetworkFailure
// naming the request, the host and what was awaited: undici's connect and header
// timeouts, a body that stalls (less than STALL_MIN_BYTES per body-timeout window, which
// also ends a body that trickles), and a connection closed in the middle of a body.
import type { Dispatcher } from './undici-core.js';
import { LazyOciError } from '../../errors/index.js';
import { NetworkFailure, type AwaitedStage } from './network-error.js';
import { redactUrl } from './redact.js';
import { formatSeconds, STALL_MIN_BYTES, type NetworkTimeouts } from './timeouts.js';

/** undici codes that mean the connection failed us mid-body (not that we aborted it). */
const BODY_BREAK_CODES = new Set(['UND_ERR_SOCKET', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

export function stallGuard(timeouts: NetworkTimeouts): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => dispatch(opts, new GuardedHandler(opts, handler, timeouts));
}

class GuardedHandler implements Dispatcher.DispatchHandler {
  readonly #inner: Dispatcher.DispatchHandler;
  readonly #timeouts: NetworkTimeouts;
  readonly #method: string;
  readonly #url: string;
  readonly #host: string;
  #started = false;
  #received = 0;
  #expected: number | undefined;
  #windowBytes = 0;
  #pausedInWindow = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: Dispatcher.DispatchOptions, inner: Dispatcher.DispatchHandler, timeouts: NetworkTimeouts) {
    this.#inner = inner;
    this.#timeouts = timeouts;
    this.#method = opts.method;
    const origin = String(opts.origin ?? '');
    let host = origin;
    let url = origin;
    try {
      host = new URL(origin).host;
      url = redactUrl(new URL(opts.path, origin));
    } catch {
      // an origin undici would refuse anyway: keep the text
    }
    this.#host = host;
    this.#url = url;
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, socket: import('node:stream').Duplex): void {
    this.#inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    this.#started = true;
    const length = Number(headers['content-length']);
    this.#expected = Number.isSafeInteger(length) && length >= 0 ? length : undefined;
    if (this.#timeouts.bodyMs > 0) {
      this.#timer = setInterval(() => this.#checkProgress(controller), this.#timeouts.bodyMs);
      this.#timer.unref();
    }
    this.#inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#received += chunk.length;
    this.#windowBytes += chunk.length;
    this.#inner.onResponseData?.(controller, chunk);
    // A reader applying backpressure is not the server stalling.
    if (controller.paused) this.#pausedInWindow = true;
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: Record<string, string | string[] | undefined>): void {
    this.#stop();
    this.#inner.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.#stop();
    this.#inner.onResponseError?.(controller, this.#translate(error));
  }

  #checkProgress(controller: Dispatcher.DispatchController): void {
    const stalled = this.#windowBytes < STALL_MIN_BYTES && !this.#pausedInWindow && !controller.paused;
    this.#windowBytes = 0;
    this.#pausedInWindow = controller.paused;
    if (!stalled || controller.aborted) return;
    this.#stop();
    controller.abort(this.#failure('body', true, `the response body from ${this.#host} stalled: less than 1 KiB in ${formatSeconds(this.#timeouts.bodyMs)}${this.#progress()}`));
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #progress(): string {
    return ` (${this.#received}${this.#expected === undefined ? '' : ` of ${this.#expected}`} bytes received)`;
  }

  #failure(awaited: AwaitedStage, timedOut: boolean, detail: string, cause?: unknown): NetworkFailure {
    return new NetworkFailure({ method: this.#method, url: this.#url, awaited, timedOut, detail, ...(cause === undefined ? {} : { cause }) });
  }

  /** Our own errors and aborts (cancellation, a reader that stopped) pass unchanged. */
  #translate(error: Error): Error {
    if (error instanceof LazyOciError) return error;
    const code = (error as { code?: unknown }).code;
    switch (code) {
      case 'UND_ERR_CONNECT_TIMEOUT':
        return this.#failure('connect', true, `could not connect to ${this.#host} within ${formatSeconds(this.#timeouts.connectMs)}`, error);
      case 'UND_ERR_HEADERS_TIMEOUT':
        return this.#failure('headers', true, `no response headers from ${this.#host} within ${formatSeconds(this.#timeouts.headersMs)}`, error);
      case 'UND_ERR_BODY_TIMEOUT':
        return this.#failure('body', true, `the response body from ${this.#host} stalled: nothing in ${formatSeconds(this.#timeouts.bodyMs)}${this.#progress()}`, error);
    }
    if (this.#started && typeof code === 'string' && BODY_BREAK_CODES.has(code)) {
      return this.#failure('body', false, `the connection to ${this.#host} closed in the middle of the response body${this.#progress()}`, error);
    }
    return error;
  }
}
