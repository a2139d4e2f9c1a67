import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listKnownRegistries } from './known-registries.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('listKnownRegistries', () => {
  it('lists the command-line registry, saved ones, docker config and Helm registry config entries, once each, names only', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-known-'));
    await mkdir(path.join(dir, 'docker'));
    await writeFile(
      path.join(dir, 'docker', 'config.json'),
      JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: 'eDp5' }, 'ghcr.io': { auth: 'eDp5' } }, credHelpers: { 'quay.io': 'x' } }),
    );
    await writeFile(path.join(dir, 'helm.json'), JSON.stringify({ auths: { 'ghcr.io/org': { auth: 'eDp5' }, 'charts.example.com': { auth: 'eDp5' } } }));
    const env = { HOME: dir, DOCKER_CONFIG: path.join(dir, 'docker'), HELM_REGISTRY_CONFIG: path.join(dir, 'helm.json') };
    const found = await listKnownRegistries(env, { registries: [{ name: 'localhost:5000/team', label: 'dev', password: 'secret' }] }, '127.0.0.1:5000');
    expect(found).toEqual([
      { name: '127.0.0.1:5000', sources: ['command line'] },
      { name: 'localhost:5000', sources: ['saved'], label: 'dev' },
      { name: 'docker.io', sources: ['docker config'] },
      { name: 'ghcr.io', sources: ['docker config', 'helm config'] },
      { name: 'quay.io', sources: ['docker config'] },
      { name: 'charts.example.com', sources: ['helm config'] },
    ]);
    expect(JSON.stringify(found)).not.toContain('secret');
  });

  it('still answers when a config file cannot be read', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-known-'));
    await writeFile(path.join(dir, 'config.json'), '{not json');
    expect(await listKnownRegistries({ HOME: dir, DOCKER_CONFIG: dir, HELM_REGISTRY_CONFIG: path.join(dir, 'none.json') }, { registries: [] })).toEqual([]);
  });
});
