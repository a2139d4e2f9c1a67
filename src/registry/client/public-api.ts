// Anonymous JSON GETs to a registry's web API on another host (Docker Hub's and Quay's
// search): the same dispatcher (TLS, proxy, timeouts) and retry rules as the registry
// protocol, but never any credentials — these APIs are public and get none of ours.
import type { Dispatcher } from 'undici';
import { CancelledError, RegistryError } from '../../errors/index.js';
import { isLoopbackHost } from '../../ref/reference.js';
import { describeNetworkError } from '../transport/network-error.js';
import { BODY_LIMITS, readResponse } from '../transport/read-response.js';
import { redactUrl } from '../transport/redact.js';
import { cancelled, RetryPolicy, type RetryOptions } from '../transport/retry-policy.js';
import { request } from '../transport/undici-core.js';
import { header } from './registry-http.js';
import { registryErrorFrom } from './registry-error.js';

export interface PublicApiOptions {
  dispatcher: Dispatcher;
  userAgent: string;
  /** --insecure: plain HTTP allowed to any host (otherwise only to loopback names). */
  insecure: boolean;
  retry?: RetryOptions;
  signal?: AbortSignal;
}

export class PublicApi {
  readonly #opts: PublicApiOptions;
  readonly #retry: RetryPolicy;
  /** Requests sent (tries included), for tests and the cache's proof of use. */
  requests = 0;

  constructor(opts: PublicApiOptions) {
    this.#opts = opts;
    this.#retry = new RetryPolicy(opts.retry);
  }

  /** The parsed JSON of a 200 answer; redirects are not followed (these APIs answer directly). */
  async getJson(url: URL, what: string): Promise<unknown> {
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && (this.#opts.insecure || isLoopbackHost(url.host)))) {
      throw new RegistryError(`${what}: refusing ${url.protocol} to ${url.host}; only HTTPS (or plain HTTP to this machine, or with --insecure)`, {
        method: 'GET',
        url: redactUrl(url),
        final: true,
      });
    }
    const signal = this.#opts.signal === undefined ? {} : { signal: this.#opts.signal };
    return this.#retry.run(() => this.#getOnce(url, what), signal);
  }

  async #getOnce(url: URL, what: string): Promise<unknown> {
    let res: Dispatcher.ResponseData;
    this.requests++;
    try {
      res = await request(url, {
        method: 'GET',
        headers: { 'user-agent': this.#opts.userAgent, accept: 'application/json' },
        dispatcher: this.#opts.dispatcher,
        signal: this.#opts.signal,
      });
    } catch (err) {
      if (this.#opts.signal?.aborted === true || err instanceof CancelledError) throw cancelled(what);
      throw new RegistryError(`${what}: ${describeNetworkError(err)}`, { method: 'GET', url: redactUrl(url), cause: err });
    }
    if (res.statusCode !== 200) {
      if (res.statusCode === 429 || res.statusCode === 503) this.#retry.noteRetryAfter(header(res, 'retry-after'));
      throw await registryErrorFrom(res, 'GET', url, what);
    }
    const body = await readResponse(res, BODY_LIMITS.page, { method: 'GET', url, what, kind: 'search answer' });
    try {
      return JSON.parse(body.toString('utf8')) as unknown;
    } catch {
      throw new RegistryError(`${what}: ${url.host} sent invalid JSON`, { method: 'GET', url: redactUrl(url), status: res.statusCode });
    }
  }
}
