// `.Version` from a version source that is not semver (issue 12 §5): the raw value, as the
// Go lazyoci gives it, pushed as a tag to the real registry; the semver parts stay errors.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from './support/cli.js';
import { listTags } from './support/skopeo.js';

const http = inject('registries').http;

describe('.Version of a non-semver --tag', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-rawver-'));
    await writeFile(path.join(dir, 'a.txt'), 'a\n');
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const lazy = (repo: string, tag: string): string =>
    `version: 1\nartifacts:\n  - type: artifact\n    files: [{ path: a.txt }]\n    targets: [{ registry: "${http.host}/${repo}", tags: ["${tag}"] }]\n`;

  it('pushes --tag release-1 as {{ .Version }} and {{ .VersionRaw }}', async () => {
    const repo = `rawver/${Math.random().toString(36).slice(2, 8)}`;
    await writeFile(path.join(dir, '.lazy'), lazy(repo, 'v-{{ .Version }}-{{ .VersionRaw }}'));
    const res = await runCli(['build', '--tag', 'release-1'], { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    expect(await listTags(`${http.host}/${repo}`, { tls: 'skip' })).toEqual(['v-release-1-release-1']);
  });

  it('refuses {{ .VersionMajor }} of it with a located error naming the source, sending nothing', async () => {
    const repo = `rawver/${Math.random().toString(36).slice(2, 8)}`;
    await writeFile(path.join(dir, '.lazy'), lazy(repo, '{{ .VersionMajor }}'));
    const res = await runCli(['build', '--tag', 'release-1'], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/\.lazy:5:\d+: .*\.VersionMajor.*--tag "release-1" is not a semantic version/);
    await expect(listTags(`${http.host}/${repo}`, { tls: 'skip' })).rejects.toThrow();
  });
});
