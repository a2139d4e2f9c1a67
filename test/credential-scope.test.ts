// Credentials given by flag, by LAZYOCI_* or on stdin go to one registry (issue 11,
// point 16): a copy's destination, the first build target, or the one --registry names —
// never every registry a run touches. A token realm on another origin gets them only
// over HTTPS.
//
// The "other" registry is the real plain-HTTP registry behind the fault proxy, which
// answers only the /v2/ ping with a Basic challenge: from then on lazyoci sends Basic
// credentials there if it has any for it, and the proxy records every Authorization.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from './support/cli.js';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';
import { writeTinyLayout } from './support/oci-layout-fixture.js';
import { copyFromLayout, listTags } from './support/skopeo.js';
import { readTokenLog } from './support/token-issuer.js';

const registries = inject('registries');
const auth = registries.auth;
const token = registries.token;
const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const authHeader = basic(auth.username!, auth.password!);
const authFlags = ['--username', auth.username!, '--password', auth.password!];
const authEnv = { LAZYOCI_USERNAME: auth.username!, LAZYOCI_PASSWORD: auth.password! };
const suffix = (): string => Math.random().toString(36).slice(2, 8);

const noSecrets = (out: string, password: string, username: string): void => {
  expect(out).not.toContain(password);
  expect(out).not.toContain(Buffer.from(`${username}:${password}`).toString('base64'));
};

describe('flag and env credentials go to one registry', () => {
  let other: FaultProxy;
  let work: string;
  const id = suffix();

  beforeAll(async () => {
    other = await startFaultProxy(registries.http.url);
    // An open registry that asks for Basic credentials on its ping: whoever has any sends them.
    other.setRule((req) => (req.path === '/v2/' ? { status: 401, headers: { 'www-authenticate': 'Basic realm="other"' } } : undefined));
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-cred-scope-'));
    await writeTinyLayout(path.join(work, 'tiny'), 'v1');
    await copyFromLayout(path.join(work, 'tiny'), 'v1', `${registries.http.host}/scope/${id}/src:v1`, { tls: 'skip' });
    for (const name of ['a.txt', 'b.txt']) await writeFile(path.join(work, name), `${name} ${id}\n`);
  });
  afterAll(async () => {
    await other.stop();
    await rm(work, { recursive: true, force: true });
  });

  /** Requests the other registry saw since `from`, beyond its ping. */
  const seenSince = (from: number): { path: string; authorization: string | undefined }[] =>
    other.seen.slice(from).filter((r) => r.path !== '/v2/');

  it('copy: --username/--password reach the destination only, never the source', async () => {
    const from = other.seen.length;
    const dest = `${auth.host}/scope/${id}/copied:v1`;
    const res = await runCli([...authFlags, 'copy', `${other.host}/scope/${id}/src:v1`, dest]);
    noSecrets(res.stdout + res.stderr, auth.password!, auth.username!);
    expect(res.code, res.stderr).toBe(0);
    const seen = seenSince(from);
    expect(seen.length).toBeGreaterThan(0);
    // Paths only: a failure must not print the header it found.
    expect(seen.filter((r) => r.authorization !== undefined).map((r) => r.path)).toEqual([]);
    expect(await listTags(`${auth.host}/scope/${id}/copied`, { tls: 'skip', creds: `${auth.username}:${auth.password}` })).toEqual(['v1']);
  });

  it('copy from a private source: a refusal says whom the credentials were for; --registry SOURCE sends them there', async () => {
    const source = `${auth.host}/scope/${id}/private:v1`;
    await copyFromLayout(path.join(work, 'tiny'), 'v1', source, { tls: 'skip', creds: `${auth.username}:${auth.password}` });
    const dest = `${registries.http.host}/scope/${id}/public:v1`;
    const refused = await runCli([...authFlags, 'copy', source, dest]);
    noSecrets(refused.stdout + refused.stderr, auth.password!, auth.username!);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/401/);
    expect(refused.stderr).toContain(
      `hint: --username/--password and LAZYOCI_USERNAME/LAZYOCI_PASSWORD are for ${registries.http.host} only; for ${auth.host}, name it with --registry ${auth.host}`,
    );
    const named = await runCli([...authFlags, '--registry', auth.host, 'copy', source, dest]);
    noSecrets(named.stdout + named.stderr, auth.password!, auth.username!);
    expect(named.code, named.stderr).toBe(0);
    expect(await listTags(`${registries.http.host}/scope/${id}/public`, { tls: 'skip' })).toEqual(['v1']);
  });

  const writeLazy = async (targets: string[]): Promise<void> =>
    writeFile(
      path.join(work, '.lazy'),
      `version: 1
artifacts:
  - type: artifact
    files: [{ path: a.txt }, { path: b.txt }]
    targets:
${targets.map((t) => `      - registry: "${t}"\n        tags: [v1]`).join('\n')}
`,
    );

  it('build: LAZYOCI_USERNAME/LAZYOCI_PASSWORD reach the first target registry only', async () => {
    await writeLazy([`${auth.host}/scope/${id}/first`, `${other.host}/scope/${id}/second`]);
    const from = other.seen.length;
    const res = await runCli(['build', '-o', 'json'], { cwd: work, env: authEnv });
    noSecrets(res.stdout + res.stderr, auth.password!, auth.username!);
    expect(res.code, res.stderr).toBe(0);
    const [result] = JSON.parse(res.stdout) as { targets: { pushed: boolean }[] }[];
    expect(result!.targets.map((t) => t.pushed)).toEqual([true, true]);
    const seen = seenSince(from);
    expect(seen.some((r) => r.path.startsWith(`/v2/scope/${id}/second/`))).toBe(true);
    // Paths only: a failure must not print the header it found.
    expect(seen.filter((r) => r.authorization !== undefined).map((r) => r.path)).toEqual([]);
  });

  it('build --registry HOST: the credentials go to the registry it names instead', async () => {
    await writeLazy([`${auth.host}/scope/${id}/first-r`, `${other.host}/scope/${id}/second-r`]);
    const from = other.seen.length;
    const res = await runCli([...authFlags, '--registry', other.host, 'build', '-o', 'json'], { cwd: work });
    noSecrets(res.stdout + res.stderr, auth.password!, auth.username!);
    // The auth registry now gets none and refuses; the named one gets them.
    expect(res.code).toBe(1);
    const [result] = JSON.parse(res.stdout) as { targets: { pushed: boolean; error?: string }[] }[];
    expect(result!.targets.map((t) => t.pushed)).toEqual([false, true]);
    expect(result!.targets[0]!.error).toMatch(/401/);
    const carried = seenSince(from).filter((r) => r.authorization !== undefined);
    expect(carried.length).toBeGreaterThan(0);
    expect(carried.every((r) => r.authorization === authHeader)).toBe(true);
  });

  it('--registry must name a registry: exit 2, nothing sent', async () => {
    const from = other.seen.length;
    const res = await runCli([...authFlags, '--registry', 'not a host/x', 'copy', `${other.host}/scope/${id}/src:v1`, `${other.host}/scope/${id}/x:v1`]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^error: "not a host\/x" is not a registry/m);
    expect(other.seen.length).toBe(from);
  });
});

describe('--password-stdin', () => {
  const reg = auth;

  it('logs in with the password from standard input, never printing it', async () => {
    const res = await runCli(['--username', reg.username!, '--password-stdin', '-o', 'json', 'registry', 'test', reg.host], {
      input: `${reg.password}\n`,
    });
    noSecrets(res.stdout + res.stderr, reg.password!, reg.username!);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ registry: reg.host, authScheme: 'basic', credentials: 'valid' });
  });

  it('pushes with it too (a copy to the htpasswd registry)', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-pw-stdin-'));
    try {
      const id = suffix();
      await writeTinyLayout(path.join(work, 'tiny'), 'v1');
      await copyFromLayout(path.join(work, 'tiny'), 'v1', `${registries.http.host}/pwstdin/${id}/src:v1`, { tls: 'skip' });
      const res = await runCli(
        ['--username', reg.username!, '--password-stdin', 'copy', `${registries.http.host}/pwstdin/${id}/src:v1`, `${reg.host}/pwstdin/${id}/dst:v1`],
        { input: `${reg.password}\n` },
      );
      noSecrets(res.stdout + res.stderr, reg.password!, reg.username!);
      expect(res.code, res.stderr).toBe(0);
      expect(await listTags(`${reg.host}/pwstdin/${id}/dst`, { tls: 'skip', creds: `${reg.username}:${reg.password}` })).toEqual(['v1']);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('with --password too: exit 2, "mutually exclusive"', async () => {
    const res = await runCli(['--username', reg.username!, '--password', 'x', '--password-stdin', 'registry', 'test', reg.host], { input: 'y\n' });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^error: --password and --password-stdin are mutually exclusive$/m);
    expect(res.stdout).toBe('');
  });

  it('without --username, or with nothing on stdin: exit 2', async () => {
    const noUser = await runCli(['--password-stdin', 'registry', 'test', reg.host], { input: `${reg.password}\n` });
    expect(noUser.code).toBe(2);
    expect(noUser.stderr).toMatch(/^error: --password-stdin needs --username$/m);
    const empty = await runCli(['--username', reg.username!, '--password-stdin', 'registry', 'test', reg.host], { input: '\n' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^error: --password-stdin: standard input was empty$/m);
  });
});

/**
 * A test-only forward proxy (HTTP_PROXY) that plays the token service's host. undici
 * tunnels even plain-HTTP requests through CONNECT, so the tunnel is handed to this same
 * server, which reads the request inside it, records its Authorization, and passes it
 * on to the real token issuer.
 */
async function startRealmHost(issuer: URL): Promise<{ url: string; seen: { target: string; url: string; authorization: string | undefined }[]; stop(): Promise<void> }> {
  const seen: { target: string; url: string; authorization: string | undefined }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ target: req.headers.host ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    const asked = new URL(req.url ?? '/', 'http://invalid');
    const out = http.request(
      { host: issuer.hostname, port: issuer.port, method: req.method, path: `${issuer.pathname}${asked.search}`, headers: { ...req.headers, host: issuer.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  server.on('connect', (_req, socket: Socket, head: Buffer) => {
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    server.emit('connection', socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('a bearer realm on another origin over plain HTTP', () => {
  let front: FaultProxy;
  let realmHost: Awaited<ReturnType<typeof startRealmHost>>;

  beforeAll(async () => {
    // The real token registry's challenge names its real issuer; ask it.
    const ping = await fetch(`${token.url}/v2/`);
    const challenge = ping.headers.get('www-authenticate') ?? '';
    const realm = /realm="([^"]+)"/.exec(challenge)?.[1];
    const service = /service="([^"]+)"/.exec(challenge)?.[1];
    if (realm === undefined || service === undefined) throw new Error(`unexpected challenge from the token registry: ${challenge}`);
    realmHost = await startRealmHost(new URL(realm));
    // A registry whose challenge sends the token request to a plain-HTTP host of its choosing.
    front = await startFaultProxy(token.url);
    front.setRule(() => ({ responseHeaders: { 'www-authenticate': `Bearer realm="http://token-service.invalid/token",service="${service}"` } }));
  });
  afterAll(async () => {
    await front.stop();
    await realmHost.stop();
  });

  it('gets no credentials: the token is asked for anonymously, and the refusal says why', async () => {
    const before = (await readTokenLog(token.tokenLog!)).length;
    const repo = `realm/${suffix()}`;
    const res = await runCli(['--insecure', 'browse', 'tags', `${front.host}/${repo}`], {
      env: {
        LAZYOCI_USERNAME: token.username!,
        LAZYOCI_PASSWORD: token.password!,
        // The realm's host is reached through the recording proxy; the registry directly.
        HTTP_PROXY: realmHost.url,
        NO_PROXY: '127.0.0.1',
      },
    });
    noSecrets(res.stdout + res.stderr, token.password!, token.username!);
    expect(realmHost.seen.length).toBeGreaterThan(0);
    expect(realmHost.seen.every((r) => r.target === 'token-service.invalid' && r.url.startsWith('/token?'))).toBe(true);
    expect(realmHost.seen.filter((r) => r.authorization !== undefined).map((r) => r.url)).toEqual([]);
    const mine = (await readTokenLog(token.tokenLog!)).slice(before).filter((t) => t.scopes.some((scope) => scope.includes(repo)));
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((t) => t.user === null)).toBe(true);
    // The anonymous token grants nothing here: exit 1, and the hint names the reason.
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/401/);
    expect(res.stderr).toMatch(/^hint: credentials were not sent to the token service http:\/\/token-service\.invalid: it is plain HTTP on another origin/m);
  });
});
