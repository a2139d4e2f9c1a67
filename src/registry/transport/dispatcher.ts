// The undici dispatcher of a run: keep-alive pools per origin, TLS settings from
// flags, HTTP(S)_PROXY / NO_PROXY from the environment, and the network timeouts
// (with the stall guard that reports them).
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { Agent, EnvHttpProxyAgent, type Dispatcher } from './undici-core.js';
import { UsageError } from '../../errors/index.js';
import { requestLog, type RequestListener } from './request-log.js';
import { stallGuard } from './stall-guard.js';
import { DEFAULT_TIMEOUTS, type NetworkTimeouts } from './timeouts.js';

export interface TlsOptions {
  /** Skip TLS verification (and allow plain HTTP to any host). */
  insecure?: boolean;
  /** Extra PEM CA bundle trusted in addition to the system roots. */
  caFile?: string;
}

export interface DispatcherOptions extends TlsOptions {
  /** Where proxy settings are read from (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, either case). */
  env?: NodeJS.ProcessEnv;
  /** Most connections open to one origin at once; requests past it wait for one (unbounded if absent). */
  connectionsPerOrigin?: number;
  /** Connect, response-header and body-stall limits; DEFAULT_TIMEOUTS where absent. */
  timeouts?: Partial<NetworkTimeouts>;
  /** Told of every request once it has ended (the browser's request log). */
  onRequest?: RequestListener;
}

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name] ?? env[name.toLowerCase()];
  return value === undefined || value === '' ? undefined : value;
}

export async function createDispatcher(opts: DispatcherOptions): Promise<Dispatcher> {
  let ca: string[] | undefined;
  if (opts.caFile !== undefined) {
    let pem: string;
    try {
      pem = await readFile(opts.caFile, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --ca-file ${opts.caFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    // Node replaces the system roots when `ca` is given, so keep them alongside.
    ca = [...rootCertificates, pem];
  }
  const tls = { rejectUnauthorized: opts.insecure !== true, ...(ca === undefined ? {} : { ca }) };
  const timeouts: NetworkTimeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const common = {
    keepAliveTimeout: 30_000,
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
    connect: { ...tls, timeout: timeouts.connectMs },
    ...(opts.connectionsPerOrigin === undefined ? {} : { connections: opts.connectionsPerOrigin }),
  };

  const env = opts.env ?? {};
  const httpProxy = envValue(env, 'HTTP_PROXY');
  const httpsProxy = envValue(env, 'HTTPS_PROXY');
  if (httpProxy === undefined && httpsProxy === undefined) {
    return withLog(new Agent(common).compose(stallGuard(timeouts)), opts.onRequest);
  }
  // The registry's TLS settings apply to the tunnelled request, not to the proxy itself.
  const proxied = new EnvHttpProxyAgent({
    ...common,
    requestTls: tls,
    ...(httpProxy === undefined ? {} : { httpProxy }),
    ...(httpsProxy === undefined ? {} : { httpsProxy }),
    noProxy: envValue(env, 'NO_PROXY') ?? '',
  }).compose(stallGuard(timeouts));
  return withLog(proxied, opts.onRequest);
}

/** Outermost, so a record shows what the caller saw (the stall guard's errors included). */
function withLog(dispatcher: Dispatcher, onRequest: RequestListener | undefined): Dispatcher {
  return onRequest === undefined ? dispatcher : dispatcher.compose(requestLog(onRequest));
}
