// Starts a real `distribution` registry (docker-registry serve) on 127.0.0.1 in one of
// three modes — plain HTTP, HTTPS with a self-signed certificate, htpasswd Basic auth.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { startTokenIssuer, type TokenIssuer } from './token-issuer.js';

const execFileAsync = promisify(execFile);

export type RegistryMode = 'http' | 'https' | 'auth' | 'token';

/** What a test needs to reach a registry; plain data, so vitest can `provide` it. */
export interface RegistryInfo {
  mode: RegistryMode;
  /** "127.0.0.1:PORT" */
  host: string;
  /** "http(s)://127.0.0.1:PORT" */
  url: string;
  storageDir: string;
  /** registry stdout+stderr, including the access log (one line per request). */
  logFile: string;
  /** PEM of the self-signed certificate (https only). Its directory holds only this
   *  file, so `path.dirname(caFile)` works as a skopeo `--cert-dir`. */
  caFile?: string;
  /** auth only */
  username?: string;
  /** auth and token only; distinctive (`pw-<hex>`) so tests can scan output for leaks. */
  password?: string;
  /** token only: the issuer's log, one JSON line per token request (see token-issuer.ts). */
  tokenLog?: string;
  /** token only: an OAuth2 refresh token the issuer accepts (a docker config identitytoken). */
  refreshToken?: string;
}

export interface RunningRegistry extends RegistryInfo {
  stop(): Promise<void>;
}

export const REGISTRY_USERNAME = 'lazyuser';

const READY_TIMEOUT_MS = 10_000;
const START_ATTEMPTS = 3;

export async function startRegistry(
  mode: RegistryMode,
  /** deleteEnabled: false starts a registry with distribution's default, deletes refused (405). */
  opts: { name?: string; deleteEnabled?: boolean } = {},
): Promise<RunningRegistry> {
  const label = opts.name ?? mode;
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    try {
      return await startOnce(mode, label, opts.deleteEnabled !== false);
    } catch (err) {
      lastError = err;
      // Another process may grab the port between our probe and the registry's bind.
      if (!(err instanceof PortInUseError)) throw err;
    }
  }
  throw lastError;
}

class PortInUseError extends Error {}

async function startOnce(mode: RegistryMode, label: string, deleteEnabled: boolean): Promise<RunningRegistry> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), `lazyoci-reg-${label}-`));
  const storageDir = await mkdtemp(path.join(os.tmpdir(), `lazyoci-reg-${label}-data-`));
  const cleanupDirs = async () => {
    await rm(workDir, { recursive: true, force: true });
    await rm(storageDir, { recursive: true, force: true });
  };

  let child: ChildProcess | undefined;
  let issuer: TokenIssuer | undefined;
  try {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const logFile = path.join(workDir, 'registry.log');
    const info: RegistryInfo = {
      mode,
      host,
      url: `${mode === 'https' ? 'https' : 'http'}://${host}`,
      storageDir,
      logFile,
    };

    const lines = [
      'version: 0.1',
      'log:',
      '  level: info',
      '  accesslog:',
      '    disabled: false',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${JSON.stringify(storageDir)}`,
      '  delete:',
      `    enabled: ${deleteEnabled}`,
      'http:',
      `  addr: ${host}`,
      `  secret: ${randomBytes(16).toString('hex')}`,
    ];

    if (mode === 'https') {
      const caDir = path.join(workDir, 'ca');
      await mkdir(caDir);
      const certFile = path.join(caDir, 'registry.crt');
      const keyFile = path.join(workDir, 'registry.key');
      await execFileAsync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
        '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout', keyFile, '-out', certFile,
      ]);
      lines.push('  tls:', `    certificate: ${JSON.stringify(certFile)}`, `    key: ${JSON.stringify(keyFile)}`);
      info.caFile = certFile;
    }

    if (mode === 'auth') {
      // distribution 2.8.2 accepts htpasswd auth over plain HTTP (checked by hand), so no TLS here.
      const password = `pw-${randomBytes(12).toString('hex')}`;
      const htpasswd = path.join(workDir, 'htpasswd');
      await writeFile(htpasswd, `${REGISTRY_USERNAME}:${bcrypt.hashSync(password, 10)}\n`);
      lines.push('auth:', '  htpasswd:', '    realm: lazyoci-test', `    path: ${JSON.stringify(htpasswd)}`);
      info.username = REGISTRY_USERNAME;
      info.password = password;
    }

    if (mode === 'token') {
      const keyFile = path.join(workDir, 'token.key');
      const certFile = path.join(workDir, 'token.crt');
      await execFileAsync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
        '-subj', '/CN=lazyoci-test-token-issuer', '-keyout', keyFile, '-out', certFile,
      ]);
      const password = `pw-${randomBytes(12).toString('hex')}`;
      const refreshToken = `rt-${randomBytes(12).toString('hex')}`;
      const tokenLog = path.join(workDir, 'tokens.log');
      await writeFile(tokenLog, '');
      issuer = await startTokenIssuer({
        keyFile, certFile, issuer: 'lazyoci-test-issuer', service: 'lazyoci-test-registry',
        username: REGISTRY_USERNAME, password, logFile: tokenLog, refreshToken,
      });
      lines.push(
        'auth:', '  token:', `    realm: ${issuer.realm}`, '    service: lazyoci-test-registry',
        '    issuer: lazyoci-test-issuer', `    rootcertbundle: ${JSON.stringify(certFile)}`,
      );
      info.username = REGISTRY_USERNAME;
      info.password = password;
      info.tokenLog = tokenLog;
      info.refreshToken = refreshToken;
    }

    const configFile = path.join(workDir, 'config.yml');
    await writeFile(configFile, lines.join('\n') + '\n');

    const logFd = openSync(logFile, 'a');
    try {
      child = spawn('docker-registry', ['serve', configFile], {
        stdio: ['ignore', logFd, logFd],
      });
    } finally {
      closeSync(logFd);
    }
    const proc = child;
    const exited = new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) resolve();
      else proc.once('exit', () => resolve());
    });
    const spawnError = new Promise<Error>((resolve) => proc.once('error', resolve));
    // Never leave a registry behind if the test process dies without teardown.
    const killOnExit = () => proc.kill('SIGKILL');
    process.once('exit', killOnExit);

    await waitReady(info, proc, spawnError);

    let stopped = false;
    return {
      ...info,
      async stop() {
        if (stopped) return;
        stopped = true;
        process.removeListener('exit', killOnExit);
        if (proc.exitCode === null && proc.signalCode === null) {
          proc.kill('SIGTERM');
          const timer = setTimeout(() => proc.kill('SIGKILL'), 2000);
          await exited;
          clearTimeout(timer);
        }
        await issuer?.stop();
        await cleanupDirs();
      },
    };
  } catch (err) {
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const proc = child;
      const gone = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await gone;
    }
    await issuer?.stop();
    await cleanupDirs();
    throw err;
  }
}

async function waitReady(info: RegistryInfo, proc: ChildProcess, spawnError: Promise<Error>): Promise<void> {
  const ca = info.caFile ? await readFile(info.caFile) : undefined;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  let failed: Error | undefined;
  void spawnError.then((e) => (failed = e));

  while (Date.now() < deadline) {
    if (failed) {
      throw new Error(`cannot run docker-registry: ${failed.message} (run \`make test\`, which installs it)`);
    }
    if (proc.exitCode !== null || proc.signalCode !== null) {
      const tail = await logTail(info.logFile);
      if (/address already in use/i.test(tail)) throw new PortInUseError(`port of ${info.host} taken`);
      throw new Error(
        `docker-registry (${info.mode}) exited with ${proc.exitCode ?? proc.signalCode} before it was ready\n${tail}`,
      );
    }
    try {
      const res = await probe(`${info.url}/v2/`, { ca });
      if (res.status === 200 || res.status === 401) return;
      lastProblem = `GET /v2/ answered ${res.status}`;
    } catch (err) {
      lastProblem = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `docker-registry (${info.mode}) on ${info.host} not ready after ${READY_TIMEOUT_MS} ms: ${lastProblem}\n` +
      (await logTail(info.logFile)),
  );
}

async function logTail(logFile: string, lines = 30): Promise<string> {
  try {
    const text = await readFile(logFile, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no registry log)';
  }
}

/** A free TCP port on 127.0.0.1: bind to port 0, read it, release it. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      if (addr === null || typeof addr === 'string') {
        server.close();
        reject(new Error('could not read the bound port'));
        return;
      }
      server.close(() => resolve(addr.port));
    });
  });
}

export interface ProbeResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * One GET with node's own http/https (test support only; the product uses undici).
 * `ca` trusts the self-signed certificate; without it an https probe must fail.
 */
export function probe(
  url: string,
  opts: { ca?: Buffer | string; authorization?: string; timeoutMs?: number } = {},
): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const headers: Record<string, string> = {};
    if (opts.authorization) headers.authorization = opts.authorization;
    const options: https.RequestOptions = { method: 'GET', headers, agent: false };
    if (opts.ca !== undefined) options.ca = opts.ca;
    const client = target.protocol === 'https:' ? https : http;
    const req = client.request(target, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 2000, () => req.destroy(new Error(`timeout for GET ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

/** `Authorization: Basic …` value for the auth registry. */
export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
