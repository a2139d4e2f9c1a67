import { describe, expect, it } from 'vitest';
import { parseChallenge } from './challenge.js';

describe('parseChallenge', () => {
  it('reads a bearer challenge with quoted commas and several scopes', () => {
    const c = parseChallenge('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push repository:c:pull"');
    expect(c).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.example.com/token',
        service: 'registry.example.com',
        scope: 'repository:a/b:pull,push repository:c:pull',
      },
    });
  });

  it('reads basic challenges and escaped quotes', () => {
    expect(parseChallenge('Basic realm="a \\"quoted\\" realm"')).toEqual({ scheme: 'basic', params: { realm: 'a "quoted" realm' } });
    expect(parseChallenge('basic')).toEqual({ scheme: 'basic', params: {} });
    expect(parseChallenge(undefined)).toBeUndefined();
  });
});

import { normaliseScopes } from './authenticator.js';

describe('normaliseScopes', () => {
  it('merges the actions of one resource and orders everything', () => {
    expect(normaliseScopes(['repository:b:pull', 'repository:a:push,pull', 'repository:b:push', 'repository:a:pull'])).toEqual([
      'repository:a:pull,push',
      'repository:b:pull,push',
    ]);
    expect(normaliseScopes(['registry:catalog:*'])).toEqual(['registry:catalog:*']);
    expect(normaliseScopes([])).toEqual([]);
  });
});
