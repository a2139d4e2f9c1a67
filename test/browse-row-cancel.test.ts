// The browser's tag rows load lazily, for the rows on screen only, at most 4 requests at
// once (src/ops/browse/row-loader.ts). A row scrolled away while its request runs has
// that request aborted — the connection to the registry is closed, not merely the
// answer ignored. Checked against the real registry through the fault proxy, which
// holds the manifest requests until the test lets them go and sees the client close them.
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRegistryServices } from '../src/ops/browse/registry-services.js';
import { RowLoader } from '../src/ops/browse/row-loader.js';
import type { TagSummary } from '../src/ops/browse/tag-summary.js';
import { RegistryClient } from '../src/registry/client/registry-client.js';
import { CLI_PATH, runCli } from './support/cli.js';
import { eventually, hold, startFaultProxy, type FaultProxy } from './support/fault-proxy.js';
import { TmuxTerminal } from './support/tmux.js';

const { http } = inject('registries');
const prefix = `row-cancel-${randomBytes(3).toString('hex')}`;
const TAGS = Array.from({ length: 40 }, (_, i) => `t${String(i).padStart(2, '0')}`);

let work: string;
let env: NodeJS.ProcessEnv;
let proxy: FaultProxy;

/** Tags written as distribution stores them, all pointing at the pushed manifest. */
async function writeTags(repoDir: string, digest: string, tags: string[]): Promise<void> {
  const hex = digest.replace(/^sha256:/, '');
  for (const tag of tags) {
    const dir = path.join(repoDir, '_manifests', 'tags', tag);
    await mkdir(path.join(dir, 'current'), { recursive: true });
    await mkdir(path.join(dir, 'index', 'sha256', hex), { recursive: true });
    await writeFile(path.join(dir, 'current', 'link'), digest);
    await writeFile(path.join(dir, 'index', 'sha256', hex, 'link'), digest);
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-row-cancel-'));
  env = { HOME: work, XDG_CONFIG_HOME: path.join(work, 'config'), DOCKER_CONFIG: path.join(work, 'docker'), PATH: process.env.PATH };
  await writeFile(path.join(work, 'notes.txt'), 'rows\n');
  const pushed = await runCli(['push', 'notes.txt', `${http.host}/${prefix}/one:v1`, '-q'], { cwd: work });
  expect(pushed.code, pushed.stderr).toBe(0);
  const manifest = await runCli(['browse', 'manifest', `${http.host}/${prefix}/one:v1`, '-o', 'json']);
  const digest = (JSON.parse(manifest.stdout) as { digest: string }).digest;
  const repos = path.join(http.storageDir, 'docker', 'registry', 'v2', 'repositories');
  await cp(path.join(repos, prefix, 'one'), path.join(repos, prefix, 'rows'), { recursive: true });
  await writeTags(path.join(repos, prefix, 'rows'), digest, TAGS);
  proxy = await startFaultProxy(http.url);
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('tag rows scrolled away', () => {
  it('abort their running manifest requests (the client closes them), start the rows now on screen, and keep answers for the session', async () => {
    const services = createRegistryServices({
      client: () => RegistryClient.create({ env, userAgent: 'lazyoci-test', retry: { baseMs: 10 } }),
      openClient: () => Promise.reject(new Error('not used')),
      env,
      cwd: work,
      settings: { registries: [] },
    });
    const manifestGets = (p: string): boolean => p.startsWith(`/v2/${prefix}/rows/manifests/`);
    const gate = hold((req) => req.method === 'GET' && manifestGets(req.path));
    proxy.setRule(gate.rule);
    const loader = new RowLoader<TagSummary>({
      load: (tag, signal) => services.summary(proxy.host, `${prefix}/rows`, tag, signal),
      describeError: (err) => String(err),
    });
    try {
      const tagOf = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
      // The first screen: 8 rows, 4 requests at once, all held by the "registry".
      loader.show(TAGS.slice(0, 8));
      await eventually(() => gate.held.length === 4, 'four manifest requests reach the registry');
      expect(gate.held.map((r) => tagOf(r.path))).toEqual(TAGS.slice(0, 4));

      // Scrolled down: the 4 running requests are aborted, the 4 queued ones dropped.
      loader.show(TAGS.slice(20, 28));
      await eventually(() => gate.held.slice(0, 4).every((r) => r.clientClosed === true), 'the client closes the 4 requests of rows scrolled away');
      expect(loader.stats().aborted).toBe(4);
      expect(loader.stats().dropped).toBe(4);
      // Their slots came free: the rows on screen now are asked for, 4 at once.
      await eventually(() => gate.held.length === 8, 'the rows on screen are asked for');
      expect(gate.held.slice(4).map((r) => tagOf(r.path))).toEqual(TAGS.slice(20, 24));
      expect(loader.stats().running).toBe(4);

      gate.release();
      await eventually(() => TAGS.slice(20, 28).every((t) => loader.get(t)?.status === 'ready'), 'the 8 rows on screen are loaded');
      expect(loader.get(TAGS[20]!)).toMatchObject({ status: 'ready', value: { kind: expect.any(String), digest: expect.stringMatching(/^sha256:/) } });
      // Nothing was asked for the rows that left the screen but the 4 aborted requests,
      // and the registry's answer never went to them.
      const asked = proxy.seen.filter((r) => r.method === 'GET' && manifestGets(r.path)).map((r) => tagOf(r.path));
      expect(asked.filter((t) => TAGS.slice(0, 8).includes(t))).toEqual(TAGS.slice(0, 4));
      expect(gate.held.slice(0, 4).map((r) => r.responseBytes)).toEqual([undefined, undefined, undefined, undefined]);
      expect(TAGS.slice(0, 8).map((t) => loader.get(t))).toEqual(Array(8).fill(undefined));
      expect(loader.stats().peak).toBe(4);

      // Back on screen later: answers kept are not asked again.
      const before = proxy.seen.length;
      loader.show(TAGS.slice(20, 28));
      expect(loader.stats().running).toBe(0);
      expect(proxy.seen.length).toBe(before);
    } finally {
      gate.release();
      proxy.setRule(undefined);
      await services.close();
    }
  });

  it('in lazyoci browse (tmux): G to the last row aborts the requests of the first rows; the last rows load', async () => {
    const manifestGets = (p: string): boolean => p.startsWith(`/v2/${prefix}/rows/manifests/`);
    const gate = hold((req) => req.method === 'GET' && manifestGets(req.path));
    proxy.setRule(gate.rule);
    const t = await TmuxTerminal.start([process.execPath, CLI_PATH, 'browse', `${proxy.host}/${prefix}/rows`], {
      columns: 100,
      rows: 30,
      cwd: work,
      env: { HOME: work, XDG_CONFIG_HOME: path.join(work, 'config'), DOCKER_CONFIG: path.join(work, 'docker') },
    });
    try {
      // The 40 tags and v1, which the repository was copied with.
      await t.waitFor(`3 Tags (${TAGS.length + 1})`);
      await eventually(() => gate.held.length === 4, 'four rows asked for');
      const first = gate.held.slice(0, 4);
      await t.keys('3', 'G');
      await eventually(() => first.every((r) => r.clientClosed === true), 'the first rows\' requests closed by the client');
      await eventually(() => gate.held.length === 8, 'the rows now on screen asked for');
      // Rows of the last screenful, not the ones scrolled past.
      const later = gate.held.slice(4).map((r) => r.path.slice(r.path.lastIndexOf('/') + 1));
      expect(later.every((tag) => TAGS.slice(20).includes(tag)), later.join(' ')).toBe(true);
      gate.release();
      await t.waitFor(new RegExp(`${TAGS.at(-1)!}\\s+artifact`));
      await t.keys('q');
      await t.waitFor(/\[exit 0\]/);
    } finally {
      gate.release();
      proxy.setRule(undefined);
      await t.stop();
    }
  });
});
