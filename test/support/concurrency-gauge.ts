// A plain-HTTP reverse proxy in front of a real registry that measures how hard a client
// leans on it: the most requests in flight at once and the most connections open at
// once. A request counts from its arrival until its answer has been sent in full.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConcurrencyGauge {
  /** "127.0.0.1:PORT" */
  host: string;
  /** Highest number of requests in flight at the same moment so far. */
  maxInFlight(): number;
  /** Highest number of client connections open at the same moment so far. */
  maxConnections(): number;
  /** Requests seen so far. */
  requests(): number;
  /** Forget the peaks (keeps what is open now as the new starting point). */
  reset(): void;
  stop(): Promise<void>;
}

export async function startConcurrencyGauge(upstreamHost: string): Promise<ConcurrencyGauge> {
  let inFlight = 0;
  let peakInFlight = 0;
  let open = 0;
  let peakOpen = 0;
  let total = 0;
  let host = '';

  const server = http.createServer((req, res) => {
    total++;
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      inFlight--;
    };
    res.on('finish', finish);
    res.on('close', finish);
    const out = http.request(
      { host: '127.0.0.1', port: Number(upstreamHost.split(':')[1]), method: req.method, path: req.url, headers: { ...req.headers, host: upstreamHost } },
      (up) => {
        // Locations the registry gives point at itself; keep the client on the proxy.
        const location = up.headers.location?.replace(`http://${upstreamHost}`, `http://${host}`);
        res.writeHead(up.statusCode ?? 502, { ...up.headers, ...(location === undefined ? {} : { location }) });
        up.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  server.on('connection', (socket) => {
    open++;
    peakOpen = Math.max(peakOpen, open);
    socket.on('close', () => open--);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    maxInFlight: () => peakInFlight,
    maxConnections: () => peakOpen,
    requests: () => total,
    reset: () => {
      peakInFlight = inFlight;
      peakOpen = open;
      total = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
