import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inspectLazyFile } from '../config/index.js';
import { ConfigError, UsageError } from '../errors/index.js';
import type { TemplateVariables } from '../template/index.js';
import { planBuild } from './plan.js';

const vars: TemplateVariables = {
  values: { Tag: 'v1.2.3', Version: '1.2.3', VersionMajor: '1', Registry: 'reg.example.com/team' },
  missing: { GitSHA: 'not in a git repository', ChartVersion: 'only available in helm artifacts' },
};

describe('planBuild', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazyoci-plan-'));
    await writeFile(join(dir, 'a.txt'), 'a');
    await mkdir(join(dir, 'chart'));
    await writeFile(join(dir, 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: c\nversion: 1.0.0+build.7\n');
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  async function plan(lazy: string, selector?: string) {
    await writeFile(join(dir, '.lazy'), lazy);
    return planBuild(await inspectLazyFile(join(dir, '.lazy'), { cwd: dir }), vars, selector === undefined ? {} : { selector });
  }

  async function problems(lazy: string): Promise<string[]> {
    const err = await plan(lazy).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.line}:${p.col} ${p.message}`);
  }

  it('renders references, tags and annotations, and helm chart versions with + as _', async () => {
    const p = await plan(`version: 1
artifacts:
  - type: artifact
    annotations: { v: "{{ .Version }}" }
    files: [{ path: a.txt }]
    targets:
      - registry: "{{ .Registry }}/app"
        tags: ["{{ .Tag }}", "v{{ .VersionMajor }}", "{{ if .GitSHA }}{{ .GitSHA }}{{ else }}nogit{{ end }}"]
  - type: helm
    chartPath: chart
    targets: [{ registry: "docker.io/me/chart", tags: ["{{ .ChartVersion }}"] }]
`);
    expect(p.artifacts.map((a) => a.name)).toEqual(['app', 'chart']);
    expect(p.artifacts[0]!.annotations).toEqual({ v: '1.2.3' });
    expect(p.artifacts[0]!.targets[0]).toMatchObject({ kind: 'registry', display: 'reg.example.com/team/app', tags: ['v1.2.3', 'v1', 'nogit'] });
    expect(p.artifacts[1]!.targets[0]).toMatchObject({ display: 'docker.io/me/chart', tags: ['1.0.0_build.7'] });
  });

  it('reports schema, path and template problems of every artifact together', async () => {
    expect(
      await problems(`version: 1
artifacts:
  - type: artifact
    files: [{ path: ../escape.txt }]
    targets:
      - registry: "{{ .Registry }}/Bad"
        tags: ["{{ .GitSHA }}", "a+b", "x", "x", "{{ if .GitSHA }}{{ end }}"]
  - type: artifact
    files: [{ path: a.txt }]
    targets:
      - registry: "oci-layout:../out"
        tags: ["{{ .Nope }}"]
`),
    ).toEqual([
      expect.stringMatching(/^4:21 artifacts\[0\]\.files\[0\]\.path: path "\.\.\/escape\.txt" leaves the project/),
      '6:19 artifacts[0].targets[0].registry: invalid reference "reg.example.com/team/Bad": repository component "Bad" must be lowercase',
      '7:16 artifacts[0].targets[0].tags[0]: .GitSHA is not available: not in a git repository',
      expect.stringMatching(/^7:33 artifacts\[0\]\.targets\[0\]\.tags\[1\]: "a\+b" is not a valid OCI tag/),
      '7:45 artifacts[0].targets[0].tags[3]: tag "x" is listed twice',
      '7:50 artifacts[0].targets[0].tags[4]: "{{ if .GitSHA }}{{ end }}" renders an empty tag',
      '11:19 artifacts[1].targets[0].registry: layout path "../out" leaves the project directory',
      expect.stringMatching(/^12:16 artifacts\[1\]\.targets\[0\]\.tags\[0\]: unknown template variable \.Nope/),
    ]);
  });

  it('selects by name, then type, then the artifact index', async () => {
    const lazy = `version: 1
artifacts:
  - { type: artifact, name: helm, files: [{ path: a.txt }], targets: [{ registry: r.io/a, tags: [t] }] }
  - { type: helm, name: second, chartPath: chart, targets: [{ registry: r.io/b, tags: [t] }] }
`;
    expect((await plan(lazy, 'helm')).artifacts.map((a) => a.name)).toEqual(['helm']);
    expect((await plan(lazy, 'second')).artifacts.map((a) => a.name)).toEqual(['second']);
    expect((await plan(lazy, '1')).artifacts.map((a) => a.name)).toEqual(['second']);
    await expect(plan(lazy, 'image')).rejects.toBeInstanceOf(UsageError);
    await expect(plan(lazy, '2')).rejects.toThrow(/no artifact matches --artifact 2 \(artifacts: helm, second\)/);
  });

  it('renders image build args and lets --platform replace the file\'s platforms', async () => {
    await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
    await writeFile(
      join(dir, '.lazy'),
      `version: 1
artifacts:
  - type: image
    platforms: [linux/amd64]
    buildArgs: { VERSION: "{{ .Version }}", PLAIN: x }
    targets: [{ registry: r.io/a, tags: [t] }]
`,
    );
    const inspected = await inspectLazyFile(join(dir, '.lazy'), { cwd: dir });
    const fromFile = await planBuild(inspected, vars);
    expect(fromFile.artifacts[0]).toMatchObject({ type: 'image', buildArgs: { VERSION: '1.2.3', PLAIN: 'x' }, platforms: ['linux/amd64'] });
    const overridden = await planBuild(inspected, vars, { platforms: ['linux/arm64', 'linux/s390x'] });
    expect(overridden.artifacts[0]!.platforms).toEqual(['linux/arm64', 'linux/s390x']);
  });

  describe('subject', () => {
    const lazy = (sbomSubject: string, extra = '') => `version: 1
artifacts:
  - type: artifact
    name: sbom
    subject: ${sbomSubject}
    files: [{path: a.txt}]
  - type: artifact
    name: app
    files: [{path: a.txt}]
    targets:
      - registry: reg.example.com/app
        tags: [v1, latest]
${extra}`;

    it('orders a referrer after its subject and gives it the subject\'s targets without tags', async () => {
      const p = await plan(lazy('app'));
      expect(p.artifacts.map((a) => a.name)).toEqual(['app', 'sbom']);
      const sbom = p.artifacts[1]!;
      expect(sbom.subject).toBe('app');
      expect(sbom.targets).toEqual([expect.objectContaining({ kind: 'registry', display: 'reg.example.com/app', tags: [] })]);
    });

    it('brings the subject along when only the referrer is selected', async () => {
      const p = await plan(lazy('app'), 'sbom');
      expect(p.artifacts.map((a) => a.name)).toEqual(['app', 'sbom']);
    });

    it('locates an unknown subject name', async () => {
      expect(await problems(lazy('nope'))).toEqual(['5:14 artifacts[0].subject: no artifact named "nope" in this file (names: sbom, app)']);
    });

    it('refuses a cycle once, at the subject field', async () => {
      const cyc = `version: 1
artifacts:
  - type: artifact
    name: a
    subject: b
    files: [{path: a.txt}]
  - type: artifact
    name: b
    subject: a
    files: [{path: a.txt}]
`;
      expect(await problems(cyc)).toEqual(['5:14 artifacts[0].subject: subjects form a cycle (a → b → a)']);
    });

    it('refuses targets on an artifact with a subject', async () => {
      const withTargets = lazy('app').replace('    subject: app\n', '    subject: app\n    targets: [{registry: reg.example.com/x, tags: [t]}]\n');
      const found = await problems(withTargets);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(/artifacts\[0\]\.targets: an artifact with a subject is pushed to its subject's targets/);
    });
  });
});
