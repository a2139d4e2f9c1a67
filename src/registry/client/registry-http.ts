// Speaks HTTP to one registry: finds its endpoint (HTTPS, or plain HTTP where allowed),
// authenticates requests, and keeps every request on the registry's own origin.
import { request, type Dispatcher } from '../transport/undici-core.js';
import type { Readable } from 'node:stream';
import { CancelledError, LazyOciError, RegistryError } from '../../errors/index.js';
import { apiHost, isLoopbackHost } from '../../ref/reference.js';
import { Authenticator } from '../auth/authenticator.js';
import type { Credential } from '../auth/credentials.js';
import { describeNetworkError, isCertificateError, isConnectionRefused, isHostNotFound, NetworkFailure } from '../transport/network-error.js';
import { redactUrl } from '../transport/redact.js';
import { cancelled, isRetryable, RetryPolicy, type RetryClock, type RetryOptions } from '../transport/retry-policy.js';
import { AUTH_HINT, registryErrorFrom } from './registry-error.js';

export interface RegistryHttpOptions {
  registry: string;
  dispatcher: Dispatcher;
  insecure: boolean;
  userAgent: string;
  credential: (repository?: string) => Promise<Credential | undefined>;
  /** The hint for a 401 when the usual one (pass credentials) does not fit this registry. */
  authHint?: string;
  /** Backoff timing; the defaults suit real registries. */
  retry?: RetryOptions;
  /** Tests inject time and chance; real runs use the system clock. */
  clock?: RetryClock;
  /** Aborts every request and every wait; the operation then throws CancelledError. */
  signal?: AbortSignal;
}

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** A path below the endpoint (`/v2/...`) or an absolute URL on the same origin. */
  url: string;
  scopes: readonly string[];
  headers?: Record<string, string>;
  /**
   * Bytes, or a factory so the body can be sent again after an auth challenge. A
   * factory may give reused-memory chunks (ContentOpener.transient): undici writes
   * an iterable body chunk by chunk, each written and drained from the socket before
   * it pulls the next, which is what such chunks need.
   */
  body?: Buffer | (() => Readable | AsyncIterable<Buffer>);
  /** Statuses that count as success; anything else becomes a RegistryError. */
  expect: readonly number[];
  /** Says what was being done, for error messages ("upload blob sha256:…"). */
  what: string;
  /** GET only: follow redirects (blob downloads are often sent to storage elsewhere). */
  followRedirects?: boolean;
  /**
   * Whether send() itself retries temporary failures. By default it does for requests
   * that can be replayed as they are: GET, HEAD, DELETE and a PUT of bytes (manifests).
   * Upload steps say false: their owner (blobs.ts) restarts or resumes the whole upload.
   */
  retry?: boolean;
  /** Aborts this request alone (and its retries), beside the client's own signal. */
  signal?: AbortSignal;
}

/** What `registry test` reports about a registry. */
export interface RegistryProbe {
  registry: string;
  endpoint: string;
  /** The Docker-Distribution-API-Version header of /v2/, when sent. */
  apiVersion?: string;
  authScheme: string;
  /** Whether credentials were found for it, and whether the registry took them. */
  credentials: 'none' | 'valid' | 'rejected';
  /** Why the credentials were rejected, when they were. */
  detail?: string;
}

/** Stop a body that was not (fully) sent: a stream is destroyed, an iterator closed. */
function discardBody(body: Buffer | Readable | AsyncIterable<Buffer> | undefined): void {
  if (body === undefined || Buffer.isBuffer(body)) return;
  if ('destroy' in body && typeof body.destroy === 'function') {
    body.destroy();
    return;
  }
  const iterator = body as Partial<AsyncIterator<Buffer>>;
  // Closing a generator that never started (the request failed first) does nothing.
  void iterator.return?.()?.catch(() => undefined);
}

export class RegistryHttp {
  readonly registry: string;
  readonly auth: Authenticator;
  /** The one retry owner for this registry; its Retry-After hold covers every request. */
  readonly retry: RetryPolicy;
  readonly signal: AbortSignal | undefined;
  readonly #opts: RegistryHttpOptions;
  #endpoint: Promise<URL> | undefined;
  #apiVersion: string | undefined;
  /** Whether this registry serves the OCI 1.1 referrers API; unknown until first asked (client/referrers.ts). */
  referrersApi: boolean | undefined;

  constructor(opts: RegistryHttpOptions) {
    this.registry = opts.registry;
    this.#opts = opts;
    this.retry = new RetryPolicy(opts.retry, opts.clock);
    this.signal = opts.signal;
    this.auth = new Authenticator({
      dispatcher: opts.dispatcher,
      insecure: opts.insecure,
      userAgent: opts.userAgent,
      credential: opts.credential,
      endpoint: () => this.endpoint(),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
  }

  /** Whether plain HTTP and unverified TLS are allowed for this registry (--insecure, or saved so). */
  get insecure(): boolean {
    return this.#opts.insecure;
  }

  /** The registry's base URL, found once by pinging `/v2/`. */
  endpoint(): Promise<URL> {
    this.#endpoint ??= this.#discover();
    return this.#endpoint;
  }

  /** A busy registry (429/5xx on /v2/) is asked again; a network failure is answered at once by trying HTTP. */
  #ping(base: URL): Promise<void> {
    return this.retry.run(() => this.#pingOnce(base), {
      ...(this.signal === undefined ? {} : { signal: this.signal }),
      retryable: (err) => err instanceof RegistryError && err.status !== undefined && isRetryable(err),
    });
  }

  async #pingOnce(base: URL): Promise<void> {
    const url = new URL('/v2/', base);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: 'GET',
        headers: { 'user-agent': this.#opts.userAgent },
        dispatcher: this.#opts.dispatcher,
        signal: this.signal,
      });
    } catch (err) {
      if (this.signal?.aborted === true) throw cancelled(`connect to ${this.registry}`);
      throw err;
    }
    await res.body.dump();
    if (res.statusCode === 429 || res.statusCode === 503) this.retry.noteRetryAfter(header(res, 'retry-after'));
    this.#apiVersion = header(res, 'docker-distribution-api-version');
    if (res.statusCode === 401) this.auth.setChallenge(header(res, 'www-authenticate'));
    else if (res.statusCode !== 200) {
      throw new RegistryError(`${this.registry} does not look like an OCI registry: /v2/ answered ${res.statusCode}`, {
        method: 'GET',
        url: redactUrl(url),
        status: res.statusCode,
      });
    }
  }

  async #discover(): Promise<URL> {
    const host = apiHost(this.registry);
    const https = new URL(`https://${host}/`);
    // Plain HTTP is only for loopback names or when the user said --insecure (spec §5).
    const httpAllowed = this.#opts.insecure || isLoopbackHost(host);
    try {
      await this.#ping(https);
      return https;
    } catch (err) {
      if (err instanceof RegistryError || err instanceof CancelledError) throw err;
      if (isCertificateError(err)) {
        throw new RegistryError(`cannot connect to ${this.registry}: ${describeNetworkError(err)}`, {
          method: 'GET',
          url: redactUrl(new URL('/v2/', https)),
          cause: err,
          hint: 'trust its CA with --ca-file FILE, or skip verification with --insecure',
        });
      }
      if (!httpAllowed || isConnectionRefused(err)) {
        // A name that does not resolve gets a DNS hint; --insecure would not help it.
        const hint = isHostNotFound(err)
          ? `check the registry name "${host}", or this machine's DNS and proxy settings`
          : httpAllowed
            ? undefined
            : 'for a plain-HTTP registry that is not on this machine, pass --insecure';
        throw new RegistryError(`cannot connect to ${this.registry}: ${describeNetworkError(err)}`, {
          method: 'GET',
          url: redactUrl(new URL('/v2/', https)),
          cause: err,
          ...(hint === undefined ? {} : { hint }),
        });
      }
    }
    const http = new URL(`http://${host}/`);
    try {
      await this.#ping(http);
      return http;
    } catch (err) {
      if (err instanceof RegistryError || err instanceof CancelledError) throw err;
      throw new RegistryError(`cannot connect to ${this.registry} over HTTPS or HTTP: ${describeNetworkError(err)}`, {
        method: 'GET',
        url: redactUrl(new URL('/v2/', http)),
        cause: err,
      });
    }
  }

  /** Reachability, API version, auth scheme, and whether the credentials work. */
  async probe(): Promise<RegistryProbe> {
    const endpoint = await this.endpoint();
    const result: RegistryProbe = {
      registry: this.registry,
      endpoint: endpoint.toString(),
      ...(this.#apiVersion === undefined ? {} : { apiVersion: this.#apiVersion }),
      authScheme: this.auth.scheme ?? 'none',
      credentials: 'none',
    };
    if (!(await this.auth.hasCredential())) return result;
    try {
      // /v2/ with credentials (a scope-less token for bearer) proves they are accepted.
      const res = await this.send({ method: 'GET', url: '/v2/', scopes: [], expect: [200], what: `log in to ${this.registry}` });
      await res.body.dump();
      result.credentials = 'valid';
    } catch (err) {
      if (!(err instanceof RegistryError) || (err.status !== undefined && err.status !== 401 && err.status !== 403)) throw err;
      result.credentials = 'rejected';
      result.detail = err.message;
    }
    return result;
  }

  /** Resolve a registry-given URL (e.g. an upload Location) and keep it on our origin. */
  async resolve(location: string, what: string): Promise<URL> {
    const base = await this.endpoint();
    const url = new URL(location, base);
    // An upload Location on another host or scheme would receive our Authorization
    // header and the blob (the class of bug behind oras-go GHSA-jxpm-75mh-9fp7).
    if (url.origin !== base.origin) {
      throw new RegistryError(`${what}: registry sent a location on another origin (${url.origin === 'null' ? url.protocol : url.origin}); refusing to follow it`, {
        method: 'POST',
        url: redactUrl(url),
        final: true,
      });
    }
    return url;
  }

  /**
   * Send one request and return the successful response. Answers one auth challenge
   * (with any scope the registry names), retries a refused read anonymously, and with
   * `followRedirects` follows a redirect — to another origin without our credentials.
   */
  async send(req: RegistryRequest): Promise<Dispatcher.ResponseData> {
    const replayable =
      req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE' || (req.method === 'PUT' && Buffer.isBuffer(req.body));
    const aborts = requestSignal(this.signal, req.signal);
    const signal = aborts === undefined ? {} : { signal: aborts };
    // Outside the retry loop: an unreachable endpoint was already tried by the ping.
    const start = await this.resolve(req.url, req.what);
    if (req.retry ?? replayable) return this.retry.run(() => this.#sendOnce(req, start, aborts), signal);
    await this.retry.gate(aborts);
    return this.#sendOnce(req, start, aborts);
  }

  async #sendOnce(req: RegistryRequest, start: URL, signal: AbortSignal | undefined): Promise<Dispatcher.ResponseData> {
    let url = start;
    const scopes = req.scopes;
    let anonymous = false;
    let challengeAnswered = false;
    for (let redirects = 0; ; ) {
      const headers: Record<string, string> = { 'user-agent': this.#opts.userAgent, ...req.headers };
      const authorization = await this.auth.authorization(scopes, { anonymous });
      if (authorization !== undefined) headers.authorization = authorization;
      const body = typeof req.body === 'function' ? req.body() : req.body;
      await nextTurn();
      let res: Dispatcher.ResponseData;
      try {
        // undici sends async-iterable bodies (client-h1 writeIterable); its types list only streams.
        const sent = body as Buffer | Readable | undefined;
        res = await request(url, { method: req.method, headers, body: sent, dispatcher: this.#opts.dispatcher, signal, ...keepAliveAfterHead(req.method) });
      } catch (err) {
        discardBody(body);
        if (signal?.aborted === true) throw cancelled(req.what);
        // Our own failure (the source of a streamed upload gave up, content longer than its
        // descriptor) is not the network's: it is reported as itself and not retried.
        const own = ownError(err);
        if (own !== undefined && !(own instanceof NetworkFailure)) throw own;
        throw new RegistryError(`${req.what}: ${describeNetworkError(err)}`, { method: req.method, url: redactUrl(url), cause: err });
      }
      const discard = async (): Promise<void> => {
        await res.body.dump();
        // The registry may answer before reading all of a streamed body; a retry opens a new one.
        discardBody(body);
      };

      if (res.statusCode === 401 && !challengeAnswered) {
        challengeAnswered = true;
        await discard();
        if (await this.auth.refresh(header(res, 'www-authenticate'), scopes, { anonymous })) continue;
        throw (
          (await this.#rejected(req, url, authorization, anonymous)) ??
          new RegistryError(`${req.what}: authentication required (401)`, {
            method: req.method,
            url: redactUrl(url),
            status: 401,
            hint: this.#authHint() ?? AUTH_HINT,
          })
        );
      }
      // Credentials the registry refuses for a read may still read public content (spec §5).
      if (res.statusCode === 403 && authorization !== undefined && !anonymous && (req.method === 'GET' || req.method === 'HEAD')) {
        await discard();
        anonymous = true;
        challengeAnswered = false;
        continue;
      }
      if (req.followRedirects === true && REDIRECTS.has(res.statusCode)) {
        await discard();
        const location = header(res, 'location');
        if (location === undefined || ++redirects > MAX_REDIRECTS) {
          throw new RegistryError(`${req.what}: ${location === undefined ? 'redirect without a location' : 'too many redirects'}`, {
            method: req.method,
            url: redactUrl(url),
            status: res.statusCode,
          });
        }
        const next = new URL(location, url);
        if (next.origin === (await this.endpoint()).origin) {
          url = next;
          continue;
        }
        return this.#getFromOtherOrigin(next, req.what, redirects, req.headers?.range);
      }
      if (req.expect.includes(res.statusCode)) return res;
      // A throttled or busy host holds back every request to it, not only this one (spec §5).
      if (res.statusCode === 429 || res.statusCode === 503) this.retry.noteRetryAfter(header(res, 'retry-after'));
      discardBody(body);
      if (res.statusCode === 401) {
        const rejected = await this.#rejected(req, url, authorization, anonymous);
        if (rejected !== undefined) {
          await res.body.dump();
          throw rejected;
        }
      }
      throw await registryErrorFrom(res, req.method, url, req.what, res.statusCode === 401 ? this.#authHint() : undefined);
    }
  }

  /**
   * A 401 to a request that carried Basic credentials means the registry refused them:
   * say so, and where they came from, rather than asking for credentials (never the secret).
   */
  async #rejected(req: RegistryRequest, url: URL, authorization: string | undefined, anonymous: boolean): Promise<RegistryError | undefined> {
    if (anonymous || authorization === undefined || !authorization.startsWith('Basic ')) return undefined;
    const source = (await this.auth.credential())?.source;
    if (source === undefined) return undefined;
    return new RegistryError(`${req.what}: ${this.registry} rejected the credentials from ${source} (401)`, {
      method: req.method,
      url: redactUrl(url),
      status: 401,
      hint: `check the user name and password given by ${source}`,
    });
  }

  /** Why credentials that were found did not help: the token service was not safe to send them to. */
  #authHint(): string | undefined {
    const realm = this.auth.withheldFrom;
    if (realm === undefined) return this.#opts.authHint;
    return `credentials were not sent to the token service ${realm}: it is plain HTTP on another origin than the registry, and credentials go there only over HTTPS`;
  }

  /**
   * A GET on another origin (blob storage behind a redirect). It never carries our
   * Authorization: that header belongs to the registry alone (spec §5).
   */
  async #getFromOtherOrigin(start: URL, what: string, redirectsSoFar: number, range?: string): Promise<Dispatcher.ResponseData> {
    let url = start;
    for (let redirects = redirectsSoFar; ; redirects++) {
      this.#checkRedirectTarget(url, what);
      let res: Dispatcher.ResponseData;
      const headers: Record<string, string> = { 'user-agent': this.#opts.userAgent, ...(range === undefined ? {} : { range }) };
      try {
        res = await request(url, { method: 'GET', headers, dispatcher: this.#opts.dispatcher, signal: this.signal });
      } catch (err) {
        if (this.signal?.aborted === true) throw cancelled(what);
        throw new RegistryError(`${what}: ${describeNetworkError(err)}`, { method: 'GET', url: redactUrl(url), cause: err });
      }
      if (res.statusCode === 200 || (range !== undefined && res.statusCode === 206)) return res;
      if (REDIRECTS.has(res.statusCode) && redirects < MAX_REDIRECTS) {
        await res.body.dump();
        const location = header(res, 'location');
        if (location !== undefined) {
          url = new URL(location, url);
          continue;
        }
      }
      throw await registryErrorFrom(res, 'GET', url, what);
    }
  }

  /**
   * Where a registry may send a download: HTTPS, or plain HTTP to a loopback name or with
   * --insecure. A refusal is policy, final: asking again gets the same redirect.
   */
  #checkRedirectTarget(url: URL, what: string): void {
    if (url.protocol === 'https:') return;
    if (url.protocol === 'http:') {
      if (this.#opts.insecure || isLoopbackHost(url.host)) return;
      throw new RegistryError(`${what}: refusing a redirect to plain HTTP on another host (${url.host})`, {
        method: 'GET',
        url: redactUrl(url),
        hint: 'pass --insecure only if you trust this network',
        final: true,
      });
    }
    throw new RegistryError(`${what}: refusing a redirect to a ${url.protocol} URL; only https: (and http: where allowed) is followed`, {
      method: 'GET',
      url: url.protocol === 'file:' ? 'file:' : redactUrl(url),
      final: true,
    });
  }
}

/**
 * One turn of the event loop before a request. undici gives a keep-alive connection back
 * to its pool only on the turn after its last response ended (client-h1: "wait a full
 * event loop cycle" before reusing a socket), so a request sent straight after another's
 * answer was read found every connection busy and opened a new one: the browser's /v2/
 * ping and each read after it went over connections of their own. Waiting that turn
 * reuses the connection; it costs no network time.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The client's signal and a request's own, as one. */
function requestSignal(client: AbortSignal | undefined, own: AbortSignal | undefined): AbortSignal | undefined {
  if (own === undefined) return client;
  return client === undefined ? own : AbortSignal.any([client, own]);
}

/** Our own error (thrown by a request body) in an undici error's cause chain. */
function ownError(err: unknown): LazyOciError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (current instanceof LazyOciError) return current;
    current = current.cause;
  }
  return undefined;
}

/**
 * undici closes the connection after every HEAD unless told otherwise (undici issue 258:
 * servers that wrongly send a body with it). A push HEADs each manifest and blob before
 * writing, so a build of many artifacts opened a new connection for nearly every request
 * (issue 19). Registries answer HEAD correctly; a broken one shows up as a parse error on
 * the next request, which the retry policy replays on a new connection.
 */
function keepAliveAfterHead(method: string): { reset?: boolean } {
  return method === 'HEAD' ? { reset: false } : {};
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export function header(res: Dispatcher.ResponseData, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
