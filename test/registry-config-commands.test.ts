// End to end through the built CLI: `registry add|list|remove|test` and `config
// path|list|get|set` against the real registries, saved credentials and the saved
// insecure flag used by `build`, and Docker credential helpers (credHelpers, credsStore).
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { freePort, type RegistryInfo } from './support/registry.js';
import { explain, json, runCli, type CliResult } from './support/cli.js';
import { inspectRaw, type SkopeoOptions } from './support/skopeo.js';

const registries = inject('registries');
const secrets = [registries.auth.password!, registries.token.password!];

const cleanups: Array<() => Promise<void>> = [];
/** Every run of the CLI in this file; none may ever print a registry password. */
const runs: Array<{ args: string[]; res: CliResult }> = [];

afterEach(async () => {
  await Promise.allSettled(cleanups.splice(0).map((c) => c()));
  for (const { args, res } of runs.splice(0)) {
    for (const secret of secrets) {
      expect(res.stdout.includes(secret), `stdout of \`lazyoci ${args.join(' ')}\` shows a password`).toBe(false);
      expect(res.stderr.includes(secret), `stderr of \`lazyoci ${args.join(' ')}\` shows a password`).toBe(false);
    }
  }
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A user whose HOME, XDG config and Docker config persist across CLI runs. */
async function user(): Promise<{ cli: (args: string[], opts?: { cwd?: string; input?: string; env?: Record<string, string> }) => Promise<CliResult>; home: string; xdg: string; docker: string }> {
  const home = await tempDir('lazyoci-user-');
  const xdg = path.join(home, 'xdg');
  const docker = path.join(home, 'docker');
  await Promise.all([mkdir(xdg), mkdir(docker)]);
  const cli = async (args: string[], opts: { cwd?: string; input?: string; env?: Record<string, string> } = {}): Promise<CliResult> => {
    const res = await runCli(args, {
      ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
      ...(opts.input === undefined ? {} : { input: opts.input }),
      env: { HOME: home, XDG_CONFIG_HOME: xdg, DOCKER_CONFIG: docker, ...opts.env },
    });
    runs.push({ args, res });
    return res;
  };
  return { cli, home, xdg, docker };
}

function repo(label: string): string {
  return `lazyoci-e2e/${label}-${randomBytes(4).toString('hex')}`;
}

/** A project with one small artifact pushed to `target` as tag v1.0.0. */
async function project(target: string): Promise<string> {
  const dir = await tempDir('lazyoci-regcmd-');
  await writeFile(path.join(dir, 'payload.txt'), `payload ${randomBytes(8).toString('hex')}\n`);
  await writeFile(
    path.join(dir, '.lazy'),
    [
      'version: 1',
      'artifacts:',
      '  - type: artifact',
      '    name: payload',
      '    mediaType: application/vnd.lazyoci.test.payload.v1',
      '    files:',
      '      - path: payload.txt',
      '        mediaType: text/plain',
      '    targets:',
      `      - registry: ${JSON.stringify(target)}`,
      '        tags: ["{{ .Tag }}"]',
    ].join('\n') + '\n',
  );
  return dir;
}

interface BuildOut {
  targets: Array<{ reference: string; digest: string; pushed: boolean; error?: string }>;
}

/** Exit 0, and skopeo (with its own credentials) reads back the digest build reported. */
async function expectPushed(res: CliResult, reg: RegistryInfo, repository: string): Promise<void> {
  expect(res.code, explain(res)).toBe(0);
  const target = json<BuildOut[]>(res)[0]!.targets[0]!;
  expect(target).toMatchObject({ reference: `${reg.host}/${repository}:v1.0.0`, pushed: true });
  const opts: SkopeoOptions = { tls: reg.mode === 'https' ? 'verify' : 'skip' };
  if (reg.caFile) opts.certDir = path.dirname(reg.caFile);
  if (reg.username && reg.password) opts.creds = `${reg.username}:${reg.password}`;
  const raw = await inspectRaw(`${reg.host}/${repository}:v1.0.0`, opts);
  expect(`sha256:${createHash('sha256').update(raw).digest('hex')}`).toBe(target.digest);
}

interface Listed {
  name: string;
  username?: string;
  insecure: boolean;
}

interface Probe {
  registry: string;
  endpoint: string;
  apiVersion?: string;
  authScheme: string;
  credentials: 'none' | 'valid' | 'rejected';
  detail?: string;
}

describe('registry add / list / remove', () => {
  const reg = registries.auth;

  it('build pushes with the saved credentials alone, and no listing shows the password', async () => {
    const u = await user();
    const added = await u.cli(['registry', 'add', reg.host, '--user', reg.username!, '--pass-stdin'], { input: `${reg.password}\n` });
    expect(added.code, explain(added)).toBe(0);
    expect(added.stdout).toMatch(new RegExp(`saved registry ${reg.host.replace(/\./g, '\\.')} \\(user ${reg.username}\\)`));

    // The password was read from stdin without its newline: the push works with no flags or env.
    const repository = repo('saved-creds');
    const res = await u.cli(['-o', 'json', 'build', '--tag', 'v1.0.0'], { cwd: await project(`${reg.host}/${repository}`) });
    await expectPushed(res, reg, repository);

    const table = await u.cli(['registry', 'list']);
    expect(table.code, explain(table)).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+USER\s+INSECURE$/);
    expect(table.stdout).toMatch(new RegExp(`^${reg.host.replace(/\./g, '\\.')}\\s+${reg.username}\\s+no$`, 'm'));
    const asJson = await u.cli(['-o', 'json', 'registry', 'list']);
    expect(json<Listed[]>(asJson)).toEqual([{ name: reg.host, username: reg.username, insecure: false }]);
    const asYaml = await u.cli(['-o', 'yaml', 'registry', 'list']);
    expect(parseYaml(asYaml.stdout)).toEqual([{ name: reg.host, username: reg.username, insecure: false }]);
    expect(asJson.stdout).not.toMatch(/password/i);
    expect(asYaml.stdout).not.toMatch(/password/i);

    // The file holding the password is private to the user.
    const file = path.join(u.xdg, 'lazyoci', 'config.yaml');
    expect((await stat(file)).mode & 0o077).toBe(0);
  });

  it('--user/--pass are not taken for the global --username/--password; an update keeps what it does not change', async () => {
    const u = await user();
    const name = `Registry-${randomBytes(3).toString('hex')}.Example.COM`;
    const host = name.toLowerCase();
    const first = await u.cli(['registry', 'add', name, '--user', 'alice', '--pass', 'first-secret']);
    expect(first.code, explain(first)).toBe(0);
    expect(first.stdout).not.toMatch(/first-secret/);
    // The global flags spelled after the subcommand are accepted as the same thing.
    const second = await u.cli(['registry', 'add', host, '--username', 'bob', '--password', 'second-secret']);
    expect(second.code, explain(second)).toBe(0);
    expect(second.stdout).toMatch(/updated registry/);
    const insecure = await u.cli(['registry', 'add', `https://${host}/`, '--insecure']);
    expect(insecure.code, explain(insecure)).toBe(0);
    // Docker Hub's aliases all save as docker.io.
    const hub = await u.cli(['registry', 'add', 'index.docker.io', '--user', 'hubuser', '--pass', 'hub-secret']);
    expect(hub.code, explain(hub)).toBe(0);

    expect(json<Listed[]>(await u.cli(['-o', 'json', 'registry', 'list']))).toEqual([
      { name: host, username: 'bob', insecure: true },
      { name: 'docker.io', username: 'hubuser', insecure: false },
    ]);
    const stored = parseYaml(await readFile(path.join(u.xdg, 'lazyoci', 'config.yaml'), 'utf8')) as { registries: object[] };
    expect(stored.registries[0]).toEqual({ name: host, username: 'bob', password: 'second-secret', insecure: true });

    const secure = await u.cli(['registry', 'add', host, '--no-insecure']);
    expect(secure.code, explain(secure)).toBe(0);
    expect(json<Listed[]>(await u.cli(['-o', 'json', 'registry', 'list']))[0]).toEqual({ name: host, username: 'bob', insecure: false });
    for (const res of [first, second, insecure, hub, secure]) {
      expect(`${res.stdout}${res.stderr}`).not.toMatch(/first-secret|second-secret|hub-secret/);
    }
  });

  it('refuses half a credential, a bad name, and --pass with --pass-stdin (exit 2, nothing saved)', async () => {
    const u = await user();
    for (const args of [
      ['registry', 'add', 'reg.example.com', '--user', 'alice'],
      ['registry', 'add', 'reg.example.com', '--pass', 'x'],
      ['registry', 'add', 'reg.example.com', '--user', 'a', '--pass', 'x', '--pass-stdin'],
      ['registry', 'add', 'notahost', '--user', 'a', '--pass', 'x'],
      // A path is accepted (host/org, see test/go-spellings.test.ts), but not a bad one.
      ['registry', 'add', 'reg.example.com/Some//Repo'],
    ]) {
      const res = await u.cli(args, { input: 'x\n' });
      expect(res.code, `${args.join(' ')}\n${explain(res)}`).toBe(2);
      expect(res.stderr).toMatch(/^error: /m);
    }
    const empty = await u.cli(['registry', 'add', 'reg.example.com', '--user', 'alice', '--pass-stdin'], { input: '' });
    expect(empty.code, explain(empty)).toBe(2);
    expect(json<Listed[]>(await u.cli(['-o', 'json', 'registry', 'list']))).toEqual([]);
  });

  it('remove forgets a saved registry; removing an unknown one is exit 2', async () => {
    const u = await user();
    expect((await u.cli(['registry', 'add', reg.host, '--user', reg.username!, '--pass-stdin'], { input: reg.password! })).code).toBe(0);
    const removed = await u.cli(['registry', 'remove', reg.host]);
    expect(removed.code, explain(removed)).toBe(0);
    expect(removed.stdout).toMatch(/removed registry/);
    expect(json<Listed[]>(await u.cli(['-o', 'json', 'registry', 'list']))).toEqual([]);
    const again = await u.cli(['registry', 'remove', reg.host]);
    expect(again.code, explain(again)).toBe(2);
    expect(again.stderr).toMatch(/not saved/);

    // Without the saved credentials the push is refused.
    const repository = repo('removed-creds');
    const res = await u.cli(['-o', 'json', 'build', '--tag', 'v1.0.0'], { cwd: await project(`${reg.host}/${repository}`) });
    expect(res.code, explain(res)).toBe(1);
  });
});

describe('registry test', () => {
  it('htpasswd registry: right credentials are valid (exit 0), wrong ones rejected (exit 1)', async () => {
    const reg = registries.auth;
    const u = await user();
    await u.cli(['registry', 'add', reg.host, '--user', reg.username!, '--pass-stdin'], { input: reg.password! });
    const text = await u.cli(['registry', 'test', reg.host]);
    expect(text.code, explain(text)).toBe(0);
    expect(text.stdout).toContain(`${reg.host} is reachable at ${reg.url}/`);
    expect(text.stdout).toMatch(/^API version: +registry\/2\.0$/m);
    expect(text.stdout).toMatch(/^auth scheme: +basic$/m);
    expect(text.stdout).toMatch(/^credentials: +valid$/m);

    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    await u.cli(['registry', 'add', reg.host, '--user', reg.username!, '--pass-stdin'], { input: wrong });
    const rejected = await u.cli(['-o', 'json', 'registry', 'test', reg.host]);
    expect(rejected.code, explain(rejected)).toBe(1);
    const probe = json<Probe>(rejected);
    expect(probe).toMatchObject({ registry: reg.host, authScheme: 'basic', credentials: 'rejected' });
    expect(`${rejected.stdout}${rejected.stderr}`).not.toContain(wrong);

    // Global --username/--password outrank the saved ones (spec §5 order).
    const flags = await u.cli(['-o', 'json', '--username', reg.username!, '--password', reg.password!, 'registry', 'test', reg.host]);
    expect(flags.code, explain(flags)).toBe(0);
    expect(json<Probe>(flags).credentials).toBe('valid');
  });

  it('token registry: saved credentials are valid through a bearer token', async () => {
    const reg = registries.token;
    const u = await user();
    await u.cli(['registry', 'add', reg.host, '--user', reg.username!, '--pass-stdin'], { input: reg.password! });
    const res = await u.cli(['-o', 'json', 'registry', 'test', reg.host]);
    expect(res.code, explain(res)).toBe(0);
    expect(json<Probe>(res)).toMatchObject({ registry: reg.host, endpoint: `${reg.url}/`, authScheme: 'bearer', credentials: 'valid' });
  });

  it('open registry: no auth scheme, no credentials; a closed port is exit 1', async () => {
    const u = await user();
    const res = await u.cli(['-o', 'json', 'registry', 'test', registries.http.host]);
    expect(res.code, explain(res)).toBe(0);
    expect(json<Probe>(res)).toMatchObject({ registry: registries.http.host, authScheme: 'none', credentials: 'none' });

    const closed = await u.cli(['registry', 'test', `127.0.0.1:${await freePort()}`]);
    expect(closed.code, explain(closed)).toBe(1);
    expect(closed.stderr).toMatch(/^error: cannot connect/m);
    expect(closed.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('a registry saved as insecure', () => {
  it('lets build push to the self-signed registry without the global --insecure', async () => {
    const reg = registries.https;
    const u = await user();
    const repository = repo('saved-insecure');
    const dir = await project(`${reg.host}/${repository}`);

    const before = await u.cli(['-o', 'json', 'build', '--tag', 'v1.0.0'], { cwd: dir });
    expect(before.code, explain(before)).toBe(1);
    expect(before.stderr).toMatch(/certificate/i);

    const added = await u.cli(['registry', 'add', reg.host, '--insecure']);
    expect(added.code, explain(added)).toBe(0);
    expect(added.stdout).toMatch(/insecure/);
    const res = await u.cli(['-o', 'json', 'build', '--tag', 'v1.0.0'], { cwd: dir });
    await expectPushed(res, reg, repository);
  });
});

describe('config path / list / get / set', () => {
  it('stores artifactDir as an absolute path and shows settings with passwords masked', async () => {
    const u = await user();
    const cwd = await tempDir('lazyoci-cwd-');
    const where = await u.cli(['config', 'path']);
    expect(where.code, explain(where)).toBe(0);
    expect(where.stdout).toBe(`${path.join(u.xdg, 'lazyoci', 'config.yaml')}\n`);

    const unset = await u.cli(['-o', 'json', 'config', 'get', 'artifactDir']);
    expect(json<{ key: string; value: string; default: boolean }>(unset)).toEqual({
      key: 'artifactDir',
      value: path.join(u.home, '.local', 'share', 'lazyoci', 'artifacts'),
      default: true,
    });

    const set = await u.cli(['config', 'set', 'artifactDir', 'out/artifacts'], { cwd });
    expect(set.code, explain(set)).toBe(0);
    expect((await u.cli(['config', 'get', 'artifactDir'])).stdout).toBe(`${path.join(cwd, 'out', 'artifacts')}\n`);

    await u.cli(['registry', 'add', registries.auth.host, '--user', registries.auth.username!, '--pass-stdin'], { input: registries.auth.password! });
    const list = await u.cli(['config', 'list']);
    expect(list.code, explain(list)).toBe(0);
    expect(parseYaml(list.stdout)).toEqual({
      artifactDir: path.join(cwd, 'out', 'artifacts'),
      registries: [{ name: registries.auth.host, username: registries.auth.username, password: '********' }],
    });
    const listJson = await u.cli(['-o', 'json', 'config', 'list']);
    expect(json<unknown>(listJson)).toEqual(parseYaml(list.stdout));
  });

  it('unknown keys are exit 2 and name the known ones', async () => {
    const u = await user();
    for (const args of [['config', 'set', 'colour', 'blue'], ['config', 'get', 'colour']]) {
      const res = await u.cli(args);
      expect(res.code, explain(res)).toBe(2);
      expect(res.stderr).toMatch(/unknown setting "colour".*artifactDir/);
    }
    const missing = await u.cli(['config', 'set', 'artifactDir']);
    expect(missing.code, explain(missing)).toBe(2);
  });
});

describe('Docker credential helpers', () => {
  const reg = registries.auth;

  /** A docker-credential-lazytest that knows the auth registry and logs every question. */
  async function helperBin(): Promise<{ bin: string; log: string; env: Record<string, string> }> {
    const bin = await tempDir('lazyoci-helper-bin-');
    const log = path.join(bin, 'asked.log');
    const answer = JSON.stringify({ ServerURL: reg.host, Username: reg.username, Secret: reg.password });
    await writeFile(
      path.join(bin, 'docker-credential-lazytest'),
      [
        '#!/bin/sh',
        '[ "$1" = get ] || exit 3',
        'read -r url || true',
        `printf '%s\\n' "$url" >> '${log}'`,
        `if [ "$url" = '${reg.host}' ]; then printf '%s' '${answer}'; exit 0; fi`,
        'echo "credentials not found in native keychain"; exit 1',
        '',
      ].join('\n'),
    );
    await chmod(path.join(bin, 'docker-credential-lazytest'), 0o755);
    return { bin, log, env: { PATH: `${bin}${path.delimiter}${process.env.PATH ?? '/usr/bin:/bin'}` } };
  }

  for (const [label, config] of [
    ['credHelpers', { credHelpers: { [reg.host]: 'lazytest' } }],
    ['credsStore', { auths: { [reg.host]: {} }, credsStore: 'lazytest' }],
  ] as const) {
    it(`build pushes with credentials from the helper named by ${label}`, async () => {
      const u = await user();
      const helper = await helperBin();
      await writeFile(path.join(u.docker, 'config.json'), JSON.stringify(config));
      const repository = repo(`helper-${label.toLowerCase()}`);
      const res = await u.cli(['-o', 'json', 'build', '--tag', 'v1.0.0'], { cwd: await project(`${reg.host}/${repository}`), env: helper.env });
      await expectPushed(res, reg, repository);
      // Asked with the host on stdin, once for the run.
      expect((await readFile(helper.log, 'utf8')).split('\n').filter(Boolean)).toEqual([reg.host]);

      const probe = await u.cli(['-o', 'json', 'registry', 'test', reg.host], { env: helper.env });
      expect(probe.code, explain(probe)).toBe(0);
      expect(json<Probe>(probe).credentials).toBe('valid');
    });
  }

  it('a helper that is not installed fails the push and names it', async () => {
    const u = await user();
    await writeFile(path.join(u.docker, 'config.json'), JSON.stringify({ credsStore: 'not-installed-anywhere' }));
    const repository = repo('helper-missing');
    const res = await u.cli(['build', '--tag', 'v1.0.0'], { cwd: await project(`${reg.host}/${repository}`) });
    expect(res.code, explain(res)).not.toBe(0);
    expect(`${res.stdout}${res.stderr}`).toMatch(/docker-credential-not-installed-anywhere/);
    expect(res.stderr).not.toMatch(/internal error/i);
  });
});
