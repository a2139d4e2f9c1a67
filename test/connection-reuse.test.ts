// A build of many small artifacts keeps its connections to the registry open across
// requests, HEADs included (undici closes the connection after a HEAD unless asked not
// to, which made a build of 200 artifacts open one connection per request: issue 19).
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from './support/cli.js';

const http = inject('registries').http;

/** A test-only TCP forwarder to the real registry that counts the connections made to it. */
async function startCountingForwarder(target: string): Promise<{ host: string; connections(): number; stop(): Promise<void> }> {
  const [host, port] = target.split(':');
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    count++;
    const upstream = net.connect(Number(port), host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
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
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('connections to a registry are reused', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-conn-reuse-'));
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it('a build of 8 artifacts (each a manifest HEAD and two blob HEADs) opens a few connections, not one per HEAD', async () => {
    const forwarder = await startCountingForwarder(http.host);
    try {
      const id = Math.random().toString(36).slice(2, 8);
      await mkdir(path.join(work, 'files'));
      const lines = ['version: 1', 'artifacts:'];
      for (let i = 0; i < 8; i++) {
        await writeFile(path.join(work, 'files', `a${i}.json`), JSON.stringify({ i, id }));
        lines.push(
          '  - type: artifact',
          `    name: a${i}`,
          '    files: [{ path: files/a' + i + '.json, mediaType: application/json }]',
          '    targets:',
          `      - registry: "${forwarder.host}/conn-${id}/a${i}"`,
          '        tags: [v1]',
        );
      }
      await writeFile(path.join(work, '.lazy'), `${lines.join('\n')}\n`);
      const first = await runCli(['build', '-q', work]);
      expect(first.code, first.stderr).toBe(0);
      const again = await runCli(['build', '-q', work]);
      expect(again.code, again.stderr).toBe(0);
      // 8 × 3 HEADs in the first build and 8 in the second; each closed its connection before.
      // Two runs with up to a handful of connections each (transfers in parallel, a ping).
      expect(forwarder.connections()).toBeLessThanOrEqual(10);
    } finally {
      await forwarder.stop();
    }
  });
});
