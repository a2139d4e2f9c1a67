// The dispatcher's timeouts and stall guard against a test-only hostile HTTP server on 127.0.0.1.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from './dispatcher.js';
import { NetworkFailure } from './network-error.js';
import { request, type Dispatcher } from './undici-core.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('stall guard', () => {
  let handler: Handler = () => undefined;
  const server = createServer((req, res) => handler(req, res));
  let origin: string;
  let dispatcher: Dispatcher;
  const timers: NodeJS.Timeout[] = [];

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dispatcher = await createDispatcher({ timeouts: { connectMs: 1_000, headersMs: 300, bodyMs: 300 } });
  });
  afterAll(async () => {
    timers.forEach(clearTimeout);
    await dispatcher.close().catch(() => undefined);
    server.closeAllConnections();
    server.close();
  });

  const failureOf = async (work: Promise<unknown>): Promise<NetworkFailure> => {
    const err = await work.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkFailure);
    return err as NetworkFailure;
  };

  it('headers that never come: a timed-out NetworkFailure naming the request and the host', async () => {
    handler = () => undefined;
    const f = await failureOf(request(`${origin}/v2/x/manifests/v1?token=secret`, { method: 'GET', dispatcher }));
    expect(f).toMatchObject({ awaited: 'headers', timedOut: true, method: 'GET' });
    expect(f.message).toBe(`GET ${origin}/v2/x/manifests/v1?token=REDACTED: no response headers from ${origin.slice(7)} within 0.3 s`);
  });

  it('a body trickling a byte at a time stalls, though it is never idle for a whole timeout', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      const tick = (): void => {
        if (res.destroyed) return;
        res.write('x');
        timers.push(setTimeout(tick, 50));
      };
      tick();
    };
    const res = await request(`${origin}/blob`, { method: 'GET', dispatcher });
    const f = await failureOf(res.body.text());
    expect(f).toMatchObject({ awaited: 'body', timedOut: true });
    expect(f.detail).toMatch(/stalled: less than 1 KiB in 0\.3 s \(\d+ of 1000 bytes received\)/);
  });

  it('a body cut short: "closed in the middle of the response body", not a timeout', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': '100000' });
      res.write(Buffer.alloc(5000));
      timers.push(setTimeout(() => res.socket?.destroy(), 20));
    };
    const res = await request(`${origin}/blob`, { method: 'GET', dispatcher });
    const f = await failureOf(res.body.arrayBuffer());
    expect(f).toMatchObject({ awaited: 'body', timedOut: false });
    expect(f.detail).toMatch(/closed in the middle of the response body \(5000 of 100000 bytes received\)/);
  });

  it('a reader that stops reading for longer than the body timeout is not a stall', async () => {
    const size = 8 << 20;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': String(size) });
      res.end(Buffer.alloc(size));
    };
    const res = await request(`${origin}/blob`, { method: 'GET', dispatcher });
    let got = 0;
    let first = true;
    for await (const chunk of res.body) {
      got += (chunk as Buffer).length;
      if (first) {
        first = false;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
    expect(got).toBe(size);
  });

  it('an abort by the caller passes through unchanged', async () => {
    handler = () => undefined;
    const controller = new AbortController();
    const reason = new Error('mine');
    const sent = request(`${origin}/x`, { method: 'GET', dispatcher, signal: controller.signal });
    controller.abort(reason);
    await expect(sent).rejects.toBe(reason);
  });
});
