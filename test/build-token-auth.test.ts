// Bearer token auth through distribution's own `auth: token` mode and a JWT issuer in
// test/support: tokens are fetched once per scope, not per blob or per tag.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Descriptor } from '../src/oci/types.js';
import { RegistryClient } from '../src/registry/client/registry-client.js';
import { runCli } from './support/cli.js';
import { inspectRaw } from './support/skopeo.js';
import { readTokenLog } from './support/token-issuer.js';

const reg = inject('registries').token;
const creds = { LAZYOCI_USERNAME: reg.username!, LAZYOCI_PASSWORD: reg.password! };
const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

interface BuildJson {
  targets: { reference: string; digest: string; pushed: boolean; error?: string }[];
}

describe('bearer token auth against a real token-mode registry', () => {
  let dir: string;
  const id = Math.random().toString(36).slice(2, 8);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-token-'));
    for (const name of ['a.txt', 'b.txt', 'c.txt']) await writeFile(path.join(dir, name), `${name} ${id}\n`);
    await writeFile(
      path.join(dir, '.lazy'),
      `version: 1
artifacts:
  - type: artifact
    files: [{ path: a.txt }, { path: b.txt }, { path: c.txt }]
    targets:
      - registry: "${reg.host}/tok/${id}/one"
        tags: [v1, v2, latest]
      - registry: "${reg.host}/tok/${id}/two"
        tags: [v1]
`,
    );
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const noSecrets = (out: string): void => {
    expect(out).not.toContain(reg.password!);
    expect(out).not.toContain(Buffer.from(`${reg.username}:${reg.password}`).toString('base64'));
  };

  it('pushes with one token request per repository scope (and one for mounting), reused for every blob and tag', async () => {
    const before = (await readTokenLog(reg.tokenLog!)).length;
    const res = await runCli(['build', '-o', 'json'], { cwd: dir, env: creds });
    noSecrets(res.stdout + res.stderr);
    expect(res.code, res.stderr).toBe(0);
    const [result] = JSON.parse(res.stdout) as BuildJson[];
    expect(result!.targets.map((t) => t.pushed)).toEqual([true, true, true, true]);

    // This build's scopes only: other test files share the token service.
    const tokens = (await readTokenLog(reg.tokenLog!)).slice(before).filter((t) => t.scopes.some((scope) => scope.includes(`tok/${id}/`)));
    // 4 blobs and 4 manifest PUTs over two repositories: one token per repository, and one
    // more, covering push on two and pull on one, for mounting the 4 blobs into two.
    expect(tokens).toEqual([
      { user: reg.username, scopes: [`repository:tok/${id}/one:pull,push`], status: 200 },
      { user: reg.username, scopes: [`repository:tok/${id}/two:pull,push`], status: 200 },
      { user: reg.username, scopes: [`repository:tok/${id}/one:pull`, `repository:tok/${id}/two:pull,push`], status: 200 },
    ]);
    expect(result!.targets[3]).toMatchObject({ uploaded: 0, mounted: 4 });

    const raw = await inspectRaw(result!.targets[0]!.reference, { tls: 'skip', creds: `${reg.username}:${reg.password}` });
    expect(sha256(raw)).toBe(result!.targets[0]!.digest);
  });

  it('uses a docker config identitytoken as an OAuth2 refresh token, never printing it', async () => {
    const dockerConfig = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-idtoken-'));
    try {
      await writeFile(
        path.join(dockerConfig, 'config.json'),
        JSON.stringify({ auths: { [reg.host]: { username: reg.username, identitytoken: reg.refreshToken } } }),
      );
      const before = (await readTokenLog(reg.tokenLog!)).length;
      const res = await runCli(['build', '-o', 'json'], { cwd: dir, env: { DOCKER_CONFIG: dockerConfig } });
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout + res.stderr).not.toContain(reg.refreshToken!);
      const tokens = (await readTokenLog(reg.tokenLog!)).slice(before).filter((t) => t.scopes.some((scope) => scope.includes(`tok/${id}/`)));
      expect(tokens).toEqual([
        { user: reg.username, scopes: [`repository:tok/${id}/one:pull,push`], status: 200, grant: 'refresh_token' },
        { user: reg.username, scopes: [`repository:tok/${id}/two:pull,push`], status: 200, grant: 'refresh_token' },
      ]);
    } finally {
      await rm(dockerConfig, { recursive: true, force: true });
    }
  });

  it('lists tags through a pull-scoped token', async () => {
    const before = (await readTokenLog(reg.tokenLog!)).length;
    const res = await runCli(['browse', 'tags', `${reg.host}/tok/${id}/one`, '-o', 'json'], { env: creds });
    expect(res.code, res.stderr).toBe(0);
    expect((JSON.parse(res.stdout) as string[]).sort()).toEqual(['latest', 'v1', 'v2']);
    const tokens = (await readTokenLog(reg.tokenLog!)).slice(before).filter((t) => t.scopes.some((scope) => scope.includes(`tok/${id}/`)));
    expect(tokens).toEqual([{ user: reg.username, scopes: [`repository:tok/${id}/one:pull`], status: 200 }]);
  });

  it('fails cleanly without credentials: the anonymous token grants nothing', async () => {
    const res = await runCli(['build', '-o', 'json'], { cwd: dir, env: { ...creds, LAZYOCI_USERNAME: undefined, LAZYOCI_PASSWORD: undefined } });
    expect(res.code).toBe(1);
    const [result] = JSON.parse(res.stdout) as BuildJson[];
    for (const t of result!.targets) {
      expect(t.pushed).toBe(false);
      expect(t.error, t.error).toMatch(/authentication required \(401\)/);
    }
    expect(res.stderr).toMatch(/hint: pass credentials with --username\/--password/);
  });

  it('names the token service when it refuses the credentials, without echoing them', async () => {
    const res = await runCli(['build'], { cwd: dir, env: { ...creds, LAZYOCI_PASSWORD: `${reg.password}-wrong` } });
    noSecrets(res.stdout + res.stderr);
    expect(res.stdout + res.stderr).not.toContain(`${reg.password}-wrong`);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/token service 127\.0\.0\.1:\d+ rejected the credentials from LAZYOCI_USERNAME\/LAZYOCI_PASSWORD \(401\)/);
    expect(res.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('getting a repository ready while the caller hashes (Repository.prepare)', () => {
  const missing = Buffer.from(`never pushed ${Math.random()}`);
  const desc: Descriptor = { mediaType: 'application/octet-stream', digest: sha256(missing) as Descriptor['digest'], size: missing.length };

  it('logs in ahead: the token it fetched serves the first request', async () => {
    const client = await RegistryClient.create({ env: creds, userAgent: 'lazyoci-test' });
    try {
      const repo = client.repository({ registry: reg.host, repository: `tok/prepare/${Math.random().toString(36).slice(2, 8)}` }, 'push');
      const before = (await readTokenLog(reg.tokenLog!)).length;
      await repo.prepare();
      const mine = async (): Promise<unknown[]> =>
        (await readTokenLog(reg.tokenLog!)).slice(before).filter((t) => t.scopes.some((scope) => scope.includes(repo.repository)));
      expect(await mine()).toEqual([{ user: reg.username, scopes: [`repository:${repo.repository}:pull,push`], status: 200 }]);
      expect(await repo.exists(desc)).toBe(false);
      expect(await mine()).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('never throws: the first real request reports what went wrong', async () => {
    const client = await RegistryClient.create({ env: { ...creds, LAZYOCI_PASSWORD: `${reg.password}-wrong` }, userAgent: 'lazyoci-test' });
    try {
      const repo = client.repository({ registry: reg.host, repository: 'tok/prepare/refused' }, 'push');
      await expect(repo.prepare()).resolves.toBeUndefined();
      await expect(repo.exists(desc)).rejects.toThrow(/rejected the credentials from LAZYOCI_USERNAME\/LAZYOCI_PASSWORD \(401\)/);
    } finally {
      await client.close();
    }
  });
});
