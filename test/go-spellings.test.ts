// The Go lazyoci's spellings, each doing what it does there (issue 13 §3), through the
// built CLI against the real plain-HTTP registry of the test bed: `version`, `registry
// rm`, `registry add URL -n/-u/-p`, registries saved with a path, `build --push`,
// repeated `-a`, `--artifact-dir`, `config get|set|unset artifact-dir`, `config list`
// defaults, `pull -d`, and `make registry-up|registry-down`.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { LazyFile } from '../src/config/types.js';
import { versionInfo } from '../src/commands/version.js';
import { selectArtifacts } from '../src/ops/plan.js';
import { findSavedRegistry, type UserSettings } from '../src/settings/index.js';
import { explain, json, REPO_ROOT, runCli, type CliResult } from './support/cli.js';
import { freePort, probe } from './support/registry.js';

const registries = inject('registries');
const http = registries.http;
const auth = registries.auth;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.allSettled(cleanups.splice(0).map((c) => c()));
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A user whose HOME and XDG directories persist across CLI runs. */
async function user(): Promise<{ cli: (args: string[], opts?: { cwd?: string; input?: string }) => Promise<CliResult>; home: string; xdg: string; data: string }> {
  const home = await tempDir('lazyoci-go-');
  const xdg = path.join(home, 'xdg');
  const data = path.join(home, 'data');
  await Promise.all([mkdir(xdg), mkdir(path.join(home, 'docker'))]);
  const cli = (args: string[], opts: { cwd?: string; input?: string } = {}): Promise<CliResult> =>
    runCli(args, { ...opts, env: { HOME: home, XDG_CONFIG_HOME: xdg, XDG_DATA_HOME: data, DOCKER_CONFIG: path.join(home, 'docker') } });
  return { cli, home, xdg, data };
}

/** A project with artifacts `one` and `two`, each pushed to its own repository on `host`. */
async function twoArtifactProject(host: string): Promise<{ dir: string; repos: string[] }> {
  const dir = await tempDir('lazyoci-go-proj-');
  const id = randomBytes(4).toString('hex');
  const repos = [`lazyoci-go/one-${id}`, `lazyoci-go/two-${id}`];
  await writeFile(path.join(dir, 'payload.txt'), `payload ${id}\n`);
  const artifact = (name: string, repo: string): string[] => [
    '  - type: artifact',
    `    name: ${name}`,
    '    mediaType: application/vnd.lazyoci.test.payload.v1',
    '    files:',
    '      - path: payload.txt',
    '        mediaType: text/plain',
    '    targets:',
    `      - registry: ${host}/${repo}`,
    '        tags: ["{{ .Tag }}"]',
  ];
  await writeFile(path.join(dir, '.lazy'), ['version: 1', 'artifacts:', ...artifact('one', repos[0]!), ...artifact('two', repos[1]!), ''].join('\n'));
  return { dir, repos };
}

/** The tags the plain-HTTP registry holds for `repo`, read straight from it. */
async function tagsOf(repo: string): Promise<string[]> {
  const res = await probe(`http://${http.host}/v2/${repo}/tags/list`);
  if (res.status === 404) return [];
  expect(res.status).toBe(200);
  return (JSON.parse(res.body.toString('utf8')) as { tags: string[] | null }).tags ?? [];
}

interface BuildOut {
  name: string;
  targets: Array<{ reference: string; digest?: string; pushed: boolean; error?: string }>;
}

describe('lazyoci version', () => {
  it('prints the version, the commit of the checkout it was built from and the build date; -o json has {version, commit, date}', async () => {
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const res = await runCli(['-o', 'json', 'version']);
    expect(res.code, explain(res)).toBe(0);
    const info = json<{ version: string; commit: string; date: string }>(res);
    expect(Object.keys(info).sort()).toEqual(['commit', 'date', 'version']);
    expect(info.version).toBe(pkg.version);
    // dist/ is built from this checkout, perhaps a commit or two ago: a commit of its history.
    expect(info.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(spawnSync('git', ['merge-base', '--is-ancestor', info.commit, head], { cwd: REPO_ROOT }).status).toBe(0);
    expect(info.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(info.date)).toBeLessThanOrEqual(Date.now());

    const text = await runCli(['version']);
    expect(text.code, explain(text)).toBe(0);
    expect(text.stdout).toBe(`lazyoci ${pkg.version}\ncommit: ${info.commit}\nbuilt:  ${info.date}\n`);
  });

  it('says "unknown" for a commit and date it was not built with', () => {
    // Run from source (as vitest does), nothing was written in at build time.
    expect(versionInfo('1.2.3')).toEqual({ version: '1.2.3', commit: 'unknown', date: 'unknown' });
  });
});

describe('registry add URL -n NAME -u USER -p PASS, and registry rm', () => {
  interface Listed {
    name: string;
    label?: string;
    username?: string;
    insecure: boolean;
  }

  it('takes the Go form and ours for the same thing, and rm (by address or label) removes', async () => {
    const u = await user();
    const go = await u.cli(['registry', 'add', `https://${auth.host}/`, '-n', 'Test bed', '-u', auth.username!, '-p', auth.password!]);
    expect(go.code, explain(go)).toBe(0);
    expect(go.stdout).toContain(`saved registry ${auth.host} as "Test bed" (user ${auth.username})`);
    const ours = await u.cli(['registry', 'add', 'reg.example.com', '--user', 'alice', '--pass', 'secret-two']);
    expect(ours.code, explain(ours)).toBe(0);
    expect(json<Listed[]>(await u.cli(['-o', 'json', 'registry', 'list']))).toEqual([
      { name: auth.host, label: 'Test bed', username: auth.username, insecure: false },
      { name: 'reg.example.com', username: 'alice', insecure: false },
    ]);
    const table = await u.cli(['registry', 'list']);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+LABEL\s+USER\s+INSECURE$/);
    for (const out of [go.stdout + go.stderr, table.stdout + table.stderr]) expect(out).not.toContain(auth.password!);

    // The saved credentials work: registry test by label says so.
    const tested = await u.cli(['-o', 'json', 'registry', 'test', 'Test bed']);
    expect(tested.code, explain(tested)).toBe(0);
    expect(json<{ credentials: string }>(tested).credentials).toBe('valid');

    const byLabel = await u.cli(['registry', 'rm', 'Test bed']);
    expect(byLabel.code, explain(byLabel)).toBe(0);
    expect(byLabel.stdout).toBe(`removed registry ${auth.host}\n`);
    const byName = await u.cli(['registry', 'rm', 'reg.example.com']);
    expect(byName.code, explain(byName)).toBe(0);
    expect(json<Listed[]>(await u.cli(['-o', 'json', 'registry', 'list']))).toEqual([]);
    const again = await u.cli(['registry', 'rm', 'reg.example.com']);
    expect(again.code, explain(again)).toBe(2);
    expect(again.stderr).toMatch(/^error: registry reg\.example\.com is not saved$/m);
  });

  it('refuses a label that could be read as a host, and one already used by another registry (exit 2, nothing saved)', async () => {
    const u = await user();
    expect((await u.cli(['registry', 'add', 'one.example.com', '-n', 'mine'])).code).toBe(0);
    for (const [args, message] of [
      [['registry', 'add', 'two.example.com', '-n', 'ghcr.io'], /a label is letters, digits/],
      [['registry', 'add', 'two.example.com', '-n', 'mine'], /the label "mine" is already one\.example\.com's/],
      [['registry', 'add', 'two.example.com', '-u', 'bob'], /--user needs a password too/],
    ] as const) {
      const res = await u.cli([...args]);
      expect(res.code, explain(res)).toBe(2);
      expect(res.stderr).toMatch(message);
    }
    expect(json<Listed[]>(await u.cli(['-o', 'json', 'registry', 'list'])).map((r) => r.name)).toEqual(['one.example.com']);
  });
});

describe('registries saved with a path (host/org)', () => {
  it('registry add accepts host/path and keeps it apart from the host; a bad path is exit 2', async () => {
    const u = await user();
    for (const name of ['reg.example.com', 'reg.example.com/team', 'https://reg.example.com/team/sub/']) {
      const res = await u.cli(['registry', 'add', name, '-u', 'u', '-p', `secret-${name.length}`]);
      expect(res.code, explain(res)).toBe(0);
    }
    const bad = await u.cli(['registry', 'add', 'reg.example.com/Team']);
    expect(bad.code, explain(bad)).toBe(2);
    expect(bad.stderr).toMatch(/^error: "reg\.example\.com\/Team" is not a registry: give host\[:port\] or host\[:port\]\/path/m);
    const stored = parseYaml(await readFile(path.join(u.xdg, 'lazyoci', 'config.yaml'), 'utf8')) as UserSettings;
    expect(stored.registries.map((r) => r.name)).toEqual(['reg.example.com', 'reg.example.com/team', 'reg.example.com/team/sub']);
    const removed = await u.cli(['registry', 'rm', 'reg.example.com/team']);
    expect(removed.code, explain(removed)).toBe(0);
    const left = parseYaml(await readFile(path.join(u.xdg, 'lazyoci', 'config.yaml'), 'utf8')) as UserSettings;
    expect(left.registries.map((r) => r.name)).toEqual(['reg.example.com', 'reg.example.com/team/sub']);
  });

  it('a registry saved with a path lends its credentials to the repositories under it, and only to those', async () => {
    const u = await user();
    const team = `team${randomBytes(3).toString('hex')}`;
    const added = await u.cli(['registry', 'add', `${auth.host}/${team}`, '--user', auth.username!, '--pass-stdin'], { input: auth.password! });
    expect(added.code, explain(added)).toBe(0);
    const dir = await tempDir('lazyoci-go-saved-');
    await writeFile(path.join(dir, 'a.txt'), 'a\n');
    const lazy = (repo: string): string =>
      `version: 1\nartifacts:\n  - type: artifact\n    files: [{ path: a.txt }]\n    targets: [{ registry: "${auth.host}/${repo}", tags: [v1] }]\n`;
    await writeFile(path.join(dir, '.lazy'), lazy(`${team}/app`));
    const inside = await u.cli(['build', '-o', 'json'], { cwd: dir });
    expect(inside.code, explain(inside)).toBe(0);
    await writeFile(path.join(dir, '.lazy'), lazy(`${team}x/app`));
    const outside = await u.cli(['build', '-o', 'json'], { cwd: dir });
    expect(outside.code).toBe(1);
    expect(json<{ targets: { error?: string }[] }[]>(outside)[0]!.targets[0]!.error).toMatch(/authentication required \(401\)/);
    expect(inside.stdout + inside.stderr + outside.stdout + outside.stderr).not.toContain(auth.password!);
  });

  it('findSavedRegistry picks the longest saved prefix of host/repository, by whole path components', () => {
    const settings: UserSettings = {
      registries: [{ name: 'reg.example.com' }, { name: 'reg.example.com/team' }, { name: 'reg.example.com/team/sub' }, { name: 'other.example.com/team' }],
    };
    const find = (host: string, repo?: string): string | undefined => findSavedRegistry(settings, host, repo)?.name;
    expect(find('reg.example.com', 'team/sub/app')).toBe('reg.example.com/team/sub');
    expect(find('reg.example.com', 'team/sub')).toBe('reg.example.com/team/sub');
    expect(find('reg.example.com', 'team/app')).toBe('reg.example.com/team');
    expect(find('reg.example.com', 'teams/app')).toBe('reg.example.com');
    expect(find('REG.example.com', 'team/subway/app')).toBe('reg.example.com/team');
    // Per host (how the registry client asks today): only the bare host's entry.
    expect(find('reg.example.com')).toBe('reg.example.com');
    expect(find('other.example.com')).toBeUndefined();
    expect(find('other.example.com', 'team/app')).toBe('other.example.com/team');
    expect(find('other.example.com', 'teamx')).toBeUndefined();
  });
});

describe('build --push and repeated -a', () => {
  it('--push is the default, spelled out: it pushes', async () => {
    const { dir, repos } = await twoArtifactProject(http.host);
    const res = await runCli(['-o', 'json', 'build', dir, '--push', '-a', 'one', '--tag', 'v1.0.0']);
    expect(res.code, explain(res)).toBe(0);
    const out = json<BuildOut[]>(res);
    expect(out.map((a) => a.name)).toEqual(['one']);
    expect(out[0]!.targets[0]).toMatchObject({ reference: `${http.host}/${repos[0]}:v1.0.0`, pushed: true });
    expect(await tagsOf(repos[0]!)).toEqual(['v1.0.0']);
    expect(await tagsOf(repos[1]!)).toEqual([]);
  });

  it('-a 0 -a 1 builds both artifacts, each once, in file order; an unknown one is exit 2', async () => {
    const { dir, repos } = await twoArtifactProject(http.host);
    const res = await runCli(['-o', 'json', 'build', dir, '-a', '1', '-a', '0', '-a', 'one', '--tag', 'v1.0.0']);
    expect(res.code, explain(res)).toBe(0);
    const out = json<BuildOut[]>(res);
    expect(out.map((a) => a.name)).toEqual(['one', 'two']);
    for (const [i, repo] of repos.entries()) {
      expect(out[i]!.targets[0]).toMatchObject({ reference: `${http.host}/${repo}:v1.0.0`, pushed: true });
      expect(await tagsOf(repo)).toEqual(['v1.0.0']);
    }
    const unknown = await runCli(['build', dir, '-a', 'one', '-a', 'three', '--dry-run']);
    expect(unknown.code, explain(unknown)).toBe(2);
    expect(unknown.stderr).toMatch(/^error: no artifact matches --artifact three \(artifacts: one, two\)$/m);
  });

  it('selectArtifacts takes one selector or several', () => {
    const a = (index: number, name: string, type: string): unknown => ({ index, name: { value: name }, type });
    const lazy = { artifacts: [a(0, 'api', 'image'), a(1, 'chart', 'helm'), a(2, 'web', 'image')] } as unknown as LazyFile;
    const names = (sel: string | string[] | undefined): string[] => selectArtifacts(lazy, sel).map((x) => x.name!.value);
    expect(names(undefined)).toEqual(['api', 'chart', 'web']);
    expect(names([])).toEqual(['api', 'chart', 'web']);
    expect(names('image')).toEqual(['api', 'web']);
    expect(names(['2', 'chart'])).toEqual(['chart', 'web']);
    expect(names(['image', 'web', '0'])).toEqual(['api', 'web']);
  });
});

describe('config: artifact-dir, unset, "" and defaults', () => {
  it('get|set artifact-dir (kebab case) is artifactDir; unset and set "" return to the default; list shows it', async () => {
    const u = await user();
    const cwd = await tempDir('lazyoci-go-cwd-');
    const defaultDir = path.join(u.data, 'lazyoci', 'artifacts');

    const fresh = await u.cli(['config', 'list']);
    expect(fresh.code, explain(fresh)).toBe(0);
    expect(fresh.stdout).toContain(`artifactDir: ${defaultDir} # default\n`);
    expect(parseYaml(fresh.stdout)).toEqual({ artifactDir: defaultDir, registries: [] });
    expect(json<unknown>(await u.cli(['-o', 'json', 'config', 'list']))).toEqual({ artifactDir: defaultDir, registries: [] });

    for (const key of ['artifact-dir', 'artifact_dir', 'ARTIFACTDIR']) {
      const set = await u.cli(['config', 'set', key, 'out'], { cwd });
      expect(set.code, explain(set)).toBe(0);
      expect(set.stdout).toBe(`artifactDir = ${path.join(cwd, 'out')}\n`);
      expect((await u.cli(['config', 'get', 'artifact-dir'])).stdout).toBe(`${path.join(cwd, 'out')}\n`);
    }
    const setList = await u.cli(['config', 'list']);
    expect(setList.stdout).not.toContain('# default');
    expect(parseYaml(setList.stdout)).toMatchObject({ artifactDir: path.join(cwd, 'out') });

    const unset = await u.cli(['config', 'unset', 'artifact-dir']);
    expect(unset.code, explain(unset)).toBe(0);
    expect(unset.stdout).toBe(`artifactDir = ${defaultDir} (default)\n`);
    expect(json<unknown>(await u.cli(['-o', 'json', 'config', 'get', 'artifactDir']))).toEqual({ key: 'artifactDir', value: defaultDir, default: true });
    const file = path.join(u.xdg, 'lazyoci', 'config.yaml');
    expect(parseYaml(await readFile(file, 'utf8'))).toEqual({ registries: [] });

    await u.cli(['config', 'set', 'artifact-dir', 'again'], { cwd });
    const empty = await u.cli(['-o', 'json', 'config', 'set', 'artifact-dir', '']);
    expect(empty.code, explain(empty)).toBe(0);
    expect(json<unknown>(empty)).toEqual({ key: 'artifactDir', value: defaultDir, default: true });
    expect(parseYaml(await readFile(file, 'utf8'))).toEqual({ registries: [] });

    const bad = await u.cli(['config', 'unset', 'colour']);
    expect(bad.code, explain(bad)).toBe(2);
    expect(bad.stderr).toMatch(/^error: unknown setting "colour"; known settings: artifactDir$/m);
  });
});

describe('pull -d and --artifact-dir', () => {
  it('pull -d DIR writes there; --artifact-dir overrides the artifactDir setting for the default destination', async () => {
    const { dir, repos } = await twoArtifactProject(http.host);
    const built = await runCli(['-o', 'json', 'build', dir, '-a', 'one', '--tag', 'v1.0.0']);
    expect(built.code, explain(built)).toBe(0);
    const digest = json<BuildOut[]>(built)[0]!.targets[0]!.digest!;
    const ref = `${http.host}/${repos[0]}:v1.0.0`;
    const u = await user();
    const cwd = await tempDir('lazyoci-go-pull-');

    const short = await u.cli(['-q', 'pull', ref, '-d', 'here'], { cwd });
    expect(short.code, explain(short)).toBe(0);
    const index = async (layout: string): Promise<string> => (await readFile(path.join(layout, 'index.json'), 'utf8'));
    expect(await index(path.join(cwd, 'here'))).toContain(digest);

    await u.cli(['config', 'set', 'artifact-dir', path.join(cwd, 'setting')]);
    const overridden = await u.cli(['-q', '--artifact-dir', 'flag', 'pull', ref], { cwd });
    expect(overridden.code, explain(overridden)).toBe(0);
    const registryDir = http.host.replace(/[^A-Za-z0-9._-]/g, '_');
    expect(await index(path.join(cwd, 'flag', registryDir, ...repos[0]!.split('/')))).toContain(digest);
    await expect(access(path.join(cwd, 'setting'))).rejects.toThrow();

    const bySetting = await u.cli(['-q', 'pull', ref], { cwd });
    expect(bySetting.code, explain(bySetting)).toBe(0);
    expect(await index(path.join(cwd, 'setting', registryDir, ...repos[0]!.split('/')))).toContain(digest);
  });
});

describe('make registry-up / registry-down', () => {
  it('starts the local registry on $LAZYOCI_DEMO_PORT, leaves a running one be, and stops it', async () => {
    const demoDir = await tempDir('lazyoci-go-demo-');
    const port = await freePort();
    const env = { ...process.env, LAZYOCI_DEMO_PORT: String(port), LAZYOCI_DEMO_DIR: demoDir };
    const v2 = `http://127.0.0.1:${port}/v2/`;
    // `make registry-up` is `deps` (which may install packages) and then this script.
    const dry = spawnSync('make', ['-n', '-s', 'registry-up', 'registry-down'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(dry.stdout).toMatch(/bash scripts\/demo\.sh up\n(?:.*\n)*bash scripts\/demo\.sh down/);
    cleanups.push(async () => {
      spawnSync('bash', ['scripts/demo.sh', 'down'], { cwd: REPO_ROOT, env });
    });

    const up = spawnSync('bash', ['scripts/demo.sh', 'up'], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 30_000 });
    expect(up.status, up.stderr).toBe(0);
    expect(up.stdout).toContain(`registry running at http://127.0.0.1:${port}`);
    expect((await probe(v2)).status).toBe(200);
    const again = spawnSync('bash', ['scripts/demo.sh', 'up'], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 30_000 });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('already running');

    const down = spawnSync('make', ['-s', 'registry-down'], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 30_000 });
    expect(down.status, down.stderr).toBe(0);
    expect(down.stdout).toContain('stopped the demo registry');
    await expect(probe(v2)).rejects.toThrow();
  });
});
