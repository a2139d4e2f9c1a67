// `lazyoci login` / `logout` against the real htpasswd and token registries: the
// credentials are checked, then stored where skopeo (and docker, helm, oras, podman)
// read them — the Docker config's auths, or a credential helper — and lazyoci reads
// them back from there. Also Helm's registry config and keys with a repository path.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from './support/cli.js';

const { auth, token } = inject('registries');
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** A docker-credential helper (a program, not a registry mock): keeps credentials in a JSON file, logs each call. */
const HELPER = `#!${process.execPath}
const fs = require('fs');
const file = process.env.LAZYOCI_TEST_HELPER_STORE;
const action = process.argv[2];
const input = fs.readFileSync(0, 'utf8');
let store = {};
try { store = JSON.parse(fs.readFileSync(file, 'utf8')); } catch {}
const url = action === 'store' ? JSON.parse(input).ServerURL : input.trim();
fs.appendFileSync(file + '.log', action + ' ' + url + '\\n');
const notFound = () => { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); };
if (action === 'store') {
  const req = JSON.parse(input);
  store[req.ServerURL] = { Username: req.Username, Secret: req.Secret };
  fs.writeFileSync(file, JSON.stringify(store));
} else if (action === 'get') {
  if (!store[url]) notFound();
  process.stdout.write(JSON.stringify({ ServerURL: url, ...store[url] }));
} else if (action === 'erase') {
  if (!store[url]) notFound();
  delete store[url];
  fs.writeFileSync(file, JSON.stringify(store));
} else if (action === 'list') {
  process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(store).map(([k, v]) => [k, v.Username]))));
} else process.exit(2);
`;

interface Sandbox {
  dir: string;
  docker: string;
  configFile: string;
  bin: string;
  helperStore: string;
  env: Record<string, string>;
}

async function sandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-login-'));
  const docker = path.join(dir, 'docker');
  const bin = path.join(dir, 'bin');
  await Promise.all([mkdir(docker), mkdir(bin)]);
  await writeFile(path.join(bin, 'docker-credential-lazyoci-test'), HELPER);
  await chmod(path.join(bin, 'docker-credential-lazyoci-test'), 0o755);
  const helperStore = path.join(dir, 'helper-store.json');
  return {
    dir,
    docker,
    bin,
    helperStore,
    configFile: path.join(docker, 'config.json'),
    env: { DOCKER_CONFIG: docker, PATH: `${bin}${path.delimiter}${process.env.PATH ?? '/usr/bin:/bin'}`, LAZYOCI_TEST_HELPER_STORE: helperStore },
  };
}

const readJson = async (file: string): Promise<Record<string, any>> => JSON.parse(await readFile(file, 'utf8')) as Record<string, any>;
const helperLog = async (s: Sandbox): Promise<string[]> => (await readFile(`${s.helperStore}.log`, 'utf8').catch(() => '')).split('\n').filter(Boolean);

/** `skopeo inspect --raw` reading credentials from an auth file (or REGISTRY_AUTH_FILE) only. */
function skopeoInspect(ref: string, env: Record<string, string>, authFile?: string): Promise<{ ok: boolean; stderr: string }> {
  const args = ['--insecure-policy', 'inspect', '--raw', '--tls-verify=false', ...(authFile === undefined ? [] : ['--authfile', authFile]), `docker://${ref}`];
  return new Promise((resolve) => {
    execFile('skopeo', args, { env: { ...env, HOME: env.HOME ?? os.tmpdir() }, timeout: 60_000 }, (err, _stdout, stderr) => resolve({ ok: err === null, stderr: String(stderr) }));
  });
}

const login = (host: string, user: string, password: string, env: Record<string, string>) =>
  runCli(['login', host, '-u', user, '--password-stdin'], { env, input: `${password}\n` });

describe('lazyoci login / logout', () => {
  const id = Math.random().toString(36).slice(2, 8);
  let work: string;

  /** A .lazy pushing one small artifact to `repo`; built with whatever credentials env gives. */
  const build = async (repo: string, env: Record<string, string>) => {
    await writeFile(path.join(work, '.lazy'), `version: 1\nartifacts:\n  - type: artifact\n    files: [{ path: a.txt }]\n    targets:\n      - registry: "${repo}"\n        tags: [v1]\n`);
    return runCli(['build', '-q'], { cwd: work, env });
  };

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-login-work-'));
    await writeFile(path.join(work, 'a.txt'), `login ${id}\n`);
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it('htpasswd registry: login checks and stores in auths (0600, other keys kept); lazyoci and skopeo read it; logout removes only it', async () => {
    const s = await sandbox();
    try {
      const others = { auths: { 'other.example.com': { auth: b64('someone:elsewhere') } }, currentContext: 'desktop-linux', psFormat: 'table {{.ID}}' };
      await writeFile(s.configFile, JSON.stringify(others));

      const res = await login(auth.host, auth.username!, auth.password!, s.env);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toContain(`Login Succeeded: ${auth.username} at ${auth.host}, stored in ${s.configFile}`);
      expect(res.stderr).toBe('');
      expect((await stat(s.configFile)).mode & 0o777).toBe(0o600);
      const config = await readJson(s.configFile);
      expect(config).toEqual({ ...others, auths: { ...others.auths, [auth.host]: { auth: b64(`${auth.username}:${auth.password}`) } } });

      // lazyoci pushes with the stored credentials, and skopeo reads the same file.
      const repo = `${auth.host}/login/${id}/basic`;
      const built = await build(repo, s.env);
      expect(built.code, built.stderr).toBe(0);
      // skopeo 1.9 finds it through --authfile, REGISTRY_AUTH_FILE, or $DOCKER_CONFIG alone;
      // with none of them (a HOME without credentials) it is refused.
      const bare = { PATH: s.env.PATH!, HOME: s.dir };
      expect(await skopeoInspect(`${repo}:v1`, bare, s.configFile)).toMatchObject({ ok: true });
      expect(await skopeoInspect(`${repo}:v1`, { ...bare, REGISTRY_AUTH_FILE: s.configFile })).toMatchObject({ ok: true });
      expect(await skopeoInspect(`${repo}:v1`, { ...bare, DOCKER_CONFIG: s.docker })).toMatchObject({ ok: true });
      expect((await skopeoInspect(`${repo}:v1`, bare)).ok).toBe(false);

      const out = await runCli(['logout', auth.host], { env: s.env });
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain(`removed the credentials for ${auth.host}`);
      expect(await readJson(s.configFile)).toEqual(others);
      expect((await stat(s.configFile)).mode & 0o777).toBe(0o600);
      const after = await runCli(['browse', 'tags', repo], { env: s.env });
      expect(after.code).toBe(1);
      expect((await runCli(['logout', auth.host], { env: s.env })).stdout).toContain(`not logged in to ${auth.host}`);
    } finally {
      await rm(s.dir, { recursive: true, force: true });
    }
  });

  it('token registry: login fetches a real token with the credentials; build and skopeo use what it stored', async () => {
    const s = await sandbox();
    try {
      const res = await login(token.host, token.username!, token.password!, s.env);
      expect(res.code, res.stderr).toBe(0);
      const repo = `${token.host}/login/${id}/token`;
      const built = await build(repo, s.env);
      expect(built.code, built.stderr).toBe(0);
      expect(await skopeoInspect(`${repo}:v1`, s.env, s.configFile)).toMatchObject({ ok: true });
    } finally {
      await rm(s.dir, { recursive: true, force: true });
    }
  });

  it('a wrong password: login exits 1, says so without the secret, and stores nothing (htpasswd and token)', async () => {
    const s = await sandbox();
    try {
      const wrong = `wrong-${id}-pw`;
      for (const reg of [auth, token]) {
        const fresh = await login(reg.host, reg.username!, wrong, s.env);
        expect(fresh.code, fresh.stderr).toBe(1);
        expect(fresh.stderr).toMatch(new RegExp(`login to ${reg.host.replace(/\./g, '\\.')} failed: the registry rejected the user name or password; nothing was stored`));
        expect(fresh.stdout + fresh.stderr).not.toContain(wrong);
        await expect(stat(s.configFile)).rejects.toThrow(/ENOENT/);
      }
      const before = JSON.stringify({ auths: { [auth.host]: { auth: b64(`${auth.username}:${auth.password}`) } } });
      await writeFile(s.configFile, before);
      expect((await login(auth.host, auth.username!, wrong, s.env)).code).toBe(1);
      expect(await readFile(s.configFile, 'utf8')).toBe(before);
    } finally {
      await rm(s.dir, { recursive: true, force: true });
    }
  });

  it('with a credential helper configured: stored through `store`, read through `get` by lazyoci and skopeo, removed through `erase`', async () => {
    const s = await sandbox();
    try {
      const stale = { auth: b64(`${auth.username}:stale`) };
      await writeFile(s.configFile, JSON.stringify({ credHelpers: { [auth.host]: 'lazyoci-test' }, auths: { [auth.host]: stale, 'other.example.com': stale } }));
      const res = await login(auth.host, auth.username!, auth.password!, s.env);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toContain('stored in docker-credential-lazyoci-test');
      expect(await helperLog(s)).toEqual([`store ${auth.host}`]);
      expect(await readJson(s.helperStore)).toEqual({ [auth.host]: { Username: auth.username, Secret: auth.password } });
      // No plain-text copy is left behind to shadow the helper.
      expect(await readJson(s.configFile)).toEqual({ credHelpers: { [auth.host]: 'lazyoci-test' }, auths: { 'other.example.com': stale } });

      const repo = `${auth.host}/login/${id}/helper`;
      const built = await build(repo, s.env);
      expect(built.code, built.stderr).toBe(0);
      expect(await helperLog(s)).toContain(`get ${auth.host}`);
      expect(await skopeoInspect(`${repo}:v1`, s.env, s.configFile)).toMatchObject({ ok: true });

      const out = await runCli(['logout', auth.host], { env: s.env });
      expect(out.code, out.stderr).toBe(0);
      expect((await helperLog(s)).at(-1)).toBe(`erase ${auth.host}`);
      expect(await readJson(s.helperStore)).toEqual({});
      expect(await readJson(s.configFile)).toEqual({ credHelpers: { [auth.host]: 'lazyoci-test' }, auths: { 'other.example.com': stale } });
    } finally {
      await rm(s.dir, { recursive: true, force: true });
    }
  });

  it('credsStore is used for every registry without credHelpers', async () => {
    const s = await sandbox();
    try {
      await writeFile(s.configFile, JSON.stringify({ credsStore: 'lazyoci-test' }));
      const res = await login(token.host, token.username!, token.password!, s.env);
      expect(res.code, res.stderr).toBe(0);
      expect(await helperLog(s)).toEqual([`store ${token.host}`]);
      expect(await readJson(s.configFile)).toEqual({ credsStore: 'lazyoci-test' });
      const built = await build(`${token.host}/login/${id}/store`, s.env);
      expect(built.code, built.stderr).toBe(0);
    } finally {
      await rm(s.dir, { recursive: true, force: true });
    }
  });

  it("reads Helm's registry config after the Docker config ($HELM_REGISTRY_CONFIG)", async () => {
    const s = await sandbox();
    try {
      const helm = path.join(s.dir, 'helm-registry.json');
      await writeFile(helm, JSON.stringify({ auths: { [auth.host]: { auth: b64(`${auth.username}:${auth.password}`) } } }));
      const built = await build(`${auth.host}/login/${id}/helm`, { ...s.env, HELM_REGISTRY_CONFIG: helm });
      expect(built.code, built.stderr).toBe(0);
      // And by default from Helm's config home.
      const xdg = path.join(s.dir, 'xdg');
      await mkdir(path.join(xdg, 'helm', 'registry'), { recursive: true });
      await writeFile(path.join(xdg, 'helm', 'registry', 'config.json'), await readFile(helm));
      const again = await runCli(['browse', 'tags', `${auth.host}/login/${id}/helm`], { env: { ...s.env, XDG_CONFIG_HOME: xdg } });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain('v1');
    } finally {
      await rm(s.dir, { recursive: true, force: true });
    }
  });

  it('Docker config keys with a path apply to the repositories under them, the longest first', async () => {
    const s = await sandbox();
    try {
      const good = { auth: b64(`${auth.username}:${auth.password}`) };
      const bad = { auth: b64(`${auth.username}:not-the-password`) };
      await writeFile(s.configFile, JSON.stringify({ auths: { [`${auth.host}/login/${id}/team-b`]: bad, [`${auth.host}/login/${id}/team-a`]: good, [`${auth.host}/login`]: bad } }));
      expect((await build(`${auth.host}/login/${id}/team-a/app`, s.env)).code).toBe(0);
      const refused = await build(`${auth.host}/login/${id}/team-b/app`, s.env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`/login/${id}/team-b`);

      // login HOST/NAMESPACE files them under that key.
      const res = await login(`${auth.host}/login/${id}/team-b`, auth.username!, auth.password!, s.env);
      expect(res.code, res.stderr).toBe(0);
      expect((await readJson(s.configFile)).auths[`${auth.host}/login/${id}/team-b`]).toEqual(good);
      expect((await build(`${auth.host}/login/${id}/team-b/app`, s.env)).code).toBe(0);
    } finally {
      await rm(s.dir, { recursive: true, force: true });
    }
  });

  it('usage: no password is a clear usage error; -p warns that it is visible', async () => {
    const s = await sandbox();
    try {
      const none = await runCli(['login', auth.host, '-u', auth.username!], { env: s.env });
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('login needs a password or token');
      const visible = await runCli(['login', auth.host, '-u', auth.username!, '-p', auth.password!], { env: s.env });
      expect(visible.code, visible.stderr).toBe(0);
      expect(visible.stderr).toContain('warning: a password on the command line is visible to other users');
    } finally {
      await rm(s.dir, { recursive: true, force: true });
    }
  });
});
