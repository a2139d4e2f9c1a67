// End to end through the built CLI against the real registries: every credential
// source, TLS trust choices, a failing target beside a good one, and -q / -o yaml.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { explain, runCli, type CliResult } from './support/cli.js';
import { freePort, type RegistryInfo } from './support/registry.js';
import { inspectRaw, listTags, type SkopeoOptions } from './support/skopeo.js';

const registries = inject('registries');

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.allSettled(cleanups.splice(0).map((c) => c()));
});

interface TargetOut {
  reference: string;
  digest: string;
  pushed: boolean;
  error?: string;
}
interface ArtifactOut {
  name: string;
  type: string;
  targets: TargetOut[];
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A unique repository path, so tests never see each other's pushes. */
function repo(label: string): string {
  return `lazyoci-e2e/${label}-${randomBytes(4).toString('hex')}`;
}

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A project with one small artifact (random content) pushed to each `registries` entry as tag v1.0.0. */
async function project(registryFields: string[]): Promise<string> {
  const dir = await tempDir('lazyoci-auth-tls-');
  await writeFile(path.join(dir, 'payload.txt'), `payload ${randomBytes(8).toString('hex')}\n`);
  const lines = [
    'version: 1',
    'artifacts:',
    '  - type: artifact',
    '    name: payload',
    '    mediaType: application/vnd.lazyoci.test.payload.v1',
    '    files:',
    '      - path: payload.txt',
    '        mediaType: text/plain',
    '    targets:',
    ...registryFields.flatMap((r) => [`      - registry: ${JSON.stringify(r)}`, '        tags: ["{{ .Tag }}"]']),
  ];
  await writeFile(path.join(dir, '.lazy'), lines.join('\n') + '\n');
  return dir;
}

function build(dir: string, globalArgs: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli([...globalArgs, 'build', '--tag', 'v1.0.0'], { cwd: dir, env });
}

function parseJsonResult(res: CliResult): ArtifactOut[] {
  try {
    return JSON.parse(res.stdout) as ArtifactOut[];
  } catch {
    throw new Error(`stdout is not JSON (exit ${res.code})\nstdout:\n${res.stdout}\nstderr:\n${res.stderr}`);
  }
}

function skopeoFor(reg: RegistryInfo): SkopeoOptions {
  const opts: SkopeoOptions = { tls: reg.mode === 'https' ? 'verify' : 'skip' };
  if (reg.caFile) opts.certDir = path.dirname(reg.caFile);
  if (reg.username && reg.password) opts.creds = `${reg.username}:${reg.password}`;
  return opts;
}

/** Exit 0, one pushed reference, and the registry serves a manifest whose sha256 is that digest. */
async function expectPushed(res: CliResult, reg: RegistryInfo, repository: string): Promise<void> {
  expect(res.code, explain(res)).toBe(0);
  const results = parseJsonResult(res);
  expect(results).toHaveLength(1);
  const target = results[0]!.targets[0]!;
  expect(results[0]!.targets).toHaveLength(1);
  expect(target).toMatchObject({ reference: `${reg.host}/${repository}:v1.0.0`, pushed: true });
  expect(target.error).toBeUndefined();
  expect(target.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  const raw = await inspectRaw(`${reg.host}/${repository}:v1.0.0`, skopeoFor(reg));
  expect(sha256(raw)).toBe(target.digest);
}

function expectNoStack(res: CliResult): void {
  expect(res.stderr).not.toMatch(/^\s+at /m);
  expect(res.stderr).not.toMatch(/internal error/i);
}

describe('auth registry: credential sources', () => {
  const reg = registries.auth;
  const user = reg.username!;
  const pass = reg.password!;
  const secrets = [pass, Buffer.from(`${user}:${pass}`).toString('base64'), Buffer.from(pass).toString('base64')];

  /** Credentials must never be echoed, whatever the outcome. */
  function expectNoLeak(res: CliResult, extra: string[] = []): void {
    for (const secret of [...secrets, ...extra]) {
      expect(res.stdout.includes(secret), `stdout leaks a secret\n${explain(res)}`).toBe(false);
      expect(res.stderr.includes(secret), `stderr leaks a secret\n${explain(res)}`).toBe(false);
    }
  }

  it('(a) --username/--password flags', async () => {
    const repository = repo('auth-flags');
    const dir = await project([`${reg.host}/${repository}`]);
    const res = await build(dir, ['-o', 'json', '--username', user, '--password', pass]);
    expectNoLeak(res);
    await expectPushed(res, reg, repository);
  });

  it('(b) LAZYOCI_USERNAME/LAZYOCI_PASSWORD', async () => {
    const repository = repo('auth-env');
    const dir = await project([`${reg.host}/${repository}`]);
    const res = await build(dir, ['-o', 'json'], { LAZYOCI_USERNAME: user, LAZYOCI_PASSWORD: pass });
    expectNoLeak(res);
    await expectPushed(res, reg, repository);
  });

  it('(c) DOCKER_CONFIG config.json auths', async () => {
    const repository = repo('auth-docker');
    const dir = await project([`${reg.host}/${repository}`]);
    const dockerConfig = await tempDir('lazyoci-docker-config-');
    await writeFile(
      path.join(dockerConfig, 'config.json'),
      JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from(`${user}:${pass}`).toString('base64') } } }),
    );
    const res = await build(dir, ['-o', 'json'], { DOCKER_CONFIG: dockerConfig });
    expectNoLeak(res);
    await expectPushed(res, reg, repository);
  });

  it('(d) no credentials: exit 1, an authentication message and a hint about credentials', async () => {
    const repository = repo('auth-none');
    const dir = await project([`${reg.host}/${repository}`]);
    const res = await build(dir, []);
    expectNoLeak(res);
    expect(res.code, explain(res)).toBe(1);
    expect(res.stderr).toMatch(/401|unauthori[sz]ed|authenticat/i);
    expect(res.stderr).toMatch(/--username|LAZYOCI_USERNAME|docker login|credentials/);
    expectNoStack(res);
    await expect(listTags(`${reg.host}/${repository}`, skopeoFor(reg))).rejects.toThrow();
  });

  it('(e) wrong password: exit 1, neither password printed', async () => {
    const repository = repo('auth-wrong');
    const dir = await project([`${reg.host}/${repository}`]);
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const res = await build(dir, ['-o', 'json', '--username', user, '--password', wrong]);
    expectNoLeak(res, [wrong, Buffer.from(`${user}:${wrong}`).toString('base64')]);
    expect(res.code, explain(res)).toBe(1);
    const target = parseJsonResult(res)[0]!.targets[0]!;
    expect(target.pushed).toBe(false);
    expect(target.error).toMatch(/401|unauthori[sz]ed|authenticat/i);
    expectNoStack(res);
  });
});

describe('https registry with a self-signed certificate', () => {
  const reg = registries.https;

  it('without --ca-file or --insecure: exit 1, one line naming the certificate, a hint', async () => {
    const repository = repo('tls-untrusted');
    const dir = await project([`${reg.host}/${repository}`]);
    const res = await build(dir, []);
    expect(res.code, explain(res)).toBe(1);
    const certLines = res.stderr.split('\n').filter((l) => /certificate/i.test(l));
    expect(certLines, explain(res)).toHaveLength(1);
    expect(res.stderr).toMatch(/--ca-file/);
    expect(res.stderr).toMatch(/--insecure/);
    expectNoStack(res);
  });

  it('with --ca-file: exit 0 and skopeo reads it back', async () => {
    const repository = repo('tls-ca');
    const dir = await project([`${reg.host}/${repository}`]);
    const res = await build(dir, ['-o', 'json', '--ca-file', reg.caFile!]);
    await expectPushed(res, reg, repository);
  });

  it('with --insecure: exit 0 and skopeo reads it back', async () => {
    const repository = repo('tls-insecure');
    const dir = await project([`${reg.host}/${repository}`]);
    const res = await build(dir, ['-o', 'json', '--insecure']);
    await expectPushed(res, reg, repository);
  });
});

describe('a failing target does not stop the others', () => {
  it('closed port first, http registry second: exit 1, both reported', async () => {
    const reg = registries.http;
    const closed = `127.0.0.1:${await freePort()}`;
    const repository = repo('second-target');
    const dir = await project([`${closed}/lazyoci-e2e/nowhere`, `${reg.host}/${repository}`]);
    const res = await build(dir, ['-o', 'json']);
    expect(res.code, explain(res)).toBe(1);
    expectNoStack(res);
    const [artifact] = parseJsonResult(res);
    expect(artifact!.targets).toHaveLength(2);
    const [first, second] = artifact!.targets;
    expect(first).toMatchObject({ reference: `${closed}/lazyoci-e2e/nowhere:v1.0.0`, pushed: false });
    expect(typeof first!.error).toBe('string');
    expect(first!.error!.length).toBeGreaterThan(0);
    expect(second).toMatchObject({ reference: `${reg.host}/${repository}:v1.0.0`, pushed: true });
    expect(second!.error).toBeUndefined();
    const raw = await inspectRaw(`${reg.host}/${repository}:v1.0.0`, { tls: 'skip' });
    expect(sha256(raw)).toBe(second!.digest);
    // a refused connection is not worth a long retry loop
  });
});

describe('output modes', () => {
  it('-q prints nothing on stdout in text mode on success', async () => {
    const reg = registries.http;
    const repository = repo('quiet');
    const dir = await project([`${reg.host}/${repository}`]);
    const res = await build(dir, ['-q']);
    expect(res.code, explain(res)).toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe('');
    expect(await listTags(`${reg.host}/${repository}`, { tls: 'skip' })).toEqual(['v1.0.0']);
  });

  it('-o yaml parses to the same shape as -o json', async () => {
    const reg = registries.http;
    const repository = repo('yaml');
    const dir = await project([`${reg.host}/${repository}`]);
    // Pushed once first, so both runs below find everything there: packaging is
    // deterministic, so they report the same result, blob counts included.
    expect((await build(dir, ['-q'])).code).toBe(0);
    const asJson = await build(dir, ['-o', 'json']);
    expect(asJson.code, explain(asJson)).toBe(0);
    const asYaml = await build(dir, ['-o', 'yaml']);
    expect(asYaml.code, explain(asYaml)).toBe(0);
    const fromYaml = parseYaml(asYaml.stdout) as unknown;
    const fromJson = parseJsonResult(asJson);
    expect(fromYaml).toEqual(fromJson);
    expect(fromJson[0]).toMatchObject({ name: 'payload', type: 'artifact' });
    expect(fromJson[0]!.targets[0]).toMatchObject({ reference: `${reg.host}/${repository}:v1.0.0`, pushed: true, uploaded: 0, mounted: 0, skipped: 2 });
  });
});
