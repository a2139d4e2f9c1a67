// A registry's (or token service's) answer read whole into memory, under a cap for its
// kind: an announced Content-Length over the cap is refused before a byte is read, and a
// body that runs past it is cut off there (content/read-capped.ts).
import type { Dispatcher } from 'undici';
import { describeLimit, readCapped } from '../../content/read-capped.js';
import { RegistryError } from '../../errors/index.js';
import { describeNetworkError } from './network-error.js';
import { redactUrl } from './redact.js';

/** The most lazyoci holds in memory for each kind of answer it reads whole. */
export const BODY_LIMITS = {
  /** distribution refuses manifests over 4 MiB; so do most registries. */
  manifest: 4 << 20,
  /** One page of a tag list or catalog. */
  page: 4 << 20,
  /** A token answer is a few KiB of JSON. */
  token: 1 << 20,
  /** Enough for any `{errors:[…]}`; an error body is cut (not refused) here. */
  error: 64 << 10,
} as const;

export interface ResponseContext {
  method: string;
  url: URL;
  /** What was being read, for the message: "fetch manifest ghcr.io/o/app:v1". */
  what: string;
  /** The kind of answer, named in the message: "manifest", "token answer". */
  kind: string;
}

function declaredLength(res: Dispatcher.ResponseData): number | undefined {
  const value = res.headers['content-length'];
  const n = Number(Array.isArray(value) ? value[0] : value);
  return value === undefined || !Number.isFinite(n) ? undefined : n;
}

/** The body whole, or a RegistryError naming the host, what was read and the cap. */
export async function readResponse(res: Dispatcher.ResponseData, limit: number, ctx: ResponseContext): Promise<Buffer> {
  const declared = declaredLength(res);
  let complete = declared === undefined || declared <= limit;
  let bytes: Buffer = Buffer.alloc(0);
  if (complete) {
    try {
      ({ bytes, complete } = await readCapped(res.body, limit));
    } catch (err) {
      throw new RegistryError(`${ctx.what}: the answer from ${ctx.url.host} broke off: ${describeNetworkError(err)}`, {
        method: ctx.method,
        url: redactUrl(ctx.url),
        status: res.statusCode,
        cause: err,
      });
    }
  } else {
    res.body.destroy();
  }
  if (complete) return bytes;
  throw new RegistryError(
    `${ctx.what}: ${ctx.url.host} sent a ${ctx.kind} larger than ${describeLimit(limit)}, the most lazyoci reads; stopped reading`,
    { method: ctx.method, url: redactUrl(ctx.url), status: res.statusCode },
  );
}

/** The start of an error body, at most BODY_LIMITS.error; the rest is dropped unread. */
export async function readErrorBody(res: Dispatcher.ResponseData): Promise<string> {
  return (await readCapped(res.body, BODY_LIMITS.error)).bytes.toString('utf8');
}
