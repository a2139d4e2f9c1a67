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

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://issuer');
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    const creds = parseBasic(req.headers.authorization);
    const log = (status: number): void =>
      appendFileSync(opts.logFile, `${JSON.stringify({ user: creds?.user ?? null, scopes, status } satisfies TokenLogEntry)}\n`);

    if (url.pathname !== '/token' || req.method !== 'GET') {
      log(404);
      res.writeHead(404).end();
      return;
    }
    if (creds !== undefined && createHash('sha256').update(`${creds.user}:${creds.pass}`).digest('hex') !== expected) {
      log(401);
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"invalid credentials"}');
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    // Anonymous callers get a token with no access, as public token services do.
    const claims = {
      iss: opts.issuer,
      sub: creds?.user ?? '',
      aud: opts.service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access: creds === undefined ? [] : accessFor(scopes),
    };
    const header = { typ: 'JWT', alg: 'RS256', x5c: [certDer.toString('base64')] };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const token = `${input}.${b64url(sign('sha256', Buffer.from(input), key))}`;
    log(200);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300, issued_at: new Date().toISOString() }));
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
