import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors/index.js';
import { availablePlatforms, formatPlatform, parsePlatform, selectPlatform } from './platform.js';
import type { Descriptor, Platform } from './types.js';

const entry = (n: number, platform?: Platform): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: 100 + n,
  ...(platform === undefined ? {} : { platform }),
});

describe('platforms', () => {
  it('parses os/arch[/variant], lowercased, with common architecture aliases', () => {
    expect(parsePlatform('linux/amd64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/arm/v7')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(parsePlatform('Linux/x86_64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/aarch64')).toEqual({ os: 'linux', architecture: 'arm64' });
  });

  it('refuses what is not a platform', () => {
    for (const bad of ['linux', 'linux/', '/amd64', 'a/b/c/d', 'linux/amd 64', '../x']) {
      expect(() => parsePlatform(bad)).toThrow(UsageError);
    }
  });

  it('formats with the variant only when there is one', () => {
    expect(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v6' })).toBe('linux/arm/v6');
    expect(formatPlatform({ os: 'windows', architecture: 'amd64', 'os.version': '10.0' })).toBe('windows/amd64');
  });

  const index = [
    entry(1, { os: 'linux', architecture: 'amd64' }),
    entry(2, { os: 'linux', architecture: 'arm', variant: 'v6' }),
    entry(3, { os: 'linux', architecture: 'arm', variant: 'v7' }),
    entry(4, { os: 'linux', architecture: 'arm64', variant: 'v8' }),
    entry(5, { os: 'unknown', architecture: 'unknown' }),
    entry(6),
  ];

  it('selects by os and architecture, and by variant when asked', () => {
    expect(selectPlatform(index, parsePlatform('linux/amd64'))?.size).toBe(101);
    expect(selectPlatform(index, parsePlatform('linux/arm/v7'))?.size).toBe(103);
    expect(selectPlatform(index, parsePlatform('linux/arm'))?.size).toBe(102);
    // arm64 is v8 with or without saying so.
    expect(selectPlatform(index, parsePlatform('linux/arm64'))?.size).toBe(104);
    expect(selectPlatform(index, parsePlatform('linux/arm64/v8'))?.size).toBe(104);
    expect(selectPlatform(index, parsePlatform('linux/s390x'))).toBeUndefined();
    expect(selectPlatform(index, parsePlatform('linux/arm/v5'))).toBeUndefined();
    expect(selectPlatform(index, parsePlatform('windows/amd64'))).toBeUndefined();
  });

  it('lists what an index offers, each once', () => {
    expect(availablePlatforms([...index, entry(7, { os: 'linux', architecture: 'amd64' })])).toEqual([
      'linux/amd64',
      'linux/arm/v6',
      'linux/arm/v7',
      'linux/arm64/v8',
      'unknown/unknown',
    ]);
  });
});
