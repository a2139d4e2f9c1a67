// The installable package: `npm pack` of the built tree, installed with
// `npm install -g --prefix TMP` offline and with an empty npm cache, then run from a
// directory outside the repository with only node on PATH — as on a machine with only Node.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT, runCli } from './support/cli.js';

const run = promisify(execFile);
const registries = inject('registries');

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

describe('npm pack → npm install -g into a clean prefix', () => {
  let work: string;
  let prefix: string;
  let tarball: string;
  let packed: { files: { path: string }[] };
  let pkg: { version: string };

  beforeAll(async () => {
    pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-pack-'));
    const npmEnv = { ...process.env, npm_config_cache: path.join(work, 'npm-cache'), npm_config_update_notifier: 'false' };
    // dist/ is what `npm run build` made (the suite runs on the built tree); prepack would rebuild it.
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO_ROOT, env: npmEnv });
    const result = (JSON.parse(stdout) as { filename: string; files: { path: string }[] }[])[0]!;
    packed = result;
    tarball = path.join(work, result.filename);
    prefix = path.join(work, 'prefix');
    // --offline with an empty cache: the install may fetch nothing, so the package must need nothing.
    await run('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], { cwd: work, env: npmEnv });
  }, 120_000);
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /** The installed `lazyoci`, with only node's own directory on PATH, from a directory outside the repository. */
  async function installed(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Ran> {
    const home = await mkdtemp(path.join(work, 'home-'));
    try {
      const { stdout, stderr } = await run(path.join(prefix, 'bin', 'lazyoci'), args, {
        cwd,
        env: { PATH: `${path.join(prefix, 'bin')}:${path.dirname(process.execPath)}`, HOME: home, XDG_CONFIG_HOME: home, DOCKER_CONFIG: home, NO_COLOR: '1', ...env },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      if (typeof e.code !== 'number') throw err;
      return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  it('holds the bundles and the schema, no sources, maps or dependencies', async () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'dist/cli.js', 'dist/live-view-worker.js', 'dist/lazy-schema-validator.cjs', 'dist/completion-tree.json', 'schemas/lazy.schema.json']),
    );
    expect(files.filter((f) => !/^(dist\/[^/]+\.(js|cjs)|dist\/completion-tree\.json|schemas\/[^/]+\.json|package\.json|README\.md|LICENSE)$/.test(f))).toEqual([]);
    const installedPkg = JSON.parse(await readFile(path.join(prefix, 'lib', 'node_modules', 'lazyoci', 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(installedPkg.dependencies ?? {}).toEqual({});
    expect(installedPkg.engines).toEqual({ node: '>=20.18.1' });
    // Nothing was installed beside it.
    expect(await readdir(path.join(prefix, 'lib', 'node_modules'))).toEqual(['lazyoci']);
  });

  it('lazyoci --version and lazyoci schema work from the installed package', async () => {
    const version = await installed(['--version'], work);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);
    // Shell completion answers from the command tree the package carries.
    const completed = await installed(['__complete', 'bash', '--', 'bui'], work);
    expect(completed.stdout.trim()).toBe('build');
    const schema = await installed(['schema'], work);
    expect(schema.code, schema.stderr).toBe(0);
    expect(JSON.parse(schema.stdout)).toEqual(JSON.parse(await readFile(path.join(REPO_ROOT, 'schemas', 'lazy.schema.json'), 'utf8')));
  });

  it('build --dry-run gives the digests the repository build gives; validate reports FILE:LINE:COL', async () => {
    const project = await mkdtemp(path.join(work, 'project-'));
    await cp(path.join(REPO_ROOT, 'examples', 'artifact'), project, { recursive: true });
    const env = { LAZYOCI_REGISTRY: registries.http.host, LAZYOCI_VERSION: '3.1.4' };
    const dry = await installed(['build', '--dry-run', '-o', 'json'], project, env);
    expect(dry.code, dry.stderr).toBe(0);
    const fromRepo = await runCli(['build', '--dry-run', '-o', 'json'], { cwd: project, env });
    expect(fromRepo.code, fromRepo.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual(JSON.parse(fromRepo.stdout));

    // The precompiled schema validator runs without ajv installed.
    await writeFile(path.join(project, 'bad.lazy'), 'version: 1\nartifacts:\n  - type: artifact\n    filez: []\n');
    const bad = await installed(['validate', 'bad.lazy'], project, env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^bad\.lazy:\d+:\d+: /m);
    expect(bad.stderr).not.toMatch(/internal error|\n\s+at /);
  });
});
