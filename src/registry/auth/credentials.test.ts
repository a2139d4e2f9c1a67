import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../errors/index.js';
import { resolveCredential } from './credentials.js';

describe('resolveCredential', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazyoci-creds-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  const dockerConfig = (auths: object): Promise<void> => writeFile(join(dir, 'config.json'), JSON.stringify({ auths }));
  const b64 = (s: string): string => Buffer.from(s).toString('base64');

  it('prefers flags, then env, then the docker config', async () => {
    await dockerConfig({ 'reg.example.com': { auth: b64('cfg:cfgpw') } });
    const env = { DOCKER_CONFIG: dir, LAZYOCI_USERNAME: 'envu', LAZYOCI_PASSWORD: 'envpw' };
    expect(await resolveCredential('reg.example.com', { username: 'f', password: 'fp', env })).toEqual({ kind: 'basic', username: 'f', password: 'fp' });
    expect(await resolveCredential('reg.example.com', { env })).toEqual({ kind: 'basic', username: 'envu', password: 'envpw' });
    expect(await resolveCredential('reg.example.com', { env: { DOCKER_CONFIG: dir } })).toEqual({ kind: 'basic', username: 'cfg', password: 'cfgpw' });
    expect(await resolveCredential('other.example.com', { env: { DOCKER_CONFIG: dir } })).toBeUndefined();
  });

  it('matches keys written as URLs, Docker Hub under its v1 key, and identity tokens', async () => {
    await dockerConfig({
      'https://reg.example.com:5000/v2/': { auth: b64('u:p:with:colons') },
      'https://index.docker.io/v1/': { auth: b64('hub:hubpw') },
      'ghcr.io': { username: 'x', identitytoken: 'refresh-me' },
    });
    const env = { DOCKER_CONFIG: dir };
    expect(await resolveCredential('reg.example.com:5000', { env })).toEqual({ kind: 'basic', username: 'u', password: 'p:with:colons' });
    expect(await resolveCredential('docker.io', { env })).toEqual({ kind: 'basic', username: 'hub', password: 'hubpw' });
    expect(await resolveCredential('ghcr.io', { env })).toEqual({ kind: 'identity-token', username: 'x', token: 'refresh-me' });
  });

  it('refuses half a pair', async () => {
    await expect(resolveCredential('r.io', { username: 'only', env: {} })).rejects.toBeInstanceOf(UsageError);
    await expect(resolveCredential('r.io', { env: { LAZYOCI_PASSWORD: 'x' } })).rejects.toThrow(/LAZYOCI_USERNAME/);
  });
});
