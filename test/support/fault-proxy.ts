// A reverse proxy in front of a real registry that can answer some requests itself:
// the way to test registry faults without mocking the registry protocol. Every request
// it sees is recorded (method, path, whether it carried Authorization).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  authorization: string | undefined;
}

export interface FaultReply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/**
 * Decides per request: a reply to send instead of the registry's, `undefined` to
 * forward unchanged, or headers to add when forwarding (`{ forwardHeaders }`).
 */
export type FaultRule = (req: SeenRequest) => FaultReply | { forwardHeaders: Record<string, string> } | undefined;

export interface FaultProxy {
  host: string;
  seen: SeenRequest[];
  setRule(rule: FaultRule | undefined): void;
  stop(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const seen: SeenRequest[] = [];
  let rule: FaultRule | undefined;

  const server = http.createServer((req, res) => {
    const request: SeenRequest = { method: req.method ?? 'GET', path: req.url ?? '/', authorization: req.headers.authorization };
    seen.push(request);
    const decision = rule?.(request);
    if (decision !== undefined && 'status' in decision) {
      req.resume();
      res.writeHead(decision.status, decision.headers ?? {}).end(decision.body ?? '');
      return;
    }
    const headers = { ...req.headers, host: upstream.host, ...(decision?.forwardHeaders ?? {}) };
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (up) => {
        // Locations the registry gives point at itself; keep the client on the proxy.
        const location = up.headers.location?.replace(upstream.origin, `http://${host}`);
        res.writeHead(up.statusCode ?? 502, { ...up.headers, ...(location === undefined ? {} : { location }) });
        up.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    seen,
    setRule: (r) => {
      rule = r;
    },
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
