import * as undici from 'undici';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Agent, EnvHttpProxyAgent, request } from './undici-core.js';

describe('undici-core', () => {
  it('exports the very classes undici publishes, so an upgrade that moves them fails here', () => {
    expect(Agent).toBe(undici.Agent);
    expect(EnvHttpProxyAgent).toBe(undici.EnvHttpProxyAgent);
    expect(undici.Dispatcher.prototype.request).toBeTypeOf('function');
    expect(new Agent().request).toBe(undici.Dispatcher.prototype.request);
  });

  it('sends a request with its path and query to the origin through the given dispatcher', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const dispatcher = new Agent();
    try {
      const { port } = server.address() as AddressInfo;
      const res = await request(`http://127.0.0.1:${port}/v2/x/tags/list?n=2&last=a`, { method: 'GET', dispatcher });
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toBe('ok');
      expect(seen).toEqual(['GET /v2/x/tags/list?n=2&last=a']);
    } finally {
      await dispatcher.close();
      server.close();
    }
  });
});
