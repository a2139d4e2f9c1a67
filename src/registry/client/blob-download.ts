// A blob download that survives a broken connection: a GET of content-addressed bytes
// can be replayed, so when the body breaks off (closed early, stalled) the rest is asked
// for again — `Range` from the bytes already passed on, or the whole blob with those
// bytes skipped when the server ignores Range — with the retry policy's waits and bounds.
import { Readable } from 'node:stream';
import type { Dispatcher } from '../transport/undici-core.js';
import { CancelledError, RegistryError } from '../../errors/index.js';
import type { Descriptor } from '../../oci/types.js';
import { isTimeout, NetworkFailure } from '../transport/network-error.js';
import { redactUrl } from '../transport/redact.js';
import { isRetryable, sleep } from '../transport/retry-policy.js';
import type { RegistryHttp } from './registry-http.js';

type Body = Dispatcher.ResponseData['body'];

export async function downloadBlob(http: RegistryHttp, repository: string, desc: Descriptor, scopes: readonly string[]): Promise<Readable> {
  const what = `fetch blob ${desc.digest}`;
  const get = (offset: number) =>
    http.send({
      method: 'GET',
      url: `/v2/${repository}/blobs/${desc.digest}`,
      scopes,
      ...(offset === 0 ? {} : { headers: { range: `bytes=${offset}-` } }),
      expect: offset === 0 ? [200] : [200, 206],
      what,
      followRedirects: true,
    });
  const first = await get(0);
  const url = redactUrl(new URL(`/v2/${repository}/blobs/${desc.digest}`, await http.endpoint()));
  return new ResumingBody(http, first.body, get, what, url);
}

/**
 * The response body's chunks passed on as they come, by events rather than through an
 * async iterator: a 600 MiB pull is about 10,000 chunks, and a promise and a wrapper
 * stream per chunk cost it about 0.2 CPU-s (issue 19). When the body breaks off, the
 * rest is asked for again (see the top of the file) and the new body takes its place.
 */
class ResumingBody extends Readable {
  readonly #http: RegistryHttp;
  readonly #get: (offset: number) => Promise<Dispatcher.ResponseData>;
  readonly #what: string;
  readonly #url: string;
  #body: Body;
  #passed = 0;
  #skip = 0;
  #tries = 1;
  #timeouts = 0;
  #resuming = false;

  constructor(http: RegistryHttp, body: Body, get: (offset: number) => Promise<Dispatcher.ResponseData>, what: string, url: string) {
    super({ highWaterMark: 1 << 20 });
    this.#http = http;
    this.#get = get;
    this.#what = what;
    this.#url = url;
    this.#body = body;
    this.#attach(body);
  }

  #attach(body: Body): void {
    body.on('data', (data: Buffer) => {
      if (body !== this.#body) return;
      let chunk = data;
      if (this.#skip > 0) {
        const dropped = Math.min(this.#skip, chunk.length);
        this.#skip -= dropped;
        chunk = chunk.subarray(dropped);
        if (chunk.length === 0) return;
      }
      this.#passed += chunk.length;
      if (!this.push(chunk)) body.pause();
    });
    let settled = false;
    body.once('end', () => {
      settled = true;
      if (body === this.#body) this.push(null);
    });
    body.once('error', (err) => {
      settled = true;
      if (body === this.#body) this.#broken(err);
    });
    // Closed with neither an end nor an error: broken off all the same.
    body.once('close', () => {
      if (!settled && body === this.#body && !this.destroyed) this.#broken(new Error('the response body closed before its end'));
    });
    // Flowing starts on the first _read, so nothing is lost before a consumer is there.
    body.pause();
  }

  override _read(): void {
    if (!this.#resuming) this.#body.resume();
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.#body.destroy();
    cb(err);
  }

  #broken(err: unknown): void {
    // The consumer gave up first (a full disk, a failed check): nothing left to resume for.
    if (this.destroyed) return;
    const http = this.#http;
    const { maxAttempts, maxTimeoutAttempts } = http.retry.options;
    if (err instanceof CancelledError || http.signal?.aborted === true) {
      this.destroy(err instanceof CancelledError ? err : new CancelledError('cancelled'));
      return;
    }
    if (isTimeout(err)) this.#timeouts++;
    if (!isRetryable(err) || this.#tries >= maxAttempts || this.#timeouts >= maxTimeoutAttempts) {
      this.destroy(asError(gaveUp(err, this.#what, this.#tries)));
      return;
    }
    this.#resuming = true;
    this.#resume().then(
      () => {
        this.#resuming = false;
        this.#body.resume();
      },
      (e: unknown) => this.destroy(asError(e)),
    );
  }

  async #resume(): Promise<void> {
    this.#body.destroy();
    await sleep(this.#http.retry.backoff(this.#tries), this.#http.signal);
    this.#tries++;
    const passed = this.#passed;
    const res = await this.#get(passed).catch((err: unknown) => {
      throw err instanceof RegistryError && !(err instanceof CancelledError) ? gaveUp(err, this.#what, this.#tries) : err;
    });
    if (this.destroyed) {
      res.body.destroy();
      return;
    }
    // 206 goes on from `passed`; a 200 is the whole blob again, so skip what went out.
    if (res.statusCode === 206 && !rangeStartsAt(res, passed)) {
      res.body.destroy();
      throw new RegistryError(`${this.#what}: the registry answered a resumed download with another range`, { method: 'GET', url: this.#url, final: true });
    }
    this.#skip = res.statusCode === 206 ? 0 : passed;
    this.#body = res.body;
    this.#attach(res.body);
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function rangeStartsAt(res: Dispatcher.ResponseData, offset: number): boolean {
  const value = res.headers['content-range'];
  const text = Array.isArray(value) ? value[0] : value;
  const m = text === undefined ? null : /^bytes (\d+)-/.exec(text.trim());
  return m !== null && Number(m[1]) === offset;
}

/** The last failure, final: the download was already retried as far as the policy allows. */
function gaveUp(err: unknown, what: string, tries: number): unknown {
  if (!(err instanceof RegistryError)) return err;
  const suffix = tries > 1 ? `; gave up after ${tries} tries` : '';
  const message = err instanceof NetworkFailure ? `${what}: ${err.detail}` : err.message;
  return new RegistryError(`${message}${suffix}`, {
    method: err.method,
    url: err.url,
    ...(err.status === undefined ? {} : { status: err.status }),
    codes: err.codes,
    cause: err,
    final: true,
  });
}
