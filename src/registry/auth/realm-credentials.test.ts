import { describe, expect, it } from 'vitest';
import { realmMayReceiveCredentials } from './realm-credentials.js';

const may = (realm: string, registry: string): boolean => realmMayReceiveCredentials(new URL(realm), new URL(registry));

describe('realmMayReceiveCredentials', () => {
  it('sends credentials to any HTTPS realm', () => {
    expect(may('https://auth.example.com/token', 'https://reg.example.com/')).toBe(true);
    expect(may('https://auth.example.com/token', 'http://10.0.0.5:5000/')).toBe(true);
  });

  it('over plain HTTP, only to the registry origin itself', () => {
    expect(may('http://reg.example.com:5000/token', 'http://reg.example.com:5000/')).toBe(true);
    expect(may('http://auth.example.com/token', 'https://reg.example.com/')).toBe(false);
    expect(may('http://reg.example.com:5001/token', 'http://reg.example.com:5000/')).toBe(false);
    expect(may('http://reg.example.com/token', 'https://reg.example.com/')).toBe(false);
  });

  it('a loopback realm only for a loopback registry', () => {
    expect(may('http://127.0.0.1:4000/token', 'http://127.0.0.1:5000/')).toBe(true);
    expect(may('http://localhost:4000/token', 'https://127.0.0.1:5000/')).toBe(true);
    expect(may('http://127.0.0.1:4000/token', 'https://reg.example.com/')).toBe(false);
    expect(may('http://auth.example.com/token', 'http://127.0.0.1:5000/')).toBe(false);
  });

  it('never to another scheme', () => {
    expect(may('ftp://reg.example.com/token', 'https://reg.example.com/')).toBe(false);
  });
});
