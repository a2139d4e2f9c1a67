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
  return Readable.from(resumingBody(http, first.body, get, what, url), { objectMode: false });
}

async function* resumingBody(
  http: RegistryHttp,
  firstBody: Body,
  get: (offset: number) => Promise<Dispatcher.ResponseData>,
  what: string,
  url: string,
): AsyncGenerator<Buffer> {
  const { maxAttempts, maxTimeoutAttempts } = http.retry.options;
  let body: Body = firstBody;
  let passed = 0;
  let tries = 1;
  let timeouts = 0;
  let skip = 0;
  try {
    for (;;) {
      try {
        for await (const data of body) {
          let chunk = data as Buffer;
          if (skip > 0) {
            const dropped = Math.min(skip, chunk.length);
            skip -= dropped;
            chunk = chunk.subarray(dropped);
            if (chunk.length === 0) continue;
          }
          passed += chunk.length;
          yield chunk;
        }
        return;
      } catch (err) {
        if (err instanceof CancelledError || http.signal?.aborted === true) throw err instanceof CancelledError ? err : new CancelledError('cancelled');
        if (isTimeout(err)) timeouts++;
        if (!isRetryable(err) || tries >= maxAttempts || timeouts >= maxTimeoutAttempts) throw gaveUp(err, what, tries);
      }
      body.destroy();
      await sleep(http.retry.backoff(tries), http.signal);
      tries++;
      const res = await get(passed).catch((err: unknown) => {
        throw err instanceof RegistryError && !(err instanceof CancelledError) ? gaveUp(err, what, tries) : err;
      });
      body = res.body;
      // 206 goes on from `passed`; a 200 is the whole blob again, so skip what went out.
      skip = res.statusCode === 206 ? 0 : passed;
      if (res.statusCode === 206 && !rangeStartsAt(res, passed)) {
        body.destroy();
        throw new RegistryError(`${what}: the registry answered a resumed download with another range`, { method: 'GET', url, final: true });
      }
    }
  } finally {
    body.destroy();
  }
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
