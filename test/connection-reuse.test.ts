// A build of many small artifacts keeps its connections to the registry open across
// requests, HEADs included (undici closes the connection after a HEAD unless asked not
// to, which made a build of 200 artifacts open one connection per request: issue 19).
// The browser's /v2/ ping and the reads after it share one keep-alive connection (undici
// frees a connection only a turn after its answer ended: src/registry/client/registry-http.ts).
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRegistryServices } from '../src/ops/browse/registry-services.js';
import { RegistryClient } from '../src/registry/client/registry-client.js';
import { CLI_PATH, runCli } from './support/cli.js';
import { startCountingForwarder } from './support/connection-counter.js';
import { TmuxTerminal } from './support/tmux.js';

const http = inject('registries').http;

describe('connections to a registry are reused', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-conn-reuse-'));
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it('a build of 8 artifacts (each a manifest HEAD and two blob HEADs) opens a few connections, not one per HEAD', async () => {
    const forwarder = await startCountingForwarder(http.host);
    try {
      const id = Math.random().toString(36).slice(2, 8);
      await mkdir(path.join(work, 'files'));
      const lines = ['version: 1', 'artifacts:'];
      for (let i = 0; i < 8; i++) {
        await writeFile(path.join(work, 'files', `a${i}.json`), JSON.stringify({ i, id }));
        lines.push(
          '  - type: artifact',
          `    name: a${i}`,
          '    files: [{ path: files/a' + i + '.json, mediaType: application/json }]',
          '    targets:',
          `      - registry: "${forwarder.host}/conn-${id}/a${i}"`,
          '        tags: [v1]',
        );
      }
      await writeFile(path.join(work, '.lazy'), `${lines.join('\n')}\n`);
      const first = await runCli(['build', '-q', work]);
      expect(first.code, first.stderr).toBe(0);
      const again = await runCli(['build', '-q', work]);
      expect(again.code, again.stderr).toBe(0);
      // 8 × 3 HEADs in the first build and 8 in the second; each closed its connection before.
      // Two runs with up to a handful of connections each (transfers in parallel, a ping).
      expect(forwarder.connections()).toBeLessThanOrEqual(10);
    } finally {
      await forwarder.stop();
    }
  });
});

describe("the browser's connections", () => {
  let work: string;
  let env: NodeJS.ProcessEnv;
  // Sorted ahead of every other test's repositories: the catalog's first page (100) holds it
  // even when the suite has pushed hundreds.
  const repo = `000conn-browser-${Math.random().toString(36).slice(2, 8)}/app`;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-conn-browser-'));
    env = { HOME: work, XDG_CONFIG_HOME: path.join(work, 'config'), DOCKER_CONFIG: path.join(work, 'docker'), PATH: process.env.PATH };
    await writeFile(path.join(work, 'notes.txt'), 'hello\n');
    for (const tag of ['v1', 'v2']) {
      const pushed = await runCli(['push', 'notes.txt', `${http.host}/${repo}:${tag}`, '-q'], { cwd: work });
      expect(pushed.code, pushed.stderr).toBe(0);
    }
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it("the /v2/ ping and the reads after it (catalog, tags, a row, details) go over one keep-alive connection", async () => {
    const forwarder = await startCountingForwarder(http.host);
    const services = createRegistryServices({
      client: () => RegistryClient.create({ env, userAgent: 'lazyoci-test' }),
      openClient: () => Promise.reject(new Error('not used')),
      env,
      cwd: work,
      settings: { registries: [] },
    });
    try {
      // The registry is shared with other tests: this repository may be on a later page.
      const page = await services.catalog(forwarder.host).next();
      expect(page.repositories.length).toBeGreaterThan(0);
      const tags: string[] = [];
      for await (const p of services.tags(forwarder.host, repo)) tags.push(...p);
      expect(tags.sort()).toEqual(['v1', 'v2']);
      await services.summary(forwarder.host, repo, 'v1');
      await services.details(forwarder.host, repo, 'v2');
      const plain = forwarder.httpConnections();
      expect(plain).toEqual([
        ['GET /v2/', 'GET /v2/_catalog?n=100', `GET /v2/${repo}/tags/list?n=1000`, `GET /v2/${repo}/manifests/v1`, `GET /v2/${repo}/manifests/v2`],
      ]);
      // Besides it, only the HTTPS attempt a loopback registry gets before plain HTTP.
      expect(forwarder.connections()).toBe(1 + forwarder.tlsConnections());
      expect(forwarder.tlsConnections()).toBeLessThanOrEqual(1);
    } finally {
      await services.close();
      await forwarder.stop();
    }
  });

  it('lazyoci browse HOST in a terminal: the ping and the catalog share one connection', async () => {
    const forwarder = await startCountingForwarder(http.host);
    const t = await TmuxTerminal.start([process.execPath, CLI_PATH, 'browse', forwarder.host], { cwd: work, env: { HOME: work, XDG_CONFIG_HOME: path.join(work, 'config'), DOCKER_CONFIG: path.join(work, 'docker') } });
    try {
      // The catalog's first page listed (the registry is shared: any repositories will do).
      await t.waitFor(/2 Repositories \([1-9]\d*\+?\)/);
      await t.keys('q');
      await t.waitFor(/\[exit 0\]/);
      const plain = forwarder.httpConnections();
      expect(plain).toHaveLength(1);
      expect(plain[0]!.slice(0, 2)).toEqual(['GET /v2/', 'GET /v2/_catalog?n=100']);
    } finally {
      await t.stop();
      await forwarder.stop();
    }
  });
});
