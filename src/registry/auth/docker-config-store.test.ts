import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../errors/index.js';
import { eraseLogin, storeLogin } from './docker-config-store.js';

describe('storeLogin / eraseLogin', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazyoci-store-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));
  const file = (): string => join(dir, 'config.json');
  const env = (): NodeJS.ProcessEnv => ({ DOCKER_CONFIG: dir });
  const b64 = (s: string): string => Buffer.from(s).toString('base64');

  it('creates the file 0600, replaces other spellings of the host, keeps every other key, leaves no temp file', async () => {
    await writeFile(file(), JSON.stringify({ auths: { 'https://r.io/v1/': { auth: b64('old:old') }, 'r.io/ns': { auth: b64('ns:ns') } }, detachKeys: 'ctrl-e' }));
    await chmod(file(), 0o644);
    expect(await storeLogin({ registry: 'r.io' }, { username: 'u', password: 'p' }, env())).toEqual({ file: file(), serverUrl: 'r.io' });
    expect(JSON.parse(await readFile(file(), 'utf8'))).toEqual({ auths: { 'r.io': { auth: b64('u:p') }, 'r.io/ns': { auth: b64('ns:ns') } }, detachKeys: 'ctrl-e' });
    expect((await stat(file())).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['config.json']);

    await storeLogin({ registry: 'docker.io' }, { username: 'h', password: 'hp' }, env());
    expect(JSON.parse(await readFile(file(), 'utf8')).auths['https://index.docker.io/v1/']).toEqual({ auth: b64('h:hp') });

    expect((await eraseLogin({ registry: 'r.io', path: 'ns' }, env())).removed).toBe(true);
    expect((await eraseLogin({ registry: 'r.io', path: 'ns' }, env())).removed).toBe(false);
    expect(Object.keys(JSON.parse(await readFile(file(), 'utf8')).auths)).toEqual(['r.io', 'https://index.docker.io/v1/']);
  });

  it('a path login with a helper configured is refused (helpers keep one login per host)', async () => {
    await writeFile(file(), JSON.stringify({ credsStore: 'anything' }));
    await expect(storeLogin({ registry: 'r.io', path: 'ns' }, { username: 'u', password: 'p' }, env())).rejects.toBeInstanceOf(UsageError);
  });

  it('invalid JSON is a usage error naming the file, and the file is not rewritten', async () => {
    await writeFile(file(), '{not json');
    await expect(storeLogin({ registry: 'r.io' }, { username: 'u', password: 'p' }, env())).rejects.toThrow(`${file()} is not valid JSON`);
    expect(await readFile(file(), 'utf8')).toBe('{not json');
  });
});
