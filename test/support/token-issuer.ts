// A small token service for distribution's `auth: token` mode: checks Basic
// credentials, grants the requested repository actions, and signs an RS256 JWT whose
// x5c certificate the registry trusts through `rootcertbundle`. Every request is
// logged (one JSON line) so tests can count tokens per scope.
import { createHash, createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenIssuerOptions {
  keyFile: string;
  certFile: string;
  issuer: string;
  service: string;
  username: string;
  password: string;
  /** The OAuth2 refresh token (a docker config `identitytoken`) this issuer accepts. */
  refreshToken: string;
  logFile: string;
}

export interface TokenIssuer {
  realm: string;
  stop(): Promise<void>;
}

/** One line of the issuer's log. */
export interface TokenLogEntry {
  user: string | null;
  scopes: string[];
  status: number;
  /** Set for the OAuth2 form (POST with grant_type=refresh_token). */
  grant?: string;
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

function parseBasic(header: string | undefined): { user: string; pass: string } | undefined {
  if (header === undefined || !header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) };
}

/** `repository:a/b:pull,push` → the access claim the registry checks. */
function accessFor(scopes: string[]): { type: string; name: string; actions: string[] }[] {
  return scopes.flatMap((scope) => {
    const m = /^([a-z]+):(.+):([a-z*,]+)$/.exec(scope);
    return m === null ? [] : [{ type: m[1]!, name: m[2]!, actions: m[3]!.split(',') }];
  });
}

export async function startTokenIssuer(opts: TokenIssuerOptions): Promise<TokenIssuer> {
  const key = createPrivateKey(await readFile(opts.keyFile));
  const certDer = new X509Certificate(await readFile(opts.certFile)).raw;
  // Constant-time comparison is not needed in a test, but hashing keeps it simple.
  const expected = createHash('sha256').update(`${opts.username}:${opts.password}`).digest('hex');

  const issue = (user: string | null, scopes: string[]): string => {
    const now = Math.floor(Date.now() / 1000);
    // Anonymous callers get a token with no access, as public token services do.
    const claims = {
      iss: opts.issuer,
      sub: user ?? '',
      aud: opts.service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access: user === null ? [] : accessFor(scopes),
    };
    const header = { typ: 'JWT', alg: 'RS256', x5c: [certDer.toString('base64')] };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${b64url(sign('sha256', Buffer.from(input), key))}`;
  };
  const log = (entry: TokenLogEntry): void => appendFileSync(opts.logFile, `${JSON.stringify(entry)}\n`);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://issuer');
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    if (req.method === 'POST') {
      // OAuth2 refresh-token grant, as clients use with a docker config identitytoken.
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        const grant = form.get('grant_type') ?? '';
        if (grant !== 'refresh_token' || form.get('refresh_token') !== opts.refreshToken) {
          log({ user: null, scopes, status: 401, grant });
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
          return;
        }
        log({ user: opts.username, scopes, status: 200, grant });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: issue(opts.username, scopes), expires_in: 300 }));
      });
      return;
    }
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    const creds = parseBasic(req.headers.authorization);
    if (creds !== undefined && createHash('sha256').update(`${creds.user}:${creds.pass}`).digest('hex') !== expected) {
      log({ user: creds.user, scopes, status: 401 });
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"invalid credentials"}');
      return;
    }
    log({ user: creds?.user ?? null, scopes, status: 200 });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: issue(creds?.user ?? null, scopes), expires_in: 300 }));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function readTokenLog(logFile: string): Promise<TokenLogEntry[]> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TokenLogEntry);
}
