// A reverse proxy in front of a real registry that can answer some requests itself:
// the way to test registry faults without mocking the registry protocol. Every request
// it sees is recorded (method, path, whether it carried Authorization).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  /** When the proxy received it (ms since the epoch, the proxy's own clock). */
  time?: number;
  /** The Content-Range header (chunked uploads). */
  contentRange?: string;
  /** The Content-Length header, when sent. */
  contentLength?: string;
  /** Set when the proxy injected a fault into this request instead of passing it on. */
  fault?: FaultKind;
  /** Response body bytes the proxy took from the registry for this request (forwarded ones). */
  responseBytes?: number;
  /** The client closed its connection before the answer was complete (an aborted request). */
  clientClosed?: boolean;
}

export type FaultKind = 'reply' | 'reset' | 'delay';

export interface FaultReply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** Read this many bytes of the request body (never forwarded), then destroy the client socket. */
export interface FaultReset {
  resetAfterBytes: number;
}

/** Forward the request after a pause (a slow network or a slow registry). */
export interface FaultDelay {
  delayMs: number;
}

/** Forward the request once `until` settles: the test decides when, not a clock. */
export interface FaultHold {
  until: Promise<unknown>;
}

/** Forward, adding request headers and/or response headers. */
export interface FaultForward {
  forwardHeaders?: Record<string, string>;
  responseHeaders?: Record<string, string>;
}

export type FaultDecision = FaultReply | FaultReset | FaultDelay | FaultHold | FaultForward;

/**
 * Decides per request: a reply to send instead of the registry's, a reset, a delay,
 * `undefined` to forward unchanged, or headers to add when forwarding.
 */
export type FaultRule = (req: SeenRequest) => FaultDecision | undefined;

export interface FaultProxy {
  host: string;
  seen: SeenRequest[];
  setRule(rule: FaultRule | undefined): void;
  /** Faults injected so far (replies, resets and delays), in all and by kind. */
  faults(): { total: number; reply: number; reset: number; delay: number };
  stop(): Promise<void>;
}

export type RequestMatch = (req: SeenRequest) => boolean;

/** A registry error body in the distribution format. */
export function registryErrorBody(code: string, message: string): string {
  return JSON.stringify({ errors: [{ code, message, detail: null }] });
}

/** Answer the first `n` matching requests with `status` (503 unless told), then forward. */
export function failFirst(n: number, match: RequestMatch, status = 503, body?: string): FaultRule {
  let left = n;
  return (req) => {
    if (left <= 0 || !match(req)) return undefined;
    left--;
    return {
      status,
      headers: { 'content-type': 'application/json' },
      body: body ?? registryErrorBody(status === 503 ? 'UNAVAILABLE' : 'UNKNOWN', 'injected fault'),
    };
  };
}

/** Answer the first `n` matching requests with 429 and `Retry-After: seconds`. */
export function throttle(n: number, match: RequestMatch, seconds: number | string): FaultRule {
  let left = n;
  return (req) => {
    if (left <= 0 || !match(req)) return undefined;
    left--;
    return {
      status: 429,
      headers: { 'retry-after': String(seconds), 'content-type': 'application/json' },
      body: registryErrorBody('TOOMANYREQUESTS', 'injected throttle'),
    };
  };
}

/** Reset the connection after `bytes` of the body of the first `n` matching requests. */
export function resetAfter(n: number, match: RequestMatch, bytes: number): FaultRule {
  let left = n;
  return (req) => {
    if (left <= 0 || !match(req)) return undefined;
    left--;
    return { resetAfterBytes: bytes };
  };
}

/** Delay every matching request by `ms` before forwarding it. */
export function slow(match: RequestMatch, ms: number): FaultRule {
  return (req) => (match(req) ? { delayMs: ms } : undefined);
}

/**
 * Hold every matching request until `release()`: the client sees a registry that has not
 * answered yet. Requests held and released so far are in `held`.
 */
export function hold(match: RequestMatch): { rule: FaultRule; held: SeenRequest[]; release(): void } {
  let release!: () => void;
  const until = new Promise<void>((resolve) => (release = resolve));
  const held: SeenRequest[] = [];
  return {
    rule: (req) => {
      if (!match(req)) return undefined;
      held.push(req);
      return { until };
    },
    held,
    release: () => release(),
  };
}

/** Until `check` holds (polled every 20 ms), or fails after `ms` saying `what`. */
export async function eventually(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The first rule with an opinion decides. */
export function firstOf(...rules: FaultRule[]): FaultRule {
  return (req) => {
    for (const rule of rules) {
      const decision = rule(req);
      if (decision !== undefined) return decision;
    }
    return undefined;
  };
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const seen: SeenRequest[] = [];
  const counts = { total: 0, reply: 0, reset: 0, delay: 0 };
  let rule: FaultRule | undefined;
  const count = (request: SeenRequest, kind: FaultKind): void => {
    request.fault = kind;
    counts.total++;
    counts[kind]++;
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, extra: FaultForward, request?: SeenRequest): void => {
    const headers = { ...req.headers, host: upstream.host, ...(extra.forwardHeaders ?? {}) };
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (up) => {
        // Locations the registry gives point at itself; keep the client on the proxy.
        const location = up.headers.location?.replace(upstream.origin, `http://${host}`);
        res.writeHead(up.statusCode ?? 502, {
          ...up.headers,
          ...(location === undefined ? {} : { location }),
          ...(extra.responseHeaders ?? {}),
        });
        // pipe() reads the registry only as fast as the client takes the bytes.
        if (request !== undefined) {
          request.responseBytes = 0;
          up.on('data', (chunk: Buffer) => (request.responseBytes! += chunk.length));
        }
        up.pipe(res);
        res.on('close', () => up.destroy());
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  };

  const server = http.createServer((req, res) => {
    const request: SeenRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      authorization: req.headers.authorization,
      time: Date.now(),
      ...(req.headers['content-range'] === undefined ? {} : { contentRange: req.headers['content-range'] }),
      ...(req.headers['content-length'] === undefined ? {} : { contentLength: req.headers['content-length'] }),
    };
    seen.push(request);
    // Closed before the whole answer was written: the client gave the request up.
    res.on('close', () => {
      if (!res.writableFinished) request.clientClosed = true;
    });
    const decision = rule?.(request);
    if (decision !== undefined && 'status' in decision) {
      count(request, 'reply');
      req.resume();
      res.writeHead(decision.status, decision.headers ?? {}).end(decision.body ?? '');
      return;
    }
    if (decision !== undefined && 'resetAfterBytes' in decision) {
      // The bytes go nowhere: to the registry this request never happened, as when a
      // connection drops in front of it.
      count(request, 'reset');
      let received = 0;
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= decision.resetAfterBytes) req.socket.destroy();
      });
      req.on('end', () => req.socket.destroy());
      return;
    }
    if (decision !== undefined && 'delayMs' in decision) {
      count(request, 'delay');
      req.pause();
      setTimeout(() => forward(req, res, {}, request), decision.delayMs);
      return;
    }
    if (decision !== undefined && 'until' in decision) {
      count(request, 'delay');
      req.pause();
      void decision.until.then(() => {
        if (!res.destroyed) forward(req, res, {}, request);
      });
      return;
    }
    forward(req, res, decision ?? {}, request);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    seen,
    setRule: (r) => {
      rule = r;
    },
    faults: () => ({ ...counts }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A plain HTTP server on another origin that serves fixed content and records what it is sent. */
export async function startOtherOrigin(content: Map<string, Buffer>): Promise<{ origin: string; seen: SeenRequest[]; stop(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? 'GET', path: req.url ?? '/', authorization: req.headers.authorization });
    const body = content.get(req.url ?? '');
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-length': String(body.length), 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
