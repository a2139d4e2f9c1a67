// Sorting low-level connection failures into what a user can act on.

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
  const code = errorCode(err);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
      return 'connection reset';
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
