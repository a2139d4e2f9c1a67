import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, ContentError } from '../errors/index.js';
import { parseChartYaml } from './chart-yaml.js';
import { packageHelmChart } from './helm-chart.js';
import { readTarGzipEntries } from './tar-gzip.js';

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-helm-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, ...rel.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

const CHART_YAML = `# a comment line
apiVersion: v2
name: demo
version: 1.2.3-rc.1+build.5
appVersion: 1.10
description: Demo chart <b>&</b>
`;

const LONG_REL = `templates/${'nested-directory-name/'.repeat(5)}${'very-long-file-name-'.repeat(4)}.yaml`;

const BASE_FILES: Record<string, string> = {
  'Chart.yaml': CHART_YAML,
  'values.yaml': 'message: hi\n',
  'templates/deployment.yaml': 'kind: Deployment\n',
  'templates/_helpers.tpl': '{{/* helpers */}}\n',
  'templates/NOTES.txt': 'notes\n',
  'templates/.hidden.yaml': 'never packaged\n',
  'templates/.cache/state': 'never packaged: a hidden directory under templates/\n',
  // Helm's default rule is anchored: hidden files deeper down are packaged.
  'templates/sub/.kept': 'packaged\n',
  'README.md': '# demo\n',
  'charts/dep/Chart.yaml': 'apiVersion: v2\nname: dep\nversion: 0.0.1\n',
  '.helmignore': '# comments are fine\n*.bak\nsecrets/\n!keep.bak\n',
  'old.bak': 'ignored by glob\n',
  'docs/old.bak': 'ignored by glob in a subdirectory\n',
  'keep.bak': 'brought back by negation\n',
  'secrets/token': 'ignored with its directory\n',
  'config/secrets/key': 'ignored: directory pattern matches at any depth\n',
  'docs/secrets': 'a file named like the directory pattern is kept\n',
  'B-upper.txt': 'upper case sorts before lower case\n',
  [LONG_REL]: 'long: path\n',
};

const EXPECTED_ORDER = [
  'Chart.yaml',
  '.helmignore',
  'B-upper.txt',
  'README.md',
  'charts/dep/Chart.yaml',
  'docs/secrets',
  'keep.bak',
  'templates/NOTES.txt',
  'templates/_helpers.tpl',
  'templates/deployment.yaml',
  LONG_REL,
  'templates/sub/.kept',
  'values.yaml',
].map((rel) => `demo/${rel}`);

async function makeChart(name = 'chart', files: Record<string, string> = BASE_FILES): Promise<string> {
  const dir = path.join(tmp, name);
  await writeTree(dir, files);
  return dir;
}

function gnuTarList(file: string): string[] {
  const res = spawnSync('tar', ['-tzf', file], { encoding: 'utf8' });
  expect(res.status, res.stderr).toBe(0);
  return res.stdout.split('\n').filter((l) => l !== '');
}

async function configProblems(promise: Promise<unknown>): Promise<ConfigError['problems']> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).problems;
}

describe('packageHelmChart', () => {
  it('is deterministic across mtimes, file modes and locations', async () => {
    const dir = await makeChart();
    const first = await packageHelmChart(dir);

    const copy = await makeChart('elsewhere');
    await utimes(path.join(copy, 'values.yaml'), new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z'));
    await utimes(path.join(copy, 'Chart.yaml'), 1234567890, 1234567890);
    await chmod(path.join(copy, 'values.yaml'), 0o600);
    await chmod(path.join(copy, 'templates/deployment.yaml'), 0o755);
    await chmod(path.join(copy, 'templates'), 0o700);
    const second = await packageHelmChart(copy);

    expect(second.archive.equals(first.archive)).toBe(true);
    expect(second.config.equals(first.config)).toBe(true);
    expect(second.annotations).toEqual(first.annotations);

    expect(first.archive[9]).toBe(255);
    expect([...first.archive.subarray(4, 8)]).toEqual([0, 0, 0, 0]);
  });

  it('lays files out as helm package: Chart.yaml first, the rest sorted, ignores honoured', async () => {
    const dir = await makeChart();
    const pkg = await packageHelmChart(dir);
    const tgz = path.join(tmp, 'demo.tgz');
    await writeFile(tgz, pkg.archive);
    expect(gnuTarList(tgz)).toEqual(EXPECTED_ORDER);

    const entries = await readTarGzipEntries(pkg.archive);
    expect(entries.map((e) => e.name)).toEqual(EXPECTED_ORDER);
    // Bytes are kept exactly, Chart.yaml included (comment and all).
    expect(entries[0]!.data.toString('utf8')).toBe(CHART_YAML);
    const long = entries.find((e) => e.name === `demo/${LONG_REL}`);
    expect(`demo/${LONG_REL}`.length).toBeGreaterThan(100);
    expect(long?.data.toString('utf8')).toBe('long: path\n');
  });

  it('lets .helmignore negations not revive hidden templates', async () => {
    const dir = await makeChart('chart', { ...BASE_FILES, '.helmignore': '!templates/.hidden.yaml\n' });
    const names = (await readTarGzipEntries((await packageHelmChart(dir)).archive)).map((e) => e.name);
    expect(names).not.toContain('demo/templates/.hidden.yaml');
    expect(names).toContain('demo/old.bak');
    expect(names).toContain('demo/secrets/token');
  });

  it('always packages Chart.yaml even if .helmignore names it', async () => {
    const dir = await makeChart('chart', { ...BASE_FILES, '.helmignore': 'Chart.yaml\n' });
    const names = (await readTarGzipEntries((await packageHelmChart(dir)).archive)).map((e) => e.name);
    expect(names[0]).toBe('demo/Chart.yaml');
    expect(names).not.toContain('demo/charts/dep/Chart.yaml');
  });

  it('returns name, version and normalised metadata', async () => {
    const pkg = await packageHelmChart(await makeChart());
    expect(pkg.name).toBe('demo');
    expect(pkg.version).toBe('1.2.3-rc.1+build.5');
    expect(pkg.metadata.appVersion).toBe('1.10');
  });

  it('writes config JSON in Helm metadata order with only non-empty keys', async () => {
    const chartYaml = [
      'type: application',
      'dependencies:',
      '  - repository: https://charts.example.com',
      '    version: ~1.0',
      '    name: db',
      '    unknownField: dropped',
      'annotations:',
      '  zeta: last',
      '  org.opencontainers.image.title: not-the-title',
      '  alpha: first',
      'kubeVersion: ">=1.25"',
      'deprecated: false',
      'keywords: []',
      'apiVersion: v2',
      'maintainers:',
      '  - email: ann@example.com',
      '    name: Ann',
      '  - name: Bob',
      '    url: https://bob.example.com',
      'sources: [https://git.example.com/demo, https://mirror.example.com/demo]',
      'version: 0.3.0',
      'home: https://demo.example.com',
      'description: A & B',
      'icon: ""',
      'name: demo',
      'appVersion: "2.0"',
      '',
    ].join('\n');
    const dir = await makeChart('chart', { 'Chart.yaml': chartYaml });
    const pkg = await packageHelmChart(dir);
    expect(pkg.config.toString('utf8')).toBe(
      '{"name":"demo","home":"https://demo.example.com",' +
        '"sources":["https://git.example.com/demo","https://mirror.example.com/demo"],' +
        '"version":"0.3.0","description":"A \\u0026 B",' +
        '"maintainers":[{"name":"Ann","email":"ann@example.com"},{"name":"Bob","url":"https://bob.example.com"}],' +
        '"apiVersion":"v2","appVersion":"2.0",' +
        '"annotations":{"alpha":"first","org.opencontainers.image.title":"not-the-title","zeta":"last"},' +
        '"kubeVersion":"\\u003e=1.25",' +
        '"dependencies":[{"name":"db","version":"~1.0","repository":"https://charts.example.com"}],' +
        '"type":"application"}',
    );
    expect(JSON.parse(pkg.config.toString('utf8')).description).toBe('A & B');

    expect(pkg.annotations).toEqual({
      'org.opencontainers.image.title': 'demo',
      'org.opencontainers.image.version': '0.3.0',
      'org.opencontainers.image.description': 'A & B',
      'org.opencontainers.image.url': 'https://demo.example.com',
      'org.opencontainers.image.source': 'https://git.example.com/demo',
      'org.opencontainers.image.authors': 'Ann (ann@example.com), Bob',
      alpha: 'first',
      zeta: 'last',
    });
  });

  it('gives minimal annotations and no created time for a minimal chart', async () => {
    const dir = await makeChart('chart', { 'Chart.yaml': 'apiVersion: v1\nname: mini\nversion: 1.0.0\n' });
    const pkg = await packageHelmChart(dir);
    expect(pkg.annotations).toEqual({
      'org.opencontainers.image.title': 'mini',
      'org.opencontainers.image.version': '1.0.0',
    });
    expect(pkg.config.toString('utf8')).toBe('{"name":"mini","version":"1.0.0","apiVersion":"v1"}');
  });

  it('follows symlinks that stay inside the chart', async () => {
    const dir = await makeChart('chart', {
      'Chart.yaml': 'apiVersion: v2\nname: links\nversion: 1.0.0\n',
      '.helmignore': 'shared/\n',
      'shared/values-common.yaml': 'common: true\n',
    });
    await symlink('shared/values-common.yaml', path.join(dir, 'values.yaml'));
    await mkdir(path.join(dir, 'templates'));
    // shared/ itself is ignored, so the link is the one path the directory is packaged under.
    await symlink('../shared', path.join(dir, 'templates', 'linked'));
    const entries = await readTarGzipEntries((await packageHelmChart(dir)).archive);
    expect(entries.map((e) => e.name)).toEqual([
      'links/Chart.yaml',
      'links/.helmignore',
      'links/templates/linked/values-common.yaml',
      'links/values.yaml',
    ]);
    expect(entries[3]!.data.toString('utf8')).toBe('common: true\n');
  });

  it('packages each real directory once: a second path to it is refused, naming both', async () => {
    const dir = await makeChart('chart', {
      'Chart.yaml': 'apiVersion: v2\nname: links\nversion: 1.0.0\n',
      'shared/values-common.yaml': 'common: true\n',
    });
    await mkdir(path.join(dir, 'templates'));
    await symlink('../shared', path.join(dir, 'templates', 'linked'));
    const err = await packageHelmChart(dir, { displayDir: 'charts/links' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentError);
    expect((err as Error).message).toBe(
      `${path.join('charts/links', 'templates', 'linked')} and ${path.join('charts/links', 'shared')} are the same directory (through a symlink); a chart holds each directory once`,
    );
  });

  it('refuses a doubling tree of directory symlinks at once instead of copying it 2^depth times', async () => {
    const dir = await makeChart('chart', {
      'Chart.yaml': 'apiVersion: v2\nname: bomb\nversion: 1.0.0\n',
      'd00/payload.txt': 'x'.repeat(10_000),
    });
    // d01/{a,b} -> d00, d02/{a,b} -> d01, ...: 2^16 paths to payload.txt at depth 16.
    for (let i = 1; i <= 16; i++) {
      const name = `d${String(i).padStart(2, '0')}`;
      const below = `../d${String(i - 1).padStart(2, '0')}`;
      await mkdir(path.join(dir, name));
      await symlink(below, path.join(dir, name, 'a'));
      await symlink(below, path.join(dir, name, 'b'));
    }
    const started = Date.now();
    await expect(packageHelmChart(dir)).rejects.toThrow(/d01\/a and .*d00 are the same directory/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('stops at the entry and byte limits with a message naming the chart', async () => {
    const dir = await makeChart('chart', {
      'Chart.yaml': 'apiVersion: v2\nname: big\nversion: 1.0.0\n',
      'a.txt': 'a'.repeat(600),
      'b/c.txt': 'c'.repeat(600),
    });
    await expect(packageHelmChart(dir, { displayDir: 'charts/big', limits: { bytes: 1000 } })).rejects.toThrow(
      'chart charts/big holds more than 1000 bytes of files; refusing to package it',
    );
    await expect(packageHelmChart(dir, { displayDir: 'charts/big', limits: { entries: 3 } })).rejects.toThrow(
      'chart charts/big holds more than 3 files and directories; refusing to package it',
    );
    // One flat directory too large to list is refused while it is being read.
    await expect(packageHelmChart(dir, { displayDir: 'charts/big', limits: { entries: 2 } })).rejects.toThrow(
      'charts/big holds more than 2 entries; refusing to package it',
    );
    expect((await packageHelmChart(dir, { limits: { bytes: 2000, entries: 4 } })).name).toBe('big');
  });

  it('refuses a symlink that leaves the chart, unless it is ignored', async () => {
    await writeFile(path.join(tmp, 'outside.txt'), 'secret\n');
    const dir = await makeChart('chart', { 'Chart.yaml': 'apiVersion: v2\nname: esc\nversion: 1.0.0\n' });
    await mkdir(path.join(dir, 'files'));
    await symlink('../../outside.txt', path.join(dir, 'files', 'escape.txt'));

    const err = await packageHelmChart(dir, { displayDir: 'charts/esc' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentError);
    expect((err as Error).message).toContain(path.join('charts/esc', 'files', 'escape.txt'));
    expect((err as Error).message).toContain('outside the chart');

    await writeFile(path.join(dir, '.helmignore'), 'escape.txt\n');
    const names = (await readTarGzipEntries((await packageHelmChart(dir)).archive)).map((e) => e.name);
    expect(names).toEqual(['esc/Chart.yaml', 'esc/.helmignore']);
  });

  it('refuses a symlink loop and a dangling symlink', async () => {
    const dir = await makeChart('chart', { 'Chart.yaml': 'apiVersion: v2\nname: loop\nversion: 1.0.0\n' });
    await symlink('.', path.join(dir, 'self'));
    await expect(packageHelmChart(dir)).rejects.toThrow(/loop/);
    await rm(path.join(dir, 'self'));
    await symlink('missing-file', path.join(dir, 'dangling'));
    await expect(packageHelmChart(dir)).rejects.toBeInstanceOf(ContentError);
  });

  it('skips fifos', async () => {
    const dir = await makeChart('chart', { 'Chart.yaml': 'apiVersion: v2\nname: fifo\nversion: 1.0.0\n' });
    const res = spawnSync('mkfifo', [path.join(dir, 'pipe')]);
    if (res.status !== 0) return;
    const names = (await readTarGzipEntries((await packageHelmChart(dir)).archive)).map((e) => e.name);
    expect(names).toEqual(['fifo/Chart.yaml']);
  });
});

describe('Chart.yaml problems', () => {
  it('reports a missing Chart.yaml at 1:1 with the shown directory', async () => {
    const dir = await makeChart('chart', { 'values.yaml': 'a: 1\n' });
    const problems = await configProblems(packageHelmChart(dir, { displayDir: 'deploy/chart' }));
    expect(problems).toEqual([
      { file: path.join('deploy/chart', 'Chart.yaml'), line: 1, col: 1, message: 'Chart.yaml not found in deploy/chart' },
    ]);
  });

  it('reports bad YAML where it is', async () => {
    const dir = await makeChart('chart', { 'Chart.yaml': 'apiVersion: v2\nname: x\nversion: [1.0.0\n' });
    const problems = await configProblems(packageHelmChart(dir));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]!.file).toBe(path.join(dir, 'Chart.yaml'));
    expect(problems[0]!.line).toBeGreaterThanOrEqual(3);
    expect(problems[0]!.message).toMatch(/^invalid YAML: /);
  });

  it('reports a missing version at the mapping and names the field', async () => {
    const problems = await configProblems(
      packageHelmChart(await makeChart('chart', { 'Chart.yaml': 'apiVersion: v2\nname: x\n' })),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 1, col: 1 });
    expect(problems[0]!.message).toMatch(/^version is required/);
  });

  it('reports an invalid version at its value', async () => {
    const problems = await configProblems(
      packageHelmChart(await makeChart('chart', { 'Chart.yaml': 'apiVersion: v2\nname: x\nversion:   v1.0.0\n' })),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 3, col: 12 });
    expect(problems[0]!.message).toContain('version "v1.0.0" is not a valid SemVer 2 version');
  });

  it('reports a bad apiVersion at its value', async () => {
    const problems = await configProblems(
      packageHelmChart(await makeChart('chart', { 'Chart.yaml': 'name: x\napiVersion: v3\nversion: 1.0.0\n' })),
    );
    expect(problems).toEqual([
      { file: expect.any(String), line: 2, col: 13, message: 'apiVersion must be v1 or v2, got "v3"' },
    ]);
  });

  it('reports every problem at once', () => {
    const text = [
      'apiVersion: v9',
      'name: -bad',
      'version: 1.0',
      'type: plugin',
      'keywords: notalist',
      'annotations:',
      '  count: 3',
      '',
    ].join('\n');
    let err: unknown;
    try {
      parseChartYaml(text, 'c/Chart.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems.map((p) => [p.line, p.col, p.message.split(' ')[0]])).toEqual([
      [1, 13, 'apiVersion'],
      [2, 7, 'name'],
      [3, 10, 'version'],
      [4, 7, 'type'],
      [5, 11, 'keywords'],
      [7, 3, 'annotations'],
    ]);
    expect(problems[2]!.message).toContain('"1.0"');
    expect(problems.every((p) => p.file === 'c/Chart.yaml')).toBe(true);
  });

  it('rejects a document that is not a mapping, and an empty file', () => {
    expect(() => parseChartYaml('- a\n- b\n', 'Chart.yaml')).toThrow(/must be a mapping/);
    expect(() => parseChartYaml('', 'Chart.yaml')).toThrow(ConfigError);
  });

  it('accepts a numeric appVersion as written', () => {
    const md = parseChartYaml('apiVersion: v2\nname: n\nversion: 0.1.0\nappVersion: 1.10\n', 'Chart.yaml');
    expect(md.appVersion).toBe('1.10');
  });
});

describe('examples/helm-chart', () => {
  it('packages the sample chart', async () => {
    const chartDir = fileURLToPath(new URL('../../examples/helm-chart/chart', import.meta.url));
    const pkg = await packageHelmChart(chartDir);
    expect(pkg.name).toBe('hello-chart');
    expect(pkg.version).toBe('0.1.0');
    expect(pkg.metadata.appVersion).toBe('1.0.0');
    const names = (await readTarGzipEntries(pkg.archive)).map((e) => e.name);
    expect(names).toEqual([
      'hello-chart/Chart.yaml',
      'hello-chart/.helmignore',
      'hello-chart/templates/NOTES.txt',
      'hello-chart/templates/configmap.yaml',
      'hello-chart/values.yaml',
    ]);
    expect((await readFile(path.join(chartDir, 'Chart.yaml'))).equals((await readTarGzipEntries(pkg.archive))[0]!.data)).toBe(
      true,
    );
  });
});
