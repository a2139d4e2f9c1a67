// Turning a registry's error answer into a RegistryError carrying its codes.
import type { Dispatcher } from 'undici';
import { RegistryError, type RegistryErrorDetail } from '../../errors/index.js';
import { redactUrl } from '../transport/redact.js';
import { readErrorBody } from '../transport/read-response.js';

export const AUTH_HINT =
  'pass credentials with --username/--password or LAZYOCI_USERNAME/LAZYOCI_PASSWORD, or save them with lazyoci registry add (or docker login)';

function parseCodes(text: string): RegistryErrorDetail[] {
  try {
    const doc = JSON.parse(text) as { errors?: unknown };
    if (!Array.isArray(doc.errors)) return [];
    return doc.errors
      .filter((e): e is { code: unknown; message?: unknown } => typeof e === 'object' && e !== null)
      .map((e) => ({ code: String(e.code ?? 'UNKNOWN'), message: typeof e.message === 'string' ? e.message : '' }));
  } catch {
    return [];
  }
}

/** HEAD answers carry no body, so the status alone has to say what went wrong. */
const STATUS_TEXT: Record<number, string> = {
  400: 'bad request',
  401: 'authentication required',
  403: 'access denied',
  404: 'not found',
  405: 'operation not supported by this registry',
  413: 'request too large',
  416: 'requested range not satisfiable',
  429: 'too many requests',
  500: 'registry internal error',
  502: 'bad gateway',
  503: 'registry unavailable',
  504: 'gateway timeout',
};

const STATUS_HINTS: Record<number, string> = {
  401: AUTH_HINT,
  403: 'the credentials lack permission for this repository',
};

export async function registryErrorFrom(
  res: Dispatcher.ResponseData,
  method: string,
  url: URL,
  what: string,
  /** Replaces the status's usual hint (the caller knows more, e.g. why credentials were not sent). */
  hintOverride?: string,
): Promise<RegistryError> {
  const codes = parseCodes(await readErrorBody(res));
  const detail =
    codes.length > 0
      ? codes.map((c) => (c.message ? `${c.code}: ${c.message}` : c.code)).join('; ')
      : (STATUS_TEXT[res.statusCode] ?? `HTTP ${res.statusCode}`);
  const hint = hintOverride ?? STATUS_HINTS[res.statusCode];
  return new RegistryError(`${what}: ${detail} (${res.statusCode})`, {
    method,
    url: redactUrl(url),
    status: res.statusCode,
    codes,
    ...(hint === undefined ? {} : { hint }),
  });
}
