// Anonymous GETs from a Helm chart repository (its index.yaml and chart .tgz files) over
// the registry client's own dispatcher, so TLS (--ca-file, --insecure), the proxy,
// timeouts and retries are the registry protocol's. No credentials are ever sent.
import type { Dispatcher } from 'undici';
import { CancelledError, RegistryError } from '../../errors/index.js';
import { isLoopbackHost } from '../../ref/reference.js';
import { describeNetworkError } from '../transport/network-error.js';
import { readResponse } from '../transport/read-response.js';
import { redactUrl } from '../transport/redact.js';
import { cancelled, RetryPolicy, type RetryOptions } from '../transport/retry-policy.js';
import { request } from '../transport/undici-core.js';
import { header } from './registry-http.js';
import { registryErrorFrom } from './registry-error.js';

export interface ChartRepositoryOptions {
  dispatcher: Dispatcher;
  userAgent: string;
  /** --insecure or target.insecure: plain HTTP to any host (otherwise only to loopback names). */
  insecure: boolean;
  retry?: RetryOptions;
  signal?: AbortSignal;
}

/** Repositories redirect to object stores (GitHub releases, S3); a chain longer than this is a loop. */
const MAX_REDIRECTS = 5;

export class ChartRepositoryClient {
  readonly #opts: ChartRepositoryOptions;
  readonly #retry: RetryPolicy;
  /** Requests sent (tries and redirects included), for tests. */
  requests = 0;

  constructor(opts: ChartRepositoryOptions) {
    this.#opts = opts;
    this.#retry = new RetryPolicy(opts.retry);
  }

  /** The whole body of a 200 answer, at most `limit` bytes, following redirects. */
  async get(url: URL, limit: number, what: string): Promise<Buffer> {
    this.#checkScheme(url, what, url);
    const signal = this.#opts.signal === undefined ? {} : { signal: this.#opts.signal };
    return this.#retry.run(() => this.#getFollowing(url, limit, what), signal);
  }

  #checkScheme(url: URL, what: string, from: URL): void {
    const plainOk = this.#opts.insecure || isLoopbackHost(url.host);
    // A redirect from HTTPS may not step down to plain HTTP: that would hand the download to anyone on the path.
    const downgrade = from.protocol === 'https:' && url.protocol === 'http:' && !this.#opts.insecure;
    if (url.protocol === 'https:' || (url.protocol === 'http:' && plainOk && !downgrade)) return;
    throw new RegistryError(`${what}: refusing ${url.protocol} to ${url.host}; only HTTPS (or plain HTTP to this machine, or with --insecure)`, {
      method: 'GET',
      url: redactUrl(url),
      final: true,
    });
  }

  async #getFollowing(start: URL, limit: number, what: string): Promise<Buffer> {
    let url = start;
    for (let hop = 0; ; hop++) {
      const res = await this.#send(url, what);
      if (res.statusCode >= 300 && res.statusCode < 400 && res.statusCode !== 304) {
        res.body.resume();
        const location = header(res, 'location');
        if (location === undefined || hop >= MAX_REDIRECTS) {
          throw new RegistryError(`${what}: ${url.host} answered ${res.statusCode} ${location === undefined ? 'without a Location' : `more than ${MAX_REDIRECTS} times in a row`}`, {
            method: 'GET',
            url: redactUrl(url),
            status: res.statusCode,
            final: true,
          });
        }
        const next = new URL(location, url);
        this.#checkScheme(next, what, url);
        url = next;
        continue;
      }
      if (res.statusCode !== 200) {
        if (res.statusCode === 429 || res.statusCode === 503) this.#retry.noteRetryAfter(header(res, 'retry-after'));
        throw await registryErrorFrom(res, 'GET', url, what);
      }
      return readResponse(res, limit, { method: 'GET', url, what, kind: 'file' });
    }
  }

  async #send(url: URL, what: string): Promise<Dispatcher.ResponseData> {
    this.requests++;
    try {
      return await request(url, {
        method: 'GET',
        headers: { 'user-agent': this.#opts.userAgent },
        dispatcher: this.#opts.dispatcher,
        signal: this.#opts.signal,
      });
    } catch (err) {
      if (this.#opts.signal?.aborted === true || err instanceof CancelledError) throw cancelled(what);
      throw new RegistryError(`${what}: ${describeNetworkError(err)}`, { method: 'GET', url: redactUrl(url), cause: err });
    }
  }
}
