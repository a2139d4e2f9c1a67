// A registry that refuses credentials says so, and names where they came from (issue 12 §4):
// not "authentication required, pass credentials" when credentials were passed. Against the
// real htpasswd (Basic) registry; the token service's refusal is in build-token-auth.test.ts.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from './support/cli.js';

const auth = inject('registries').auth;
const wrong = `${auth.password}-wrong`;

describe('refused credentials', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-crederr-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const noSecret = (out: string): void => {
    expect(out).not.toContain(wrong);
    expect(out).not.toContain(Buffer.from(`${auth.username}:${wrong}`).toString('base64'));
  };

  it('names LAZYOCI_USERNAME/LAZYOCI_PASSWORD when the registry rejects them', async () => {
    const res = await runCli(['browse', 'tags', `${auth.host}/crederr/x`], { env: { LAZYOCI_USERNAME: auth.username!, LAZYOCI_PASSWORD: wrong } });
    noSecret(res.stdout + res.stderr);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(new RegExp(`${auth.host.replace(/\./g, '\\.')} rejected the credentials from LAZYOCI_USERNAME/LAZYOCI_PASSWORD \\(401\\)`));
    expect(res.stderr).toMatch(/hint: check the user name and password given by LAZYOCI_USERNAME\/LAZYOCI_PASSWORD/);
    expect(res.stderr).not.toMatch(/pass credentials with/);
  });

  it('names the docker config file when its auths entry is rejected', async () => {
    const docker = path.join(dir, 'docker');
    await mkdir(docker, { recursive: true });
    await writeFile(path.join(docker, 'config.json'), JSON.stringify({ auths: { [auth.host]: { auth: Buffer.from(`${auth.username}:${wrong}`).toString('base64') } } }));
    const res = await runCli(['browse', 'tags', `${auth.host}/crederr/x`], { env: { DOCKER_CONFIG: docker } });
    noSecret(res.stdout + res.stderr);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`rejected the credentials from the auths entry in ${path.join(docker, 'config.json')} (401)`);
  });

  it('still asks for credentials when none were given', async () => {
    const res = await runCli(['browse', 'tags', `${auth.host}/crederr/x`]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/authentication required \(401\)/);
    expect(res.stderr).toMatch(/hint: pass credentials with --username\/--password/);
  });
});
