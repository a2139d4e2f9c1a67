// `lazyoci init`: a starting .lazy from what a directory holds, which `lazyoci validate`
// accepts as written (in a git repository with a tag, LAZYOCI_REGISTRY set).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT, runCli } from './support/cli.js';

const git = promisify(execFile);
const http = inject('registries').http;

let root: string;
let dir: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-init-'));
  dir = path.join(root, 'Web Shop');
  await mkdir(path.join(dir, 'charts', 'shop'), { recursive: true });
  await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY config.json /\n');
  await writeFile(path.join(dir, 'charts', 'shop', 'Chart.yaml'), 'apiVersion: v2\nname: shop\nversion: 0.3.0\n');
  await writeFile(path.join(dir, 'config.json'), '{"a":1}\n');
  await writeFile(path.join(dir, 'notes.txt'), 'notes\n');
});
afterEach(async () => rm(root, { recursive: true, force: true }));

async function tagRepository(at: string): Promise<void> {
  const g = (...args: string[]): Promise<unknown> => git('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], { cwd: at });
  await g('init', '-q');
  await g('add', '-A');
  await g('commit', '-qm', 'start');
  await g('tag', 'v2.4.1');
}

describe('lazyoci init', () => {
  it('writes a helm, image and file artifact that validate accepts, the $schema comment first', async () => {
    const res = await runCli(['init', '.', 'config.json', 'notes.txt', '--platform', 'linux/amd64,linux/arm64'], { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('web-shop-chart (helm) → {{ .Registry }}/web-shop-chart');
    const text = await readFile(path.join(dir, '.lazy'), 'utf8');
    const schema = JSON.parse(await readFile(path.join(REPO_ROOT, 'schemas', 'lazy.schema.json'), 'utf8')) as { $id: string };
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${schema.$id}`);

    await tagRepository(dir);
    const valid = await runCli(['-o', 'json', 'validate'], { cwd: dir, env: { LAZYOCI_REGISTRY: `${http.host}/init` } });
    expect(valid.code, valid.stderr).toBe(0);
    const sha = (await git('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir })).stdout.trim();
    expect(JSON.parse(valid.stdout).artifacts).toEqual([
      { name: 'web-shop', type: 'image', references: ['2.4.1', sha, 'latest'].map((t) => `${http.host}/init/web-shop:${t}`) },
      { name: 'web-shop-chart', type: 'helm', references: ['2.4.1', sha, 'latest'].map((t) => `${http.host}/init/web-shop-chart:${t}`) },
      { name: 'web-shop-files', type: 'artifact', references: ['2.4.1', sha, 'latest'].map((t) => `${http.host}/init/web-shop-files:${t}`) },
    ]);
    // and builds: the chart and the files are packaged and pushed to the real registry.
    const built = await runCli(['-o', 'json', 'build', '-a', 'web-shop-chart'], { cwd: dir, env: { LAZYOCI_REGISTRY: `${http.host}/init` } });
    expect(built.code, built.stderr).toBe(0);
    expect(JSON.parse(built.stdout)[0].targets.map((t: { pushed: boolean }) => t.pushed)).toEqual([true, true, true]);
  });

  it('takes the repository from --target and refuses the global --registry there', async () => {
    const res = await runCli(['init', dir, '--target', 'ghcr.io/acme/shop'], { cwd: root });
    expect(res.code, res.stderr).toBe(0);
    const text = await readFile(path.join(dir, '.lazy'), 'utf8');
    expect(text).toContain('registry: ghcr.io/acme/shop\n');
    expect(text).toContain('registry: ghcr.io/acme/shop-chart\n');
    await rm(path.join(dir, '.lazy'));

    const wrong = await runCli(['init', dir, '--registry', 'ghcr.io/acme'], { cwd: root });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^error: init does not take --registry.*\nhint: .*--target/);
    const tagged = await runCli(['init', dir, '--target', 'ghcr.io/acme/shop:v1'], { cwd: root });
    expect(tagged.code).toBe(2);
    expect(tagged.stderr).toMatch(/^error: --target ghcr.io\/acme\/shop:v1: /);
    await expect(readFile(path.join(dir, '.lazy'))).rejects.toThrow(/ENOENT/);
  });

  it('never replaces an existing .lazy without --force', async () => {
    await writeFile(path.join(dir, '.lazy'), 'mine\n');
    const res = await runCli(['init'], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/\.lazy already exists\nhint: pass --force/);
    expect(await readFile(path.join(dir, '.lazy'), 'utf8')).toBe('mine\n');
    const forced = await runCli(['init', '--force'], { cwd: dir });
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(path.join(dir, '.lazy'), 'utf8')).toMatch(/^# yaml-language-server/);
  });

  it('takes files alone (the first not a directory), and refuses files outside the directory or missing', async () => {
    const empty = path.join(root, 'empty');
    await mkdir(empty);
    await writeFile(path.join(empty, 'a.bin'), 'a');
    expect((await runCli(['init', 'a.bin'], { cwd: empty })).code).toBe(0);
    expect(await readFile(path.join(empty, '.lazy'), 'utf8')).toContain('- path: a.bin');

    const outside = await runCli(['init', empty, path.join(dir, 'notes.txt')], { cwd: root });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/notes\.txt is not inside .*empty/);
    const missing = await runCli(['init', 'nope'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: nope: no such file/);
  });

  it('refuses a directory with nothing to package, writing nothing', async () => {
    const empty = path.join(root, 'empty');
    await mkdir(empty);
    const res = await runCli(['init', empty], { cwd: root });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/nothing to put in a \.lazy.*\nhint: name the files/);
    await expect(readFile(path.join(empty, '.lazy'))).rejects.toThrow(/ENOENT/);
    const badPlatform = await runCli(['init', '--platform', 'linux'], { cwd: dir });
    expect(badPlatform.code).toBe(2);
  });
});
