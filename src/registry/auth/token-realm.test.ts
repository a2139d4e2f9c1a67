import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../errors/index.js';
import { isRetryable } from '../transport/retry-policy.js';
import { Agent } from '../transport/undici-core.js';
import { fetchToken } from './token.js';

describe('token realm refusals', () => {
  it('a realm in plain HTTP on another host, or not a URL, is refused before any request, and is final', async () => {
    const dispatcher = new Agent();
    try {
      for (const realm of ['http://10.1.2.3/token', 'not a url']) {
        const err = await fetchToken({ realm, service: undefined, scopes: [], credential: undefined, dispatcher, insecure: false, userAgent: 't' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RegistryError);
        expect(isRetryable(err)).toBe(false);
      }
    } finally {
      await dispatcher.close();
    }
  });
});
