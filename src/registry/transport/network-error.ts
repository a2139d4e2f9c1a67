// Sorting low-level connection failures into what a user can act on.
import { LazyOciError, RegistryError } from '../../errors/index.js';

/** What a request was waiting for when the network let it down. */
export type AwaitedStage = 'connect' | 'headers' | 'body';

/**
 * A request the network failed: a timeout (connection, response headers, a stalled
 * body) or a connection closed in the middle of a body. Made by the dispatcher's
 * guard (transport/stall-guard.ts), so it names the request wherever it surfaces, even
 * from a body read far from the code that sent it. Temporary: a replay may succeed.
 */
export class NetworkFailure extends RegistryError {
  /** The failure without the request, e.g. "no response headers from HOST within 60 s". */
  readonly detail: string;
  readonly awaited: AwaitedStage;
  readonly timedOut: boolean;

  constructor(init: { method: string; url: string; detail: string; awaited: AwaitedStage; timedOut: boolean; cause?: unknown }) {
    super(`${init.method} ${init.url}: ${init.detail}`, { method: init.method, url: init.url, cause: init.cause });
    this.detail = init.detail;
    this.awaited = init.awaited;
    this.timedOut = init.timedOut;
  }
}

/** The NetworkFailure behind an error, looking through a few `cause` links. */
export function networkFailureOf(err: unknown): NetworkFailure | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    if (current instanceof NetworkFailure) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isTimeout(err: unknown): boolean {
  return networkFailureOf(err)?.timedOut === true;
}

const CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

export function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('UND_ERR')) return code;
    current = (current as { cause?: unknown }).cause;
  }
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isCertificateError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && CERT_CODES.has(code);
}

export function isConnectionRefused(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

/** The name did not resolve: a DNS matter, not one of TLS or plain HTTP. */
export function isHostNotFound(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

export function describeNetworkError(err: unknown): string {
  if (err instanceof NetworkFailure) return err.detail;
  if (err instanceof LazyOciError) return err.message;
  const code = errorCode(err);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
      return 'connection reset';
    case 'UND_ERR_SOCKET':
      return 'connection closed by the other side';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connection timed out';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return 'TLS certificate is self-signed and not trusted';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'TLS certificate does not name this host';
    case undefined:
      return err instanceof Error ? err.message : String(err);
    default:
      return CERT_CODES.has(code) ? `TLS certificate not trusted (${code})` : `${code}`;
  }
}
