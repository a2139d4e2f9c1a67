// Fetching bearer tokens from a registry's token service (distribution token spec,
// and its OAuth2 refresh-token form when the Docker config holds an identity token).
import { request, type Dispatcher } from '../transport/undici-core.js';
import { CancelledError, RegistryError } from '../../errors/index.js';
import { isLoopbackHost } from '../../ref/reference.js';
import { redactUrl } from '../transport/redact.js';
import { describeNetworkError } from '../transport/network-error.js';
import { BODY_LIMITS, readErrorBody, readResponse } from '../transport/read-response.js';
import type { Credential } from './credentials.js';

export interface Token {
  token: string;
  /** Epoch milliseconds after which the token is not reused. */
  expiresAt: number;
}

export interface TokenRequest {
  realm: string;
  service: string | undefined;
  scopes: readonly string[];
  credential: Credential | undefined;
  dispatcher: Dispatcher;
  insecure: boolean;
  userAgent: string;
  signal?: AbortSignal;
}

/** Tokens without `expires_in` live 60 s by the spec; keep a margin before expiry. */
const DEFAULT_LIFETIME_S = 60;
const MARGIN_MS = 10_000;

function checkRealm(realm: string, insecure: boolean): URL {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new RegistryError(`registry sent an invalid token realm "${realm}"`, { method: 'GET', url: '<realm>', final: true });
  }
  // Credentials go to the realm, so it must not be plain HTTP to a remote host.
  const plainOk = insecure || isLoopbackHost(url.host);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && plainOk)) {
    throw new RegistryError(`refusing token realm ${redactUrl(url)}: credentials would travel unencrypted`, {
      method: 'GET',
      url: redactUrl(url),
      hint: 'pass --insecure only if you trust this network',
      final: true,
    });
  }
  return url;
}

export async function fetchToken(req: TokenRequest): Promise<Token> {
  const realm = checkRealm(req.realm, req.insecure);
  const headers: Record<string, string> = { 'user-agent': req.userAgent, accept: 'application/json' };
  let method: 'GET' | 'POST' = 'GET';
  let body: string | undefined;
  const url = new URL(realm);

  if (req.credential?.kind === 'identity-token') {
    method = 'POST';
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: req.credential.token, client_id: 'lazyoci' });
    if (req.service !== undefined) form.set('service', req.service);
    if (req.scopes.length > 0) form.set('scope', req.scopes.join(' '));
    body = form.toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else {
    if (req.service !== undefined) url.searchParams.set('service', req.service);
    for (const scope of req.scopes) url.searchParams.append('scope', scope);
    if (req.credential?.kind === 'basic') {
      headers.authorization = `Basic ${Buffer.from(`${req.credential.username}:${req.credential.password}`).toString('base64')}`;
    }
  }

  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, { method, headers, body, dispatcher: req.dispatcher, signal: req.signal });
  } catch (err) {
    if (req.signal?.aborted === true) throw new CancelledError('cancelled');
    throw new RegistryError(`cannot reach token service ${realm.host}: ${describeNetworkError(err)}`, { method, url: redactUrl(url), cause: err });
  }
  if (res.statusCode !== 200) {
    await readErrorBody(res);
    throw new RegistryError(
      `token service ${realm.host} refused the request (${res.statusCode})${res.statusCode === 401 || res.statusCode === 403 ? ': check the credentials' : ''}`,
      { method, url: redactUrl(url), status: res.statusCode },
    );
  }
  // Capped while reading: an endless answer must not be buffered whole first.
  const text = (await readResponse(res, BODY_LIMITS.token, { method, url, what: 'fetch a token', kind: 'token answer' })).toString('utf8');
  let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new RegistryError(`token service ${realm.host} sent invalid JSON`, { method, url: redactUrl(url), status: res.statusCode });
  }
  const token = typeof parsed.access_token === 'string' && parsed.access_token !== '' ? parsed.access_token : parsed.token;
  if (typeof token !== 'string' || token === '') {
    throw new RegistryError(`token service ${realm.host} sent no token`, { method, url: redactUrl(url), status: res.statusCode });
  }
  const lifetime = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_LIFETIME_S;
  return { token, expiresAt: Date.now() + lifetime * 1000 - MARGIN_MS };
}
