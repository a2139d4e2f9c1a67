import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/index.js';
import { loadMirrorFile } from './load-mirror-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-mirror-file-'));
  await mkdir(path.join(dir, 'charts', 'platform'), { recursive: true });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function load(text: string) {
  await writeFile(path.join(dir, 'mirror.yaml'), text);
  return loadMirrorFile('mirror.yaml', { cwd: dir });
}

async function problems(text: string): Promise<string[]> {
  try {
    await load(text);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('loadMirrorFile', () => {
  it("reads the Go lazyoci's mirror.yaml unchanged", async () => {
    const m = await load(
      [
        'target:',
        '  url: registry.digitalocean.com/greenforests',
        '  charts-prefix: charts',
        'upstreams:',
        '  vault:',
        '    type: repo',
        '    repo: https://helm.releases.hashicorp.com',
        '    chart: vault',
        '    versions: ["0.28.1", "0.29.0"]',
        '  redis:',
        '    type: oci',
        '    registry: oci://registry-1.docker.io/bitnamicharts',
        '    chart: redis',
        '    versions: ["19.6.4"]',
        '  platform:',
        '    type: local',
        '    path: ./charts/platform',
        '    chart: platform',
        '',
      ].join('\n'),
    );
    expect(m.target).toEqual({ url: 'registry.digitalocean.com/greenforests', registry: 'registry.digitalocean.com', prefix: 'greenforests', insecure: false, chartsPrefix: 'charts' });
    expect(m.upstreams.map((u) => [u.key, u.type, u.repo ?? u.registry ?? u.path, u.versions])).toEqual([
      ['vault', 'repo', 'https://helm.releases.hashicorp.com', ['0.28.1', '0.29.0']],
      ['redis', 'oci', 'registry-1.docker.io/bitnamicharts', ['19.6.4']],
      ['platform', 'local', path.join(dir, 'charts', 'platform'), []],
    ]);
    expect(m.images).toEqual([]);
  });

  it('reads image sets with their rules', async () => {
    const m = await load('target:\n  url: localhost:5000\nimages:\n  - source: nginx\n    semver: ">=1.25 <2"\n    latest: 2\n    platforms: [linux/amd64, linux/arm64/v8]\n');
    expect(m.images[0]).toMatchObject({ source: { registry: 'docker.io', repository: 'library/nginx' }, semver: '>=1.25 <2', latest: 2 });
    expect(m.images[0]!.platforms).toEqual([{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }]);
  });

  it('reports every problem of image sets at once, each at its node', async () => {
    expect(
      await problems(
        [
          'target:',
          '  url: localhost:5000/m',
          '  charts-prefix: Charts',
          'images:',
          '  - source: nginx:1.25',
          '    regex: "(unclosed"',
          '  - source: nginx',
          '    tags: [a]',
          '    latest: 2',
          '  - source: nginx',
          '  - source: nginx',
          '    semver: "one two three"',
          'upstreams:',
          '  app:',
          '    type: repo',
          '    repo: https://user:secret@charts.example.com',
          '    chart: app',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      '3:18: target.charts-prefix: "Charts" is not a repository path (lowercase components separated by /)',
      '5:13: images[0].source: "nginx:1.25" names a tag or digest; give the repository and choose tags with tags/semver/regex/latest',
      expect.stringMatching(/^6:12: images\[0\]\.regex: not a regular expression: /),
      '8:5: images[1].tags: lists tags exactly; it cannot be combined with semver, regex or latest',
      '10:5: images[2]: needs a tag rule: tags, semver, regex or latest',
      '12:13: images[3].semver: "one two three" is not a semver range (e.g. ">=1.25 <2", "~1.2", "^3")',
      '14:3: upstreams.app: lists no versions; add "versions: [X.Y.Z]"',
      '16:11: upstreams.app.repo: credentials in the URL are not supported (they would be written to logs and lock files)',
    ]);
  });
});
