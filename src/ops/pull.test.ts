import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseReference } from '../ref/reference.js';
import { defaultPullDest, layoutTagFor } from './pull.js';

const DIGEST = `sha256:${'ab'.repeat(32)}` as const;

describe('pull destinations and layout names', () => {
  it('names the layout entry by the tag, or by the hex of a digest (usable as oci:DIR:NAME)', () => {
    expect(layoutTagFor(parseReference('localhost:5000/a/b:v1.2'))).toBe('v1.2');
    expect(layoutTagFor(parseReference(`localhost:5000/a/b@${DIGEST}`))).toBe('ab'.repeat(32));
    expect(layoutTagFor(parseReference(`localhost:5000/a/b:v1@${DIGEST}`))).toBe('v1');
    expect(layoutTagFor(parseReference('localhost:5000/a/b'))).toBe('latest');
  });

  const env = { HOME: '/home/u', XDG_DATA_HOME: '/data' };

  it('defaults to <XDG_DATA_HOME>/lazyoci/artifacts/<registry>/<repository>, the port made path-safe', () => {
    const ref = parseReference('127.0.0.1:5000/team/app:v1');
    expect(defaultPullDest(ref, { registries: [] }, env, '/cwd')).toBe(path.join('/data/lazyoci/artifacts/127.0.0.1_5000/team/app'));
    expect(defaultPullDest(ref, { registries: [] }, { HOME: '/home/u' }, '/cwd')).toBe(
      path.join('/home/u/.local/share/lazyoci/artifacts/127.0.0.1_5000/team/app'),
    );
    expect(defaultPullDest(parseReference('[::1]:5000/x'), { registries: [] }, env, '/cwd')).toBe(
      path.join('/data/lazyoci/artifacts/___1__5000/x'),
    );
    expect(defaultPullDest(parseReference('nginx'), { registries: [] }, env, '/cwd')).toBe(
      path.join('/data/lazyoci/artifacts/docker.io/library/nginx'),
    );
  });

  it('uses the configured artifactDir, with ~ and relative paths resolved', () => {
    const ref = parseReference('ghcr.io/o/app');
    expect(defaultPullDest(ref, { artifactDir: '/srv/oci', registries: [] }, env, '/cwd')).toBe('/srv/oci/ghcr.io/o/app');
    expect(defaultPullDest(ref, { artifactDir: '~/oci', registries: [] }, env, '/cwd')).toBe('/home/u/oci/ghcr.io/o/app');
    expect(defaultPullDest(ref, { artifactDir: 'oci', registries: [] }, env, '/cwd')).toBe('/cwd/oci/ghcr.io/o/app');
  });
});
