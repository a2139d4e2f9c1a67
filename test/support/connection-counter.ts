// A TCP listener that counts and drops every connection: used as a "registry" address
// to prove that a command sent nothing over the network.
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
