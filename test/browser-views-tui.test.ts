// The browser's look-inside tabs end to end, in a real terminal (tmux) against the real
// test registries: an image built by buildah (three layers, a file overwritten by the
// second, one deleted by the third) with an SBOM attached (the fallback tag: the plain
// distribution registry has no referrers API), the same image on the htpasswd registry,
// and a two-platform index.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLI_PATH, runCli, type CliResult } from './support/cli.js';
import { buildahLayout } from './support/layered-image.js';
import { writeMultiPlatformLayout } from './support/multi-platform-fixture.js';
import { startReferrersFront } from './support/referrers-front.js';
import { TmuxTerminal } from './support/tmux.js';

const { http, auth } = inject('registries');
const prefix = `views-${randomBytes(3).toString('hex')}`;
const TOOL = randomBytes(1000);

let work: string;
let home: string;
const terminals: TmuxTerminal[] = [];

function ok(r: CliResult): void {
  expect(r.code, r.stderr).toBe(0);
}

async function open(args: string[], env: Record<string, string> = {}): Promise<TmuxTerminal> {
  const t = await TmuxTerminal.start([process.execPath, CLI_PATH, ...args], {
    columns: 120,
    rows: 40,
    cwd: work,
    env: { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DATA_HOME: path.join(home, 'data'), DOCKER_CONFIG: path.join(home, 'docker'), ...env },
  });
  terminals.push(t);
  return t;
}

async function quit(t: TmuxTerminal): Promise<void> {
  await t.keys('q');
  expect(await t.waitFor(/\[exit \d+\]/)).toMatch(/\[exit 0\]/);
}

async function writeContext(dir: string): Promise<void> {
  const put = async (rel: string, data: string | Buffer): Promise<void> => {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), data);
  };
  await put('l1/etc/config', 'v1\n');
  await put('l1/etc/motd', 'hello from layer one\nsecond line\n');
  await put('l1/bin/tool', TOOL);
  await put('l2/etc/config', 'version two\n');
  await put('l3/bin/.wh.tool', '');
  await put('l3/srv/index.html', '<h1>hi</h1>\n');
  await put('Dockerfile', ['FROM scratch', 'COPY l1/ /', 'COPY l2/ /', 'LABEL org.example.test=views', 'COPY l3/ /', 'ENTRYPOINT ["/bin/tool"]', 'CMD ["--serve"]', ''].join('\n'));
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-views-'));
  home = path.join(work, 'home');
  await mkdir(path.join(home, 'docker'), { recursive: true });
  const context = path.join(work, 'context');
  const layout = path.join(work, 'layout');
  await writeContext(context);
  await buildahLayout(context, layout, 'v1');
  ok(await runCli(['push', layout, `oci://${http.host}/${prefix}/layered:v1`, '-q']));
  ok(await runCli(['push', layout, `oci://${auth.host}/${prefix}/layered:v1`, '-q', '--username', auth.username!, '--password', auth.password!]));
  await writeFile(path.join(work, 'sbom.json'), '{"spdxVersion":"SPDX-2.3"}\n');
  ok(await runCli(['attach', `${http.host}/${prefix}/layered:v1`, 'sbom.json:application/spdx+json', '--artifact-type', 'application/spdx+json', '-q'], { cwd: work }));
  const multi = path.join(work, 'multi');
  await writeMultiPlatformLayout(multi, 'v1');
  ok(await runCli(['push', multi, `oci://${http.host}/${prefix}/multi:v1`, '-q']));
}, 180_000);

afterAll(async () => {
  await Promise.all(terminals.map((t) => t.stop()));
  await rm(work, { recursive: true, force: true });
});

describe('browser details: inside an image (tmux)', () => {
  it('Config, Layers, Files (removed file marked, a file\'s first lines, one layer\'s tree) and Referrers', async () => {
    const t = await open(['browse', `${http.host}/${prefix}/layered:v1`]);
    await t.waitFor(' Overview  Config  Layers  Files  Referrers ');
    // Config: how it runs, and the history with the layer each step made.
    await t.keys(']');
    let screen = await t.waitFor(/L0 +[\d.]+ (B|KiB) .*COPY/);
    expect(screen).toMatch(/entrypoint +\["\/bin\/tool"\]/);
    expect(screen).toMatch(/L2 +[\d.]+ (B|KiB) .*COPY/);
    expect(screen).toMatch(/ - +.*LABEL org\.example\.test=views/);
    // Layers: three, bottom first, gzip, with the step that made each.
    await t.keys(']');
    screen = await t.waitFor('3 layers · Enter: its files');
    expect(screen).toMatch(/> +0 sha256:[0-9a-f]{12} +[\d.]+ (B|KiB) gzip .*COPY/);
    expect(screen).toMatch(/ +2 sha256:[0-9a-f]{12} +[\d.]+ (B|KiB) gzip/);
    // Files: the whole image, read now; the deleted tool marked removed, the overwritten config changed.
    await t.keys(']');
    screen = await t.waitFor('whole image, 3 layers applied');
    screen = await t.waitFor(/- +tool 1000 B L2/);
    expect(screen).toMatch(/~ +config 12 B L1/);
    expect(screen).toMatch(/\+ +index\.html 12 B L2/);
    expect(screen).toMatch(/wasted 1003 B \(\d+%\)/);
    // Rows: bin/, tool, etc/, config, motd, srv/, index.html. To motd, o: its first lines.
    await t.keys('j', 'j', 'j', 'j', 'o');
    screen = await t.waitFor('hello from layer one');
    expect(screen).toContain('/etc/motd');
    expect(screen).toContain('second line');
    await t.keys('Escape');
    await t.waitFor('whole image, 3 layers applied');
    // The Layers tab again once the files are read: file and wasted bytes per layer.
    await t.keys('[');
    screen = await t.waitFor(/> +0 sha256:[0-9a-f]{12} .* files [\d.]+ (B|KiB) wasted 1003 B/);
    // Enter on the top layer: its own tree, the whiteout shown as the removal it is.
    await t.keys('j', 'j', 'Enter');
    screen = await t.waitFor('layer 2 (of 0–2)');
    expect(screen).toMatch(/- +tool/);
    expect(screen).toMatch(/\+ +index\.html/);
    expect(screen).not.toContain('motd');
    await t.keys('Escape');
    await t.waitFor(/3 layers · files [\d.]+ (B|KiB) · wasted 1003 B · Enter: its files/);
    // Referrers: the SBOM attached through the fallback tag.
    await t.keys(']', ']');
    screen = await t.waitFor('referrers (fallback tag)');
    expect(screen).toMatch(/└─ application\/spdx\+json sha256:[0-9a-f]{12} \[tag\]/);
    await quit(t);
  }, 90_000);

  it('Requests: every request of the session with method, status, time and bytes, and no credential (htpasswd registry)', async () => {
    const docker = path.join(work, 'docker-auth');
    await mkdir(docker, { recursive: true });
    const b64 = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
    await writeFile(path.join(docker, 'config.json'), JSON.stringify({ auths: { [auth.host]: { auth: b64 } } }));
    const t = await open(['browse', `${auth.host}/${prefix}/layered:v1`], { DOCKER_CONFIG: docker });
    await t.waitFor(' Overview  Config  Layers  Files  Referrers ');
    // The Files tab reads the layers (through a client of its own); then the log.
    await t.keys(']', ']', ']');
    await t.waitFor('whole image, 3 layers applied');
    await t.keys(']', ']');
    const screen = await t.waitFor(/GET +200 +\d+ ms +[\d.]+ (B|KiB) .*\/v2\/.*\/blobs\/sha/);
    expect(screen).toMatch(/GET +200 .*\/v2\/.*\/manifests\//);
    expect(screen).toMatch(/\d+ requests, /);
    for (const secret of [auth.password!, b64, 'Authorization', 'Basic ']) expect(screen).not.toContain(secret);
    await quit(t);
  }, 90_000);

  it('Referrers through the referrers API (TEST-ONLY front for the distribution registry that serves /referrers/)', async () => {
    const front = await startReferrersFront(http.url);
    try {
      await writeFile(path.join(work, 'subject.txt'), `subject ${prefix}\n`);
      const ref = `${front.host}/${prefix}/api-subject:v1`;
      ok(await runCli(['push', 'subject.txt', ref, '-q'], { cwd: work }));
      ok(await runCli(['attach', ref, 'sbom.json:application/spdx+json', '--artifact-type', 'application/spdx+json', '-q'], { cwd: work }));
      const t = await open(['browse', ref]);
      await t.waitFor(' Overview  Layers  Files  Referrers ');
      await t.keys(']', ']', ']');
      const screen = await t.waitFor('referrers (referrers API)');
      expect(screen).toMatch(/└─ application\/spdx\+json sha256:[0-9a-f]{12} \[api\]/);
      expect(front.seen.some((r) => r.path.startsWith(`/v2/${prefix}/api-subject/referrers/sha256:`) && r.status === 200)).toBe(true);
      await quit(t);
    } finally {
      await front.stop();
    }
  }, 90_000);

  it('a two-platform index: Enter on a platform opens its manifest, Esc comes back', async () => {
    const t = await open(['browse', `${http.host}/${prefix}/multi:v1`]);
    await t.waitFor(' Overview  Platforms ');
    await t.keys('Enter');
    await t.waitFor('2 platforms · Enter: its manifest, Esc: back');
    await t.keys('j', 'Enter');
    let screen = await t.waitFor('Details v1 › linux/arm64');
    screen = await t.waitFor(/kind +image/);
    expect(screen).toContain(' Overview  Config  Layers  Files ');
    await t.keys('Escape');
    screen = await t.waitFor(/> linux\/arm64 +image/);
    expect(screen).not.toContain('› linux/arm64');
    await quit(t);
  }, 90_000);
});
