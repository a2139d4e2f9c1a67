import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistryError, UsageError } from '../../errors/index.js';
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
    expect(await resolveCredential('reg.example.com', { username: 'f', password: 'fp', env })).toMatchObject({ kind: 'basic', username: 'f', password: 'fp' });
    expect(await resolveCredential('reg.example.com', { env })).toMatchObject({ kind: 'basic', username: 'envu', password: 'envpw' });
    expect(await resolveCredential('reg.example.com', { env: { DOCKER_CONFIG: dir } })).toMatchObject({ kind: 'basic', username: 'cfg', password: 'cfgpw' });
    expect(await resolveCredential('other.example.com', { env: { DOCKER_CONFIG: dir } })).toBeUndefined();
  });

  it('says where each credential came from, for errors when a registry refuses it', async () => {
    await dockerConfig({ 'reg.example.com': { auth: b64('cfg:cfgpw') } });
    const env = { DOCKER_CONFIG: dir, LAZYOCI_USERNAME: 'envu', LAZYOCI_PASSWORD: 'envpw' };
    expect((await resolveCredential('reg.example.com', { username: 'f', password: 'fp', env }))?.source).toBe('--username/--password');
    expect((await resolveCredential('reg.example.com', { env }))?.source).toBe('LAZYOCI_USERNAME/LAZYOCI_PASSWORD');
    expect((await resolveCredential('reg.example.com', { env: { DOCKER_CONFIG: dir } }))?.source).toBe(`the auths entry in ${join(dir, 'config.json')}`);
    expect((await resolveCredential('saved.example.com', { env: { DOCKER_CONFIG: dir }, saved: { username: 's', password: 'sp' } }))?.source).toBe(
      'the registry saved with lazyoci registry add',
    );
  });

  it('matches keys written as URLs, Docker Hub under its v1 key, and identity tokens', async () => {
    await dockerConfig({
      'https://reg.example.com:5000/v2/': { auth: b64('u:p:with:colons') },
      'https://index.docker.io/v1/': { auth: b64('hub:hubpw') },
      'ghcr.io': { username: 'x', identitytoken: 'refresh-me' },
    });
    const env = { DOCKER_CONFIG: dir };
    expect(await resolveCredential('reg.example.com:5000', { env })).toMatchObject({ kind: 'basic', username: 'u', password: 'p:with:colons' });
    expect(await resolveCredential('docker.io', { env })).toMatchObject({ kind: 'basic', username: 'hub', password: 'hubpw' });
    expect(await resolveCredential('ghcr.io', { env })).toMatchObject({ kind: 'identity-token', username: 'x', token: 'refresh-me' });
  });

  it('gives flag and env credentials only to the registry they are for', async () => {
    await dockerConfig({ 'src.example.com': { auth: b64('cfg:cfgpw') } });
    const env = { DOCKER_CONFIG: dir, LAZYOCI_USERNAME: 'envu', LAZYOCI_PASSWORD: 'envpw' };
    const flags = { username: 'f', password: 'fp', credentialRegistry: 'Dest.example.com', env };
    expect(await resolveCredential('dest.example.com', flags)).toMatchObject({ kind: 'basic', username: 'f', password: 'fp' });
    // Another registry falls through to the rest of the chain: its docker config entry, or nothing.
    expect(await resolveCredential('src.example.com', flags)).toMatchObject({ kind: 'basic', username: 'cfg', password: 'cfgpw' });
    expect(await resolveCredential('other.example.com', flags)).toBeUndefined();
    expect(await resolveCredential('other.example.com', { env, credentialRegistry: 'dest.example.com' })).toBeUndefined();
    expect(await resolveCredential('dest.example.com', { env, credentialRegistry: 'dest.example.com' })).toMatchObject({ kind: 'basic', username: 'envu', password: 'envpw' });
  });

  it('refuses half a pair', async () => {
    await expect(resolveCredential('r.io', { username: 'only', env: {} })).rejects.toBeInstanceOf(UsageError);
    await expect(resolveCredential('r.io', { env: { LAZYOCI_PASSWORD: 'x' } })).rejects.toThrow(/LAZYOCI_USERNAME/);
  });

  describe('credential helpers', () => {
    let bin: string;
    beforeEach(async () => {
      bin = await mkdtemp(join(tmpdir(), 'lazyoci-helpers-'));
    });
    afterEach(async () => rm(bin, { recursive: true, force: true }));

    /** A docker-credential-NAME script; it logs what it was asked on stdin to NAME.log. */
    async function helper(name: string, body: string): Promise<void> {
      const file = join(bin, `docker-credential-${name}`);
      await writeFile(file, `#!/bin/sh\n[ "$1" = get ] || exit 3\nread -r url || true\nprintf '%s\\n' "$url" >> "${bin}/${name}.log"\n${body}\n`);
      await chmod(file, 0o755);
    }
    const asked = async (name: string): Promise<string[]> =>
      (await readFile(join(bin, `${name}.log`), 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
    const config = (doc: object): Promise<void> => writeFile(join(dir, 'config.json'), JSON.stringify(doc));
    const envWith = (): NodeJS.ProcessEnv => ({ DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` });
    const answer = (user: string, secret: string): string =>
      `printf '%s' '${JSON.stringify({ ServerURL: 'x', Username: user, Secret: secret })}'`;

    it('asks credHelpers[registry] with the host on stdin, before auths and credsStore', async () => {
      await helper('per', answer('helper-user', 'helper-secret'));
      await helper('store', answer('store-user', 'store-secret'));
      await config({
        credHelpers: { 'reg.example.com:5000': 'per' },
        auths: { 'reg.example.com:5000': { auth: b64('file:filepw') }, 'other.example.com': { auth: b64('o:opw') } },
        credsStore: 'store',
      });
      const env = envWith();
      expect(await resolveCredential('reg.example.com:5000', { env })).toMatchObject({ kind: 'basic', username: 'helper-user', password: 'helper-secret' });
      expect(await asked('per')).toEqual(['reg.example.com:5000']);
      // auths wins over credsStore; credsStore covers registries without an entry.
      expect(await resolveCredential('other.example.com', { env })).toMatchObject({ kind: 'basic', username: 'o', password: 'opw' });
      expect(await resolveCredential('third.example.com', { env })).toMatchObject({ kind: 'basic', username: 'store-user', password: 'store-secret' });
      expect(await asked('store')).toEqual(['third.example.com']);
      // flags and env still come first: no helper is run.
      expect(await resolveCredential('third.example.com', { env: { ...env, LAZYOCI_USERNAME: 'e', LAZYOCI_PASSWORD: 'ep' } })).toEqual({
        kind: 'basic',
        username: 'e',
        password: 'ep',
        source: 'LAZYOCI_USERNAME/LAZYOCI_PASSWORD',
      });
      expect(await asked('store')).toHaveLength(1);
    });

    it('"credentials not found" continues the chain: auths, credsStore, then saved registries', async () => {
      await helper('empty', `echo "credentials not found in native keychain"; exit 1`);
      await config({ credHelpers: { 'reg.example.com': 'empty' }, auths: { 'reg.example.com': { auth: b64('file:filepw') } } });
      expect(await resolveCredential('reg.example.com', { env: envWith() })).toMatchObject({ kind: 'basic', username: 'file', password: 'filepw' });

      await config({ credHelpers: { 'reg.example.com': 'empty' }, credsStore: 'empty' });
      const saved = { username: 'saved', password: 'savedpw' };
      expect(await resolveCredential('reg.example.com', { env: envWith(), saved })).toMatchObject({ kind: 'basic', ...saved });
      expect(await resolveCredential('reg.example.com', { env: envWith() })).toBeUndefined();
      expect(await asked('empty')).toEqual(['reg.example.com', 'reg.example.com', 'reg.example.com', 'reg.example.com', 'reg.example.com']);
    });

    it('uses https://index.docker.io/v1/ for Docker Hub and maps Username <token> to an identity token', async () => {
      await helper('hub', answer('<token>', 'refresh-token-xyz'));
      await config({ credHelpers: { 'https://index.docker.io/v1/': 'hub' } });
      expect(await resolveCredential('docker.io', { env: envWith() })).toMatchObject({ kind: 'identity-token', token: 'refresh-token-xyz' });
      expect(await asked('hub')).toEqual(['https://index.docker.io/v1/']);

      await config({ credsStore: 'hub' });
      expect(await resolveCredential('docker.io', { env: envWith() })).toMatchObject({ kind: 'identity-token', token: 'refresh-token-xyz' });
      expect(await asked('hub')).toEqual(['https://index.docker.io/v1/', 'https://index.docker.io/v1/']);
    });

    it('a missing helper is a usage error naming it', async () => {
      await config({ credsStore: 'absent' });
      const err = await resolveCredential('reg.example.com', { env: envWith() }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(/docker-credential-absent/);
    });

    it('a failing helper is a registry error naming it, without its stdout or the secret', async () => {
      await helper('broken', `printf 'TOPSECRET-OUT'; echo 'keychain locked' >&2; exit 2`);
      await config({ credHelpers: { 'reg.example.com': 'broken' } });
      const err = await resolveCredential('reg.example.com', { env: envWith() }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as Error).message).toMatch(/docker-credential-broken/);
      expect((err as Error).message).toMatch(/keychain locked/);
      expect((err as Error).message).not.toMatch(/TOPSECRET/);

      await helper('garbled', `printf 'not json TOPSECRET'`);
      await config({ credHelpers: { 'reg.example.com': 'garbled' } });
      const bad = await resolveCredential('reg.example.com', { env: envWith() }).catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(RegistryError);
      expect((bad as Error).message).toMatch(/docker-credential-garbled.*not JSON/);
      expect((bad as Error).message).not.toMatch(/TOPSECRET/);
    });

    it('a helper that hangs is stopped after the timeout', async () => {
      await helper('slow', 'sleep 5; exit 0');
      await config({ credHelpers: { 'reg.example.com': 'slow' } });
      const started = Date.now();
      const err = await resolveCredential('reg.example.com', { env: envWith(), helperTimeoutMs: 300 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as Error).message).toMatch(/docker-credential-slow.*no answer/);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('refuses helper names that are paths', async () => {
      await config({ credHelpers: { 'reg.example.com': '../../bin/sh' } });
      await expect(resolveCredential('reg.example.com', { env: envWith() })).rejects.toBeInstanceOf(UsageError);
    });
  });
});
