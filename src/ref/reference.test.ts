import { describe, expect, it } from 'vitest';
import { ReferenceError } from '../errors/index.js';
import { formatReference, isLoopbackHost, isValidTag, parseReference, parseRepository } from './reference.js';

describe('parseReference', () => {
  it('normalises Docker Hub short names', () => {
    expect(parseReference('nginx', { defaultTag: 'latest' })).toEqual({
      registry: 'docker.io', repository: 'library/nginx', tag: 'latest',
    });
    expect(parseReference('registry-1.docker.io/me/app:1')).toEqual({ registry: 'docker.io', repository: 'me/app', tag: '1' });
    expect(parseReference('index.docker.io/nginx').repository).toBe('library/nginx');
  });

  it('keeps hosts with ports apart from tags', () => {
    const ref = parseReference('127.0.0.1:5000/team/app:v1.2.3');
    expect(ref).toEqual({ registry: '127.0.0.1:5000', repository: 'team/app', tag: 'v1.2.3' });
    expect(formatReference(ref)).toBe('127.0.0.1:5000/team/app:v1.2.3');
    expect(parseReference('localhost/app').registry).toBe('localhost');
  });

  it('reads digests and the oci:// prefix', () => {
    const d = `sha256:${'a'.repeat(64)}`;
    expect(parseReference(`oci://ghcr.io/o/r@${d}`)).toEqual({ registry: 'ghcr.io', repository: 'o/r', digest: d });
    expect(parseReference(`ghcr.io/o/r:t@${d}`).tag).toBe('t');
  });

  it.each([
    ['', /empty/],
    ['ghcr.io/Owner/app', /must be lowercase/],
    ['ghcr.io/o/app:-bad', /not a valid tag/],
    ['ghcr.io/o/app@sha256:xyz', /not a sha256 digest/],
    ['ghcr.io:99999/app', /out of range/],
    ['ghcr.io/o//app', /repository component/],
    ['ghcr.io/o/app name', /whitespace/],
    ['bad_host.io:5000/app', /not a valid registry host/],
  ])('rejects %j', (input, message) => {
    expect(() => parseReference(input)).toThrow(ReferenceError);
    expect(() => parseReference(input)).toThrow(message);
  });
});

describe('parseRepository', () => {
  it('refuses tags in a target registry', () => {
    expect(() => parseRepository('ghcr.io/o/app:1.0')).toThrow(/put tags in "tags"/);
    expect(parseRepository('ghcr.io/o/app')).toEqual({ registry: 'ghcr.io', repository: 'o/app' });
  });
});

describe('tags and hosts', () => {
  it('follows the OCI tag grammar', () => {
    expect(isValidTag('v1.2.3-rc.1')).toBe(true);
    expect(isValidTag('_x')).toBe(true);
    expect(isValidTag('1.2.3+build')).toBe(false);
    expect(isValidTag('.hidden')).toBe(false);
    expect(isValidTag('a'.repeat(128))).toBe(true);
    expect(isValidTag('a'.repeat(129))).toBe(false);
    expect(isValidTag('')).toBe(false);
  });

  it('knows loopback names', () => {
    expect(isLoopbackHost('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('[::1]:5000')).toBe(true);
    expect(isLoopbackHost('10.0.0.1:5000')).toBe(false);
    expect(isLoopbackHost('ghcr.io')).toBe(false);
  });
});
