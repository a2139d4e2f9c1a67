// Builder selection against a fake PATH holding small shell scripts in place of docker and buildah.
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BuildError } from '../errors/index.js';
import { findOnPath, selectBuilder } from './select-builder.js';

let dir: string;
let bin: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lazyoci-select-test-'));
  bin = join(dir, 'bin');
  await mkdir(bin);
  // Only the fake dir: nothing from the real machine can be picked up.
  env = { PATH: bin };
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function script(name: string, body: string): Promise<void> {
  await writeFile(join(bin, name), `#!/bin/sh\n${body}\n`);
  await chmod(join(bin, name), 0o755);
}

/** A docker whose `buildx version` and `info` behave as asked. */
async function fakeDocker(opts: { buildx: boolean; info: 'ok' | 'fail' | 'hang' }): Promise<void> {
  const info = {
    ok: 'echo "Server Version: 28.0.0"; exit 0',
    fail: 'echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock" >&2; exit 1',
    hang: 'exec /bin/sleep 30',
  }[opts.info];
  await script(
    'docker',
    [
      `echo "$*" >> "${join(dir, 'docker-calls')}"`,
      'if [ "$1" = buildx ] && [ "$2" = version ]; then',
      opts.buildx ? '  echo "github.com/docker/buildx v0.20.0"; exit 0' : '  echo "docker: unknown command: docker buildx" >&2; exit 1',
      'fi',
      `if [ "$1" = info ]; then ${info}; fi`,
      'exit 2',
    ].join('\n'),
  );
}

async function dockerCalls(): Promise<string[]> {
  const text = await readFile(join(dir, 'docker-calls'), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '');
}

describe('selectBuilder', () => {
  it('auto with neither tool: a BuildError listing what was looked for and how to install it', async () => {
    const err = await selectBuilder('auto', env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    const msg = (err as BuildError).message;
    expect(msg).toContain('no image builder found');
    expect(msg).toContain('docker buildx');
    expect(msg).toContain('docker is not on PATH');
    expect(msg).toContain('buildah (not on PATH)');
    expect(msg).toContain('apt-get install buildah');
    expect((err as BuildError).exitCode).toBe(1);
  });

  it('auto picks buildah when it is on PATH and docker is not', async () => {
    await script('buildah', 'exit 0');
    const builder = await selectBuilder('auto', env);
    expect(builder.name).toBe('buildah');
  });

  it('auto picks buildx when docker has buildx and a daemon answers', async () => {
    await fakeDocker({ buildx: true, info: 'ok' });
    await script('buildah', 'exit 0');
    const builder = await selectBuilder('auto', env);
    expect(builder.name).toBe('buildx');
    expect(await dockerCalls()).toEqual(['buildx version', 'info']);
  });

  it('auto falls back to buildah when the docker client has no daemon', async () => {
    await fakeDocker({ buildx: true, info: 'fail' });
    await script('buildah', 'exit 0');
    expect((await selectBuilder('auto', env)).name).toBe('buildah');
  });

  it('auto falls back to buildah when docker has no buildx plugin, without asking the daemon', async () => {
    await fakeDocker({ buildx: false, info: 'ok' });
    await script('buildah', 'exit 0');
    expect((await selectBuilder('auto', env)).name).toBe('buildah');
    expect(await dockerCalls()).toEqual(['buildx version']);
  });

  it('auto gives up on a daemon that does not answer in time', async () => {
    await fakeDocker({ buildx: true, info: 'hang' });
    await script('buildah', 'exit 0');
    const started = Date.now();
    const builder = await selectBuilder('auto', env, { dockerTimeoutMs: 300 });
    expect(builder.name).toBe('buildah');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('auto without either, docker present but daemonless: the error carries docker\'s reason', async () => {
    await fakeDocker({ buildx: true, info: 'fail' });
    const err = await selectBuilder('auto', env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as BuildError).message).toContain('Cannot connect to the Docker daemon');
  });

  it('builder: buildx without docker is an error naming docker buildx', async () => {
    await script('buildah', 'exit 0');
    const err = await selectBuilder('buildx', env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as BuildError).message).toContain('builder "buildx" was asked for, but docker buildx cannot be used');
    expect((err as BuildError).message).toContain('docker is not on PATH');
  });

  it('builder: buildx with a docker that lacks the plugin names the plugin', async () => {
    await fakeDocker({ buildx: false, info: 'ok' });
    const err = await selectBuilder('buildx', env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as BuildError).message).toContain('docker buildx is not available (docker: unknown command: docker buildx)');
  });

  it('builder: buildx does not need the daemon to be asked', async () => {
    await fakeDocker({ buildx: true, info: 'fail' });
    expect((await selectBuilder('buildx', env)).name).toBe('buildx');
  });

  it('builder: buildah without buildah is an error naming buildah', async () => {
    await fakeDocker({ buildx: true, info: 'ok' });
    const err = await selectBuilder('buildah', env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as BuildError).message).toContain('builder "buildah" was asked for, but buildah is not on PATH');
    expect((err as BuildError).message).toContain('apt-get install buildah');
  });

  it('the chosen buildah is the one found on PATH, run with the given env', async () => {
    await script('buildah', `echo "fake buildah ran with $*" >&2; echo "MARK=$LAZYOCI_TEST_MARK" >&2; exit 3`);
    const builder = await selectBuilder('buildah', { ...env, LAZYOCI_TEST_MARK: 'yes', XDG_CACHE_HOME: join(dir, 'cache') }, { tmpDir: dir });
    const err = await builder
      .build({ dockerfile: join(dir, 'Dockerfile'), context: dir, platforms: [], buildArgs: {}, tag: 'localhost/x:y' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    const message = (err as BuildError).message;
    expect(message).toContain('buildah build exited with code 3: MARK=yes (full output: ');
    const log = /\(full output: (.+)\)$/.exec(message)![1]!;
    expect(await readFile(log, 'utf8')).toMatch(/^fake buildah ran with --root .*\nMARK=yes\n$/);
  });
});

describe('findOnPath', () => {
  it('finds executable files only, skipping relative and empty PATH entries', async () => {
    await writeFile(join(bin, 'not-exec'), 'x');
    await mkdir(join(bin, 'a-dir'));
    await script('tool', 'exit 0');
    const p = { PATH: ['', 'relative/bin', join(dir, 'missing'), bin].join(':') };
    expect(await findOnPath('tool', p)).toBe(join(bin, 'tool'));
    expect(await findOnPath('not-exec', p)).toBeUndefined();
    expect(await findOnPath('a-dir', p)).toBeUndefined();
    expect(await findOnPath('tool', {})).toBeUndefined();
  });
});
