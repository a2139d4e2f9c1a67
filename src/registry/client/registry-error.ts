// Turning a registry's error answer into a RegistryError carrying its codes.
import type { Dispatcher } from 'undici';
import { RegistryError, type RegistryErrorDetail } from '../../errors/index.js';
import { redactUrl } from '../transport/redact.js';

const ERROR_BODY_LIMIT = 64 * 1024;

async function readCapped(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    if (total + buf.length > ERROR_BODY_LIMIT) {
      chunks.push(buf.subarray(0, ERROR_BODY_LIMIT - total));
      body.destroy();
      break;
    }
    chunks.push(buf);
    total += buf.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

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

const STATUS_HINTS: Record<number, string> = {
  401: 'check the credentials (--username/--password, LAZYOCI_USERNAME/LAZYOCI_PASSWORD or docker login)',
  403: 'the credentials lack permission for this repository',
};

export async function registryErrorFrom(
  res: Dispatcher.ResponseData,
  method: string,
  url: URL,
  what: string,
): Promise<RegistryError> {
  const codes = parseCodes(await readCapped(res.body));
  const detail = codes.length > 0 ? codes.map((c) => (c.message ? `${c.code}: ${c.message}` : c.code)).join('; ') : `HTTP ${res.statusCode}`;
  const hint = STATUS_HINTS[res.statusCode];
  return new RegistryError(`${what}: ${detail} (${res.statusCode})`, {
    method,
    url: redactUrl(url),
    status: res.statusCode,
    codes,
    ...(hint === undefined ? {} : { hint }),
  });
}
