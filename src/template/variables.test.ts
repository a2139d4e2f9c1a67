import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTemplate } from './render.js';
import { VARIABLE_NAMES } from './types.js';
import { formatTimestamp, resolveVariables, withChartVersion } from './variables.js';

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: gitEnv, encoding: 'utf8' }).trim();
}

async function makeRepo(parent: string, name: string, branch: string): Promise<string> {
  const dir = join(parent, name);
  await mkdir(dir);
  git(dir, 'init', '-q', '-b', branch);
  git(dir, 'commit', '-q', '--allow-empty', '-m', `first commit of ${name}`);
  return dir;
}

const FIXED_NOW = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));

let root: string;
let tagged: string; // branch "release", tag v2.3.4-beta.1 on HEAD
let other: string; // branch "trunk", no tags
let nonSemverTag: string; // tags: v1.0.0 on first commit, "stable" on HEAD
let detached: string;
let empty: string; // git init, no commits
let notRepo: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lazyoci-vars-'));
  tagged = await makeRepo(root, 'tagged', 'release');
  git(tagged, 'tag', 'v2.3.4-beta.1');
  other = await makeRepo(root, 'other', 'trunk');
  nonSemverTag = await makeRepo(root, 'non-semver', 'main');
  git(nonSemverTag, 'tag', 'v1.0.0');
  git(nonSemverTag, 'commit', '-q', '--allow-empty', '-m', 'second');
  git(nonSemverTag, 'tag', '-a', 'stable', '-m', 'stable');
  detached = await makeRepo(root, 'detached', 'main');
  git(detached, 'checkout', '-q', '--detach');
  empty = join(root, 'empty');
  await mkdir(empty);
  git(empty, 'init', '-q');
  notRepo = join(root, 'plain');
  await mkdir(notRepo);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('resolveVariables: plain variables', () => {
  it('takes Tag from --tag, then LAZYOCI_TAG', async () => {
    const a = await resolveVariables({ dir: notRepo, tag: 'cli', env: { LAZYOCI_TAG: 'env' } });
    expect(a.values.Tag).toBe('cli');
    const b = await resolveVariables({ dir: notRepo, env: { LAZYOCI_TAG: 'env' } });
    expect(b.values.Tag).toBe('env');
    const c = await resolveVariables({ dir: notRepo, env: {} });
    expect(c.values.Tag).toBeUndefined();
    expect(c.missing.Tag).toBe('pass --tag or set LAZYOCI_TAG');
  });

  it('takes Registry from LAZYOCI_REGISTRY without a trailing slash', async () => {
    const a = await resolveVariables({ dir: notRepo, env: { LAZYOCI_REGISTRY: 'localhost:5000/team/' } });
    expect(a.values.Registry).toBe('localhost:5000/team');
    const b = await resolveVariables({ dir: notRepo, env: {} });
    expect(b.missing.Registry).toBe('LAZYOCI_REGISTRY is not set');
    expect(() => renderTemplate('{{ .Registry }}/app', b)).toThrow(
      '.Registry is not available: LAZYOCI_REGISTRY is not set',
    );
  });

  it('formats Timestamp as UTC YYYYMMDDHHmmss', async () => {
    const v = await resolveVariables({ dir: notRepo, env: {}, now: FIXED_NOW });
    expect(v.values.Timestamp).toBe('20240102030405');
    expect(formatTimestamp(new Date(Date.UTC(1999, 11, 31, 23, 59, 59)))).toBe('19991231235959');
    const now = await resolveVariables({ dir: notRepo, env: {} });
    expect(now.values.Timestamp).toMatch(/^\d{14}$/);
  });

  it('leaves ChartVersion missing until withChartVersion sets it', async () => {
    const v = await resolveVariables({ dir: notRepo, env: {} });
    expect(v.missing.ChartVersion).toBe('only available in helm artifacts');
    const helm = withChartVersion(v, '1.0.0+build.5+x');
    expect(helm.values.ChartVersion).toBe('1.0.0_build.5_x');
    expect(helm.missing.ChartVersion).toBeUndefined();
    // The input is not changed.
    expect(v.values.ChartVersion).toBeUndefined();
    expect(v.missing.ChartVersion).toBe('only available in helm artifacts');
  });

  it('accounts for every variable: each is a value or missing, never both', async () => {
    for (const dir of [tagged, notRepo]) {
      const v = await resolveVariables({ dir, env: {} });
      for (const name of VARIABLE_NAMES) {
        const inValues = v.values[name] !== undefined;
        const inMissing = v.missing[name] !== undefined;
        expect(inValues !== inMissing, `${name} in ${dir}`).toBe(true);
      }
    }
  });
});

describe('resolveVariables: semver family', () => {
  it('splits v1.2.3-rc.1 into its parts', async () => {
    const v = await resolveVariables({ dir: notRepo, env: { LAZYOCI_VERSION: 'v1.2.3-rc.1' } });
    expect(v.values).toMatchObject({
      Version: '1.2.3-rc.1',
      VersionMajor: '1',
      VersionMinor: '2',
      VersionPatch: '3',
      VersionPrerelease: 'rc.1',
      VersionMajorMinor: '1.2',
      VersionRaw: 'v1.2.3-rc.1',
    });
  });

  it('drops build metadata from Version but keeps it in VersionRaw', async () => {
    const v = await resolveVariables({ dir: notRepo, env: { LAZYOCI_VERSION: '3.0.1+sha.abc' } });
    expect(v.values.Version).toBe('3.0.1');
    expect(v.values.VersionRaw).toBe('3.0.1+sha.abc');
  });

  it('gives a release an empty VersionPrerelease that renders empty and tests false', async () => {
    const v = await resolveVariables({ dir: notRepo, env: { LAZYOCI_VERSION: '4.5.6' } });
    expect(v.values.VersionPrerelease).toBe('');
    expect(v.missing.VersionPrerelease).toBeUndefined();
    expect(renderTemplate('{{ .Version }}{{ .VersionPrerelease }}', v)).toBe('4.5.6');
    expect(renderTemplate('{{ if .VersionPrerelease }}pre{{ else }}rel{{ end }}', v)).toBe('rel');
  });

  it('prefers LAZYOCI_VERSION over a semver tag and the git tag', async () => {
    const v = await resolveVariables({ dir: tagged, tag: 'v9.9.9', env: { LAZYOCI_VERSION: '1.0.0' } });
    expect(v.values.Version).toBe('1.0.0');
  });

  it('prefers a semver --tag (or LAZYOCI_TAG) over the git tag', async () => {
    const a = await resolveVariables({ dir: tagged, tag: 'v9.8.7', env: {} });
    expect(a.values.VersionRaw).toBe('v9.8.7');
    expect(a.values.Version).toBe('9.8.7');
    const b = await resolveVariables({ dir: tagged, env: { LAZYOCI_TAG: '5.6.7' } });
    expect(b.values.Version).toBe('5.6.7');
  });

  it('falls through a non-semver tag to the nearest git tag', async () => {
    const v = await resolveVariables({ dir: tagged, tag: 'latest', env: {} });
    expect(v.values.Tag).toBe('latest');
    expect(v.values.VersionRaw).toBe('v2.3.4-beta.1');
    expect(v.values.VersionPrerelease).toBe('beta.1');
    expect(v.values.VersionMajorMinor).toBe('2.3');
  });

  it('does not fall through a LAZYOCI_VERSION that is not semver: .Version is its raw value, the parts are missing', async () => {
    const v = await resolveVariables({ dir: tagged, tag: '1.2.3', env: { LAZYOCI_VERSION: 'banana' } });
    expect(v.values.Version).toBe('banana');
    expect(v.values.VersionRaw).toBe('banana');
    for (const name of ['VersionMajor', 'VersionMinor', 'VersionPatch', 'VersionPrerelease', 'VersionMajorMinor'] as const) {
      expect(v.values[name]).toBeUndefined();
      expect(v.missing[name]).toBe('LAZYOCI_VERSION="banana" is not a semantic version');
    }
  });

  it('gives a non-semver --tag as .Version and .VersionRaw, as the Go lazyoci does; the parts stay an error', async () => {
    const v = await resolveVariables({ dir: other, tag: 'release-1', env: {} });
    expect(v.values.Version).toBe('release-1');
    expect(v.values.VersionRaw).toBe('release-1');
    expect(v.values.VersionMajor).toBeUndefined();
    expect(() => renderTemplate('{{ .VersionMajor }}', v)).toThrow(/--tag "release-1" is not a semantic version/);
    expect(renderTemplate('app-{{ .Version }}', v)).toBe('app-release-1');
  });

  it('rejects loose forms of a version', async () => {
    for (const bad of ['1.2', 'vv1.2.3', ' 1.2.3', '=1.2.3', 'V1.2.3', '01.2.3']) {
      const v = await resolveVariables({ dir: notRepo, env: { LAZYOCI_VERSION: bad } });
      expect(v.values.VersionMajor, bad).toBeUndefined();
      expect(v.values.Version, bad).toBe(bad);
    }
  });

  it('reports no version when there is no source at all', async () => {
    const v = await resolveVariables({ dir: other, env: {} });
    expect(v.missing.Version).toBe(
      'no version: set LAZYOCI_VERSION, pass a semver --tag, or tag the git repository',
    );
    expect(() => renderTemplate('<< .Version >>', v)).toThrow(/^\.Version is not available: no version/);
  });

  it('uses the nearest git tag for the parts only when it is semver', async () => {
    const v = await resolveVariables({ dir: nonSemverTag, env: {} });
    expect(v.values.VersionMajor).toBeUndefined();
    expect(v.missing.VersionMajor).toMatch(/^the nearest git tag ".+" is not a semantic version$/);
    expect(v.values.Version).toBe('stable');
    expect(v.values.VersionRaw).toBe('stable');
  });
});

describe('resolveVariables: git facts', () => {
  it('runs git only for the git facts the file can use', async () => {
    const path = process.env.PATH;
    // With no git to be found, any git run would show up as "git is not installed".
    process.env.PATH = '';
    try {
      const none = await resolveVariables({ dir: tagged, env: {}, uses: (name) => name === 'Tag' || name === 'Version', tag: 'v1.0.0' });
      expect(none.missing.GitSHA).toBe('not used by this file');
      expect(none.missing.GitBranch).toBe('not used by this file');
      expect(none.values.Version).toBe('1.0.0'); // a semver --tag: the git tag is not asked for
      const sha = await resolveVariables({ dir: tagged, env: {}, uses: (name) => name === 'GitSHA' });
      expect(sha.missing.GitSHA).toBe('git is not installed (no git on PATH)');
      expect(sha.missing.GitBranch).toBe('not used by this file');
    } finally {
      process.env.PATH = path;
    }
    const used = await resolveVariables({ dir: tagged, env: {}, uses: (name) => name === 'GitBranch' || name === 'VersionMajor' });
    expect(used.values.GitBranch).toBe('release');
    expect(used.values.VersionMajor).toBe('2'); // from the nearest git tag
    expect(used.missing.GitSHA).toBe('not used by this file');
  });

  it('reads GitSHA and GitBranch from the repository holding dir, not the cwd', async () => {
    const cwd = process.cwd();
    process.chdir(other);
    try {
      const v = await resolveVariables({ dir: tagged, env: {} });
      expect(v.values.GitSHA).toBe(git(tagged, 'rev-parse', '--short', 'HEAD'));
      expect(v.values.GitSHA).not.toBe(git(other, 'rev-parse', '--short', 'HEAD'));
      expect(v.values.GitBranch).toBe('release');
      expect(v.values.Version).toBe('2.3.4-beta.1');
    } finally {
      process.chdir(cwd);
    }
  });

  it('finds the repository from a subdirectory', async () => {
    const sub = join(other, 'deep', 'er');
    await mkdir(sub, { recursive: true });
    const v = await resolveVariables({ dir: sub, env: {} });
    expect(v.values.GitBranch).toBe('trunk');
    expect(v.values.GitSHA).toMatch(/^[0-9a-f]{7,}$/);
  });

  it('reports a detached HEAD as a missing branch but keeps the SHA', async () => {
    const v = await resolveVariables({ dir: detached, env: {} });
    expect(v.values.GitSHA).toMatch(/^[0-9a-f]{7,}$/);
    expect(v.values.GitBranch).toBeUndefined();
    expect(v.missing.GitBranch).toBe('HEAD is detached');
    expect(renderTemplate('{{ if .GitBranch }}{{ .GitBranch }}{{ else }}detached{{ end }}', v)).toBe('detached');
  });

  it('reports a directory outside any repository', async () => {
    const v = await resolveVariables({ dir: notRepo, env: {} });
    expect(v.missing.GitSHA).toBe(`${notRepo} is not in a git repository`);
    expect(v.missing.GitBranch).toBe(`${notRepo} is not in a git repository`);
    expect(() => renderTemplate('app:{{ .GitSHA }}', v)).toThrow(`.GitSHA is not available: ${notRepo} is not`);
  });

  it('reports a repository with no commits', async () => {
    const v = await resolveVariables({ dir: empty, env: {} });
    expect(v.missing.GitSHA).toBe('the repository has no commits');
    expect(v.missing.GitBranch).toBe('the repository has no commits');
  });

  it('reports a directory that does not exist', async () => {
    const gone = join(root, 'gone');
    const v = await resolveVariables({ dir: gone, env: { LAZYOCI_TAG: 'x' } });
    expect(v.missing.GitSHA).toBe(`${gone} does not exist`);
    expect(v.values.Tag).toBe('x');
  });

  it('ignores GIT_DIR and unsafe variables inherited from a git hook', async () => {
    const saved = { GIT_DIR: process.env.GIT_DIR, PAGER: process.env.PAGER };
    process.env.GIT_DIR = join(other, '.git');
    process.env.PAGER = 'less';
    try {
      const v = await resolveVariables({ dir: tagged, env: {} });
      expect(v.values.GitBranch).toBe('release');
    } finally {
      for (const [k, val] of Object.entries(saved)) {
        if (val === undefined) delete process.env[k];
        else process.env[k] = val;
      }
    }
  });

  it('reports a missing git binary', async () => {
    const path = process.env.PATH;
    process.env.PATH = join(root, 'no-bin-here');
    try {
      const v = await resolveVariables({ dir: tagged, env: {} });
      expect(v.missing.GitSHA).toMatch(/git is not installed/);
      expect(v.missing.GitBranch).toMatch(/git is not installed/);
    } finally {
      process.env.PATH = path;
    }
  });
});
