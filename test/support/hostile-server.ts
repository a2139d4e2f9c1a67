// Test-only hostile servers on 127.0.0.1, for network faults a well-behaved proxy cannot
// make: a server that accepts connections and never says a word, and a proxy in front of
// a real registry that, per request, hangs, trickles a body, cuts a body short (its
// Content-Length promises more), or answers itself (a redirect, a challenge).
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface HostileRequest {
  method: string;
  path: string;
  range?: string;
}

export type HostileAction =
  /** Pass to the upstream registry unchanged, or without its Range header (a server that ignores Range). */
  | { kind: 'forward'; dropRange?: boolean }
  /** Read the request and never answer. */
  | { kind: 'hang' }
  /** Forward, then send the upstream's headers and its body one byte every `intervalMs`. */
  | { kind: 'trickle'; intervalMs: number }
  /** Forward, send the upstream's headers (Content-Length and all), `afterBytes` of the body, then close. */
  | { kind: 'truncate'; afterBytes: number }
  | { kind: 'reply'; status: number; headers?: Record<string, string>; body?: string };

export interface HostileServer {
  host: string;
  seen: HostileRequest[];
  setRule(rule: (req: HostileRequest) => HostileAction): void;
  stop(): Promise<void>;
}

export async function startHostileProxy(upstream: string | undefined, rule: (req: HostileRequest) => HostileAction = () => ({ kind: 'forward' })): Promise<HostileServer> {
  const target = upstream === undefined ? undefined : new URL(upstream);
  const seen: HostileRequest[] = [];
  let decide = rule;
  const timers = new Set<NodeJS.Timeout>();

  const withUpstream = (req: http.IncomingMessage, res: http.ServerResponse, onResponse: (up: http.IncomingMessage) => void, dropRange = false): void => {
    if (target === undefined) throw new Error('this hostile server has no upstream');
    const headers = { ...req.headers, host: target.host };
    if (dropRange) delete headers.range;
    const out = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (up) => {
        // Locations the registry gives point at itself; keep the client on the proxy.
        if (up.headers.location !== undefined) up.headers.location = up.headers.location.replace(target.origin, `http://${host}`);
        onResponse(up);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  };

  const server = http.createServer((req, res) => {
    const request: HostileRequest = { method: req.method ?? 'GET', path: req.url ?? '/', ...(req.headers.range === undefined ? {} : { range: req.headers.range }) };
    seen.push(request);
    const action = decide(request);
    switch (action.kind) {
      case 'hang':
        req.resume();
        return;
      case 'reply':
        req.resume();
        res.writeHead(action.status, action.headers ?? {}).end(action.body ?? '');
        return;
      case 'forward':
        withUpstream(
          req,
          res,
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
          action.dropRange === true,
        );
        return;
      case 'truncate':
        withUpstream(req, res, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          let sent = 0;
          up.on('data', (chunk: Buffer) => {
            if (sent >= action.afterBytes) return;
            const part = chunk.subarray(0, action.afterBytes - sent);
            sent += part.length;
            res.write(part);
            if (sent >= action.afterBytes) {
              up.destroy();
              // Give the bytes a moment to leave, then drop the connection mid-body.
              const t = setTimeout(() => res.socket?.destroy(), 20);
              timers.add(t);
            }
          });
        });
        return;
      case 'trickle':
        withUpstream(req, res, async (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          const chunks: Buffer[] = [];
          for await (const c of up) chunks.push(c as Buffer);
          const body = Buffer.concat(chunks);
          let i = 0;
          const tick = (): void => {
            if (res.destroyed || i >= body.length) {
              res.end();
              return;
            }
            res.write(body.subarray(i, i + 1));
            i++;
            const t = setTimeout(tick, action.intervalMs);
            timers.add(t);
          };
          tick();
        });
        return;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    seen,
    setRule: (r) => {
      decide = r;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Accepts TCP connections and never sends a byte (not even a TLS handshake). */
export async function startSilentServer(): Promise<{ host: string; connections(): number; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => count,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
