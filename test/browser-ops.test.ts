// The use cases under the browser's actions, against the real test registries: save and
// remove a registry (as `registry add|remove` do), test a connection, delete a manifest
// (distribution with deletes on, and a dedicated one with deletes off), --read-only.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MemoryStore } from '../src/content/memory-store.js';
import { copyGraph } from '../src/copy/copy-graph.js';
import { ContentError, ReadOnlyError, RegistryError, UsageError } from '../src/errors/index.js';
import { MediaType } from '../src/oci/media-types.js';
import type { Descriptor } from '../src/oci/types.js';
import { deleteManifest } from '../src/ops/delete-manifest.js';
import { removeRegistry, saveRegistry } from '../src/ops/save-registry.js';
import { testConnection } from '../src/ops/test-connection.js';
import { parseReference } from '../src/ref/reference.js';
import { RegistryClient, type RegistryClientOptions } from '../src/registry/client/registry-client.js';
import { loadSettings, settingsPath } from '../src/settings/index.js';
import { explain, json, runCli } from './support/cli.js';
import { startRegistry, type RunningRegistry } from './support/registry.js';
import { inspectRaw, listTags } from './support/skopeo.js';

const registries = inject('registries');
const { http, https, auth, token } = registries;
const id = Math.random().toString(36).slice(2, 8);
const fast = { retry: { baseMs: 10 } };

let work: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-browser-ops-'));
  env = { HOME: work, XDG_CONFIG_HOME: path.join(work, 'config'), DOCKER_CONFIG: path.join(work, 'docker'), PATH: process.env.PATH };
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function base(extra: Partial<RegistryClientOptions> = {}): RegistryClientOptions {
  return { env, userAgent: 'lazyoci-test', ...fast, ...extra };
}

/** A one-layer artifact pushed under `tag`, different for each call. */
async function pushArtifact(client: RegistryClient, ref: string, tag: string): Promise<Descriptor> {
  const store = new MemoryStore();
  const config = store.addContent(MediaType.empty, Buffer.from('{}'));
  const layer = store.addContent('text/plain', Buffer.from(`${ref} ${tag} ${Math.random()}`));
  const root = store.addContent(
    MediaType.imageManifest,
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.imageManifest, artifactType: 'application/vnd.lazyoci.test', config, layers: [layer] })),
  );
  await copyGraph(store, root, client.repository(parseReference(ref), 'push'), [tag]);
  return root;
}

describe('saveRegistry / removeRegistry', () => {
  it('saves an entry with label, credentials, insecure and an absolute CA path, updates it, and removes it by label', async () => {
    const { entry, created } = await saveRegistry(env, {
      name: 'https://Reg.Example:5000/',
      label: 'work',
      username: 'alice',
      password: 'pw-secret-1',
      insecure: true,
      caFile: path.relative(process.cwd(), https.caFile!),
    });
    expect(created).toBe(true);
    expect(entry).toEqual({ name: 'reg.example:5000', label: 'work', username: 'alice', password: 'pw-secret-1', insecure: true, caFile: https.caFile });
    expect((await readFile(settingsPath(env), 'utf8'))).toContain('caFile:');

    // An edit that leaves the password empty keeps the saved one (the form never shows it).
    const edited = await saveRegistry(env, { name: 'reg.example:5000', replaces: 'reg.example:5000', username: 'bob', password: '', insecure: false, caFile: '' });
    expect(edited.created).toBe(false);
    expect(edited.entry).toEqual({ name: 'reg.example:5000', label: 'work', username: 'bob', password: 'pw-secret-1' });

    // Renamed through the form: the one entry moves, no copy is left behind.
    await saveRegistry(env, { name: 'reg2.example', replaces: 'reg.example:5000' });
    expect((await loadSettings(env)).registries.map((r) => r.name)).toEqual(['reg2.example']);

    expect((await removeRegistry(env, 'work')).name).toBe('reg2.example');
    expect((await loadSettings(env)).registries).toEqual([]);
  });

  it('refuses a bad host, a bad label, a password without a user, a taken label and an unreadable CA file, saving nothing', async () => {
    await saveRegistry(env, { name: 'one.example', label: 'one' });
    const before = await readFile(settingsPath(env), 'utf8');
    await expect(saveRegistry(env, { name: 'not a host' })).rejects.toThrow(UsageError);
    await expect(saveRegistry(env, { name: 'two.example', label: 'a.b' })).rejects.toThrow(/a label is letters/);
    await expect(saveRegistry(env, { name: 'two.example', password: 'x' })).rejects.toThrow(/needs --user/);
    await expect(saveRegistry(env, { name: 'two.example', username: 'u' })).rejects.toThrow(/needs a password/);
    await expect(saveRegistry(env, { name: 'two.example', label: 'one' })).rejects.toThrow(/already one\.example's/);
    await expect(saveRegistry(env, { name: 'two.example', caFile: path.join(work, 'missing.pem') })).rejects.toThrow(/cannot read CA file .*ENOENT/);
    await writeFile(path.join(work, 'not.pem'), 'hello');
    await expect(saveRegistry(env, { name: 'two.example', caFile: path.join(work, 'not.pem') })).rejects.toThrow(/no PEM certificate/);
    await expect(saveRegistry(env, { name: 'one.example', replaces: 'nothing.example' })).resolves.toBeDefined();
    await expect(removeRegistry(env, 'three.example')).rejects.toThrow(/registry three\.example is not saved/);
    expect(await readFile(settingsPath(env), 'utf8')).toBe(before);
    await removeRegistry(env, 'one');
  });
});

describe('testConnection', () => {
  it('reports a registry that needs no login', async () => {
    expect(await testConnection({ registry: http.host }, base())).toEqual({
      ok: true,
      status: 200,
      authenticated: false,
      message: `${http.host} answers at ${http.url}/; no login needed`,
    });
  });

  it('tells accepted, rejected and missing credentials apart (basic and bearer), never echoing the password', async () => {
    for (const r of [auth, token]) {
      const accepted = await testConnection({ registry: r.host, username: r.username!, password: r.password! }, base());
      expect(accepted).toMatchObject({ ok: true, status: 200, authenticated: true });
      const rejected = await testConnection({ registry: r.host, username: r.username!, password: 'pw-wrong-0000' }, base());
      expect(rejected).toMatchObject({ ok: false, status: 401, authenticated: false });
      expect(rejected.message).toContain('rejected the user name or password');
      const none = await testConnection({ registry: r.host }, base());
      expect(none).toMatchObject({ ok: true, status: 401, authenticated: false });
      expect(none.message).toMatch(/asks for credentials \((basic|bearer)\)/);
      for (const res of [accepted, rejected, none]) {
        expect(res.message).not.toContain(r.password!);
        expect(res.message).not.toContain('pw-wrong-0000');
      }
    }
  });

  it('uses the saved password when the form leaves it empty for the saved user', async () => {
    await saveRegistry(env, { name: auth.host, username: auth.username!, password: auth.password! });
    const settings = await loadSettings(env);
    expect(await testConnection({ registry: auth.host, username: auth.username!, password: '' }, base({ settings }))).toMatchObject({ ok: true, authenticated: true });
    await removeRegistry(env, auth.host);
  });

  it('trusts the typed CA file for a self-signed registry, and says what is wrong without it', async () => {
    const without = await testConnection({ registry: https.host }, base());
    expect(without.ok).toBe(false);
    expect(without.status).toBeUndefined();
    expect(without.message).toMatch(/cannot connect to .*certificate.*--ca-file/);
    expect(await testConnection({ registry: https.host, caFile: https.caFile! }, base())).toMatchObject({ ok: true, status: 200 });
    expect(await testConnection({ registry: https.host, insecure: true }, base())).toMatchObject({ ok: true, status: 200 });
  });

  it('reports a registry that is down as one line, not a throw', async () => {
    const down = await testConnection({ registry: '127.0.0.1:1' }, base());
    expect(down).toMatchObject({ ok: false, authenticated: false });
    expect(down.message).toMatch(/^cannot connect to 127\.0\.0\.1:1/);
  });
});

describe('a registry saved with its own CA file', () => {
  it('is reached over verified TLS by every client that loads the settings; an unreadable one fails only that registry', async () => {
    await saveRegistry(env, { name: https.host, caFile: https.caFile! });
    const client = await RegistryClient.create({ env, settings: await loadSettings(env), ...fast });
    try {
      expect((await client.registry(https.host).probe()).endpoint).toBe(`${https.url}/`);
      // Another registry is not affected by it.
      expect((await client.registry(http.host).probe()).endpoint).toBe(`${http.url}/`);
    } finally {
      await client.close();
    }
    const settings = await loadSettings(env);
    settings.registries[0]!.caFile = path.join(work, 'gone.pem');
    const broken = await RegistryClient.create({ env, settings, ...fast });
    try {
      expect(() => broken.registry(https.host)).toThrow(/saved with caFile .*gone\.pem: cannot read it: ENOENT/);
      expect((await broken.registry(http.host).probe()).registry).toBe(http.host);
    } finally {
      await broken.close();
      await removeRegistry(env, https.host);
    }
  });
});

describe('lazyoci registry add --ca-file', () => {
  it('saves the CA for that registry: later commands reach it over verified TLS without --ca-file', async () => {
    const config = { XDG_CONFIG_HOME: path.join(work, 'cli-config') };
    const before = await runCli(['registry', 'test', https.host], { env: config });
    expect(before.code, explain(before)).toBe(1);
    expect(before.stderr).toMatch(/certificate/);
    const add = await runCli(['registry', 'add', https.host, '--ca-file', https.caFile!], { env: config });
    expect(add.code, explain(add)).toBe(0);
    expect(add.stdout).toBe(`saved registry ${https.host} (no credentials, CA ${https.caFile})\n`);
    const after = await runCli(['registry', 'test', https.host], { env: config });
    expect(after.code, explain(after)).toBe(0);
    expect(after.stdout).toContain(`reachable at ${https.url}/`);
    const list = await runCli(['registry', 'list', '-o', 'json'], { env: config });
    expect(json(list)).toEqual([{ name: https.host, insecure: false, caFile: https.caFile }]);
    const missing = await runCli(['registry', 'add', 'other.example', '--ca-file', path.join(work, 'nope.pem')], { env: config });
    expect(missing.code, explain(missing)).toBe(2);
    expect(missing.stderr).toContain(`cannot read CA file ${path.join(work, 'nope.pem')}: ENOENT`);
  });
});

describe('deleteManifest', () => {
  it('resolves a tag and deletes its manifest (202) on a registry with deletes on; skopeo no longer finds it', async () => {
    const client = await RegistryClient.create({ env, ...fast });
    try {
      const ref = `${http.host}/browser-ops/${id}/del`;
      const root = await pushArtifact(client, ref, 'v1');
      await pushArtifact(client, ref, 'keep');
      const result = await deleteManifest(client.repository(parseReference(ref), 'delete'), parseReference(`${ref}:v1`));
      expect(result).toEqual({ reference: `${ref}:v1`, digest: root.digest, mediaType: MediaType.imageManifest });
      expect(await listTags(`${ref}`, { tls: 'skip' })).toEqual(['keep']);
      await expect(inspectRaw(`${ref}@${root.digest}`, { tls: 'skip' })).rejects.toThrow();
      const log = await readFile(http.logFile, 'utf8');
      expect(log).toMatch(new RegExp(`"DELETE /v2/browser-ops/${id}/del/manifests/${root.digest} HTTP/1.1" 202`));
    } finally {
      await client.close();
    }
  });

  it('asks the token registry for a delete scope and deletes with it', async () => {
    const client = await RegistryClient.create({ env, username: token.username!, password: token.password!, credentialRegistry: token.host, ...fast });
    try {
      const ref = `${token.host}/browser-ops/${id}/tokdel`;
      const root = await pushArtifact(client, ref, 'v1');
      const result = await deleteManifest(client.repository(parseReference(ref), 'delete'), parseReference(`${ref}:v1`));
      expect(result.digest).toBe(root.digest);
      const tokens = (await readFile(token.tokenLog!, 'utf8')).split('\n').filter((l) => l.includes(`browser-ops/${id}/tokdel:delete,pull`));
      expect(tokens.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });

  it('refuses a tag that moved since it was confirmed, deleting nothing', async () => {
    const client = await RegistryClient.create({ env, ...fast });
    try {
      const ref = `${http.host}/browser-ops/${id}/moved`;
      const first = await pushArtifact(client, ref, 'v1');
      const second = await pushArtifact(client, ref, 'v1');
      const err = await deleteManifest(client.repository(parseReference(ref), 'delete'), parseReference(`${ref}:v1`), { expectDigest: first.digest }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ContentError);
      expect((err as Error).message).toContain(`v1 now points to ${second.digest}`);
      expect(await listTags(ref, { tls: 'skip' })).toEqual(['v1']);
    } finally {
      await client.close();
    }
  });

  it('under --read-only refuses before any request', async () => {
    const ref = `${http.host}/browser-ops/${id}/readonly`;
    const before = (await readFile(http.logFile, 'utf8')).split('\n').length;
    const client = await RegistryClient.create({ env, ...fast });
    try {
      const err = await deleteManifest(client.repository(parseReference(ref), 'delete'), parseReference(`${ref}:v1`), { readOnly: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ReadOnlyError);
      expect((err as ReadOnlyError).exitCode).toBe(2);
      expect((err as Error).message).toBe(`delete ${ref}:v1: refused, lazyoci runs with --read-only`);
    } finally {
      await client.close();
    }
    const lines = (await readFile(http.logFile, 'utf8')).split('\n').slice(before - 1);
    expect(lines.filter((l) => l.includes(`browser-ops/${id}/readonly`))).toEqual([]);
  });

  describe('on a registry that keeps deletes off (distribution default)', () => {
    let noDelete: RunningRegistry;
    beforeAll(async () => {
      noDelete = await startRegistry('http', { name: 'no-delete', deleteEnabled: false });
    });
    afterAll(async () => {
      await noDelete?.stop();
    });

    it('says the registry does not allow deletes, as a RegistryError with the 405, and the tag stays', async () => {
      const client = await RegistryClient.create({ env, ...fast });
      try {
        const ref = `${noDelete.host}/browser-ops/nodelete`;
        await pushArtifact(client, ref, 'v1');
        const err = await deleteManifest(client.repository(parseReference(ref), 'delete'), parseReference(`${ref}:v1`)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RegistryError);
        expect((err as RegistryError).status).toBe(405);
        expect((err as RegistryError).codes.map((c) => c.code)).toContain('UNSUPPORTED');
        expect((err as Error).message).toMatch(/: the registry does not allow deletes \(REGISTRY_STORAGE_DELETE_ENABLED\)$/);
        expect(await listTags(ref, { tls: 'skip' })).toEqual(['v1']);
      } finally {
        await client.close();
      }
    });
  });
});
