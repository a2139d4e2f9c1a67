import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareBuilderRegistries } from './builder-registries.js';

describe('prepareBuilderRegistries', () => {
  let dir: string;
  let system: string;
  let dockerfile: string;
  const env = (): NodeJS.ProcessEnv => ({ HOME: path.join(dir, 'home') });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-breg-'));
    system = path.join(dir, 'etc');
    await mkdir(path.join(system, 'registries.conf.d'), { recursive: true });
    await writeFile(path.join(system, 'registries.conf'), '# comments only\n');
    await writeFile(path.join(system, 'registries.conf.d', 'shortnames.conf'), '[aliases]\n"debian" = "docker.io/library/debian"\n');
    dockerfile = path.join(dir, 'Dockerfile');
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('adds Docker Hub as the search registry and marks insecure hosts, keeping the system file', async () => {
    await writeFile(path.join(system, 'registries.conf'), 'short-name-mode = "enforcing"\n[[registry]]\nlocation = "mirror.example"\n');
    await writeFile(dockerfile, 'FROM golang:1.23\nFROM 127.0.0.1:5050/base/alpine:3\n');
    const asked: string[] = [];
    const out = await prepareBuilderRegistries({
      dir: path.join(dir, 'run'),
      dockerfile,
      buildArgs: {},
      env: env(),
      systemConfigDir: system,
      registries: async (host) => {
        asked.push(host);
        return { insecure: host.startsWith('127.') };
      },
    });
    expect(asked).toEqual(['docker.io', '127.0.0.1:5050']);
    const conf = await readFile(out.env.CONTAINERS_REGISTRIES_CONF!, 'utf8');
    expect(conf.indexOf('unqualified-search-registries = ["docker.io"]')).toBeLessThan(conf.indexOf('[[registry]]'));
    expect(conf).toContain('short-name-mode = "enforcing"');
    expect(conf).toContain('location = "mirror.example"');
    expect(conf).toMatch(/location = "127\.0\.0\.1:5050"\ninsecure = true/);
    expect(out.args).toEqual([]);
  });

  it("leaves short names to the user's own search registries (CONTAINERS_REGISTRIES_CONF)", async () => {
    const own = path.join(dir, 'own.conf');
    await writeFile(own, 'unqualified-search-registries = ["quay.io"]\n');
    await writeFile(dockerfile, 'FROM golang\n');
    const out = await prepareBuilderRegistries({
      dir: path.join(dir, 'run'),
      dockerfile,
      buildArgs: {},
      env: { ...env(), CONTAINERS_REGISTRIES_CONF: own },
      systemConfigDir: system,
      registries: async () => ({ insecure: false }),
    });
    expect(out.env).toEqual({});
  });

  it('counts a drop-in that names search registries as the user configuring them', async () => {
    await writeFile(path.join(system, 'registries.conf.d', '50-search.conf'), 'unqualified-search-registries = ["registry.example"]\n');
    await writeFile(dockerfile, 'FROM golang\n');
    const out = await prepareBuilderRegistries({ dir: path.join(dir, 'run'), dockerfile, buildArgs: {}, env: env(), systemConfigDir: system });
    expect(out.env).toEqual({});
  });

  it('writes credentials to a private auth file, never into the arguments', async () => {
    await writeFile(dockerfile, 'FROM 127.0.0.1:5051/base/x:1\nCOPY --from=ghcr.io/acme/t:1 /t /t\n');
    const out = await prepareBuilderRegistries({
      dir: path.join(dir, 'run'),
      dockerfile,
      buildArgs: {},
      env: env(),
      systemConfigDir: system,
      registries: async (host) =>
        host === 'ghcr.io' ? { insecure: false, credential: { identityToken: 'idtok' } } : { insecure: false, credential: { username: 'u', password: 'p:w' } },
    });
    expect(out.args[0]).toBe('--authfile');
    const file = out.args[1]!;
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      auths: { '127.0.0.1:5051': { auth: Buffer.from('u:p:w').toString('base64') }, 'ghcr.io': { identitytoken: 'idtok' } },
    });
    expect(out.args.join(' ')).not.toContain('p:w');
  });

  it('needs nothing for FROM scratch', async () => {
    await writeFile(dockerfile, 'FROM scratch\nCOPY a /a\n');
    const out = await prepareBuilderRegistries({ dir: path.join(dir, 'run'), dockerfile, buildArgs: {}, env: env(), systemConfigDir: system });
    expect(out).toEqual({ args: [], env: {} });
  });
});
