// Connection counting at the TCP level. startConnectionCounter: a listener that counts
// and drops every connection, used as a "registry" address to prove that a command sent
// nothing over the network. startCountingForwarder: a forwarder to a real registry that
// counts the connections made through it, telling TLS attempts from plain HTTP ones.
import net from 'node:net';

export interface ConnectionCounter {
  /** "127.0.0.1:PORT" */
  host: string;
  connections(): number;
  stop(): Promise<void>;
}

export async function startConnectionCounter(): Promise<ConnectionCounter> {
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') {
    server.close();
    throw new Error('connection counter: could not read the bound port');
  }
  let stopped = false;
  return {
    host: `127.0.0.1:${addr.port}`,
    connections: () => count,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        if (stopped) {
          resolve();
          return;
        }
        stopped = true;
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export interface CountingForwarder extends ConnectionCounter {
  /** Connections whose first bytes were a TLS handshake (an HTTPS attempt). */
  tlsConnections(): number;
  /** Connections that spoke plain HTTP: the requests each carried, in order, as `METHOD path`. */
  httpConnections(): string[][];
}

/** A TCP forwarder to `target` ("host:port") that counts the connections made through it. */
export async function startCountingForwarder(target: string): Promise<CountingForwarder> {
  const [host, port] = target.split(':');
  let count = 0;
  let tls = 0;
  const plain: string[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    count++;
    const upstream = net.connect(Number(port), host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    let requests: string[] | undefined;
    let first = true;
    client.on('data', (chunk: Buffer) => {
      if (first) {
        first = false;
        if (chunk[0] === 0x16) tls++;
        else plain.push((requests = []));
      }
      // Request lines of HTTP/1.1 (bodies here are small: manifests at most).
      if (requests !== undefined) for (const m of chunk.toString('latin1').matchAll(/(?:^|\r\n)(GET|HEAD|PUT|POST|PATCH|DELETE) (\S+) HTTP\/1\.1\r\n/g)) requests.push(`${m[1]} ${m[2]}`);
    });
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as net.AddressInfo;
  return {
    host: `127.0.0.1:${addr.port}`,
    connections: () => count,
    tlsConnections: () => tls,
    httpConnections: () => plain.map((r) => [...r]),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
