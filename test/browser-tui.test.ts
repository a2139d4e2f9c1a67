// The interactive browser end to end, in a real terminal (tmux) against the real test
// registries: the built CLI is started in a tmux pane, keys are sent and the screen is
// read back with capture-pane. The fixtures: a catalog of more than 100 repositories and
// a repository with 10,000 tags (repository and tag directories written into the
// registry's own storage beside one really pushed artifact: 10,000 manifest PUTs would
// take minutes), a two-platform index, a Helm chart, a files artifact, the htpasswd registry.
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLI_PATH, REPO_ROOT, runCli, type CliResult } from './support/cli.js';
import { writeMultiPlatformLayout } from './support/multi-platform-fixture.js';
import { expectRestored, TmuxTerminal } from './support/tmux.js';

const { http, auth } = inject('registries');
const id = randomBytes(3).toString('hex');
const prefix = `browser-${id}`;
const BULK_REPOS = 120;
const MANY_TAGS = 10_000;

let work: string;
let home: string;
const terminals: TmuxTerminal[] = [];

function ok(r: CliResult): void {
  expect(r.code, r.stderr).toBe(0);
}

/** The pushed artifact's repository copied under new names, as the registry stores them. */
async function cloneRepository(storage: string, from: string, to: string): Promise<string> {
  const root = path.join(storage, 'docker', 'registry', 'v2', 'repositories');
  await cp(path.join(root, from), path.join(root, to), { recursive: true });
  return path.join(root, to);
}

/** Tags written as distribution writes them: a current link and an index entry per tag. */
async function writeTags(repoDir: string, digest: string, count: number): Promise<void> {
  const hex = digest.replace(/^sha256:/, '');
  const tags = Array.from({ length: count }, (_, i) => `build-${String(i).padStart(5, '0')}`);
  for (let i = 0; i < tags.length; i += 200) {
    await Promise.all(
      tags.slice(i, i + 200).map(async (tag) => {
        const dir = path.join(repoDir, '_manifests', 'tags', tag);
        await mkdir(path.join(dir, 'current'), { recursive: true });
        await mkdir(path.join(dir, 'index', 'sha256', hex), { recursive: true });
        await writeFile(path.join(dir, 'current', 'link'), digest);
        await writeFile(path.join(dir, 'index', 'sha256', hex, 'link'), digest);
      }),
    );
  }
}

async function open(args: string[], env: Record<string, string> = {}, size = { columns: 100, rows: 30 }): Promise<TmuxTerminal> {
  const t = await TmuxTerminal.start([process.execPath, CLI_PATH, ...args], {
    ...size,
    cwd: work,
    env: { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DATA_HOME: path.join(home, 'data'), DOCKER_CONFIG: path.join(home, 'docker'), ...env },
  });
  terminals.push(t);
  return t;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-browser-'));
  home = path.join(work, 'home');
  await mkdir(path.join(home, 'docker'), { recursive: true });
  const files = path.join(work, 'files');
  await mkdir(files);
  await writeFile(path.join(files, 'config.json'), '{"hello":"browser"}\n');
  await writeFile(path.join(files, 'notes.txt'), 'notes\n');
  const artifact = `${http.host}/${prefix}/artifact:v1`;
  ok(await runCli(['push', 'config.json:application/vnd.test.config+json', 'notes.txt', artifact, '--artifact-type', 'application/vnd.test.bundle.v1', '-q'], { cwd: files }));
  const layout = path.join(work, 'multi');
  await writeMultiPlatformLayout(layout, 'v1');
  ok(await runCli(['push', layout, `oci://${http.host}/${prefix}/multi:v1`, '-q']));
  ok(await runCli(['build', path.join(REPO_ROOT, 'examples', 'helm-chart'), '-q'], { env: { LAZYOCI_REGISTRY: `${http.host}/${prefix}` } }));
  ok(await runCli(['push', 'notes.txt', `${auth.host}/${prefix}/private:v1`, '-q', '--username', auth.username!, '--password', auth.password!], { cwd: files }));

  const manifest = await runCli(['browse', 'manifest', artifact, '-o', 'json']);
  const digest = (JSON.parse(manifest.stdout) as { digest: string }).digest;
  for (let i = 0; i < BULK_REPOS; i++) await cloneRepository(http.storageDir, `${prefix}/artifact`, `${prefix}/bulk-${String(i).padStart(3, '0')}`);
  const many = await cloneRepository(http.storageDir, `${prefix}/artifact`, `${prefix}/many`);
  await writeTags(many, digest, MANY_TAGS);
}, 120_000);

afterAll(async () => {
  await Promise.all(terminals.map((t) => t.stop()));
  await rm(work, { recursive: true, force: true });
});

describe('lazyoci browser (tmux)', () => {
  it('prints help, exit 0, when not at a terminal: lazyoci and lazyoci browse', async () => {
    const bare = await runCli([]);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toContain('Usage: lazyoci');
    const browse = await runCli(['browse']);
    expect(browse.code).toBe(0);
    expect(browse.stdout).toContain('Usage: lazyoci browse');
    const place = await runCli(['browse', `${http.host}/x`]);
    expect(place.code).toBe(2);
    expect(place.stderr).toContain('needs a terminal');
  });

  it('opens with no arguments at a terminal; a catalog of more than 100 repositories, read page by page and filtered; q restores the terminal', async () => {
    const t = await open([], {}, { columns: 80, rows: 24 });
    await t.waitFor('1 Registries');
    expect(await t.format('#{alternate_on} #{cursor_flag} #{mouse_sgr_flag}')).toBe('1 0 1');
    await t.keys(':');
    await t.type(`registry ${http.host}`);
    await t.keys('Enter');
    await t.waitFor(/2 Repositories \(100\+\)/);
    await t.keys('/');
    await t.type('bulk-11');
    await t.waitFor('/bulk-11█');
    await t.waitFor(/Repositories \(10 of/);
    await t.keys('Enter', 'Enter');
    // The first match opened: its full name is on the title line.
    await t.waitFor(`${prefix}/bulk-110`);
    await t.keys('2', 'Escape', 'G');
    await t.waitFor(/2 Repositories \(\d{3,}\)/);
    await t.keys('q');
    await expectRestored(t, /\[exit 0\]/);
  });

  it('lists a repository of 10,000 tags, filters them, and shows an artifact and its files; Ctrl-C restores the terminal', async () => {
    const t = await open(['browse', `${http.host}/${prefix}/many`]);
    // The 10,000 written tags and the artifact's own v1.
    await t.waitFor('3 Tags (10001)', 30_000);
    const screen = await t.waitFor(/build-00000\s+artifact/);
    expect(screen).toMatch(/build-00001\s+artifact/);
    await t.keys('End');
    await t.waitFor(/build-09999\s+artifact/);
    await t.keys('/');
    await t.type('0999');
    // build-00999 and build-09990 to build-09999
    await t.waitFor('(11 of 10001) /0999');
    await t.keys('Enter', 'Enter');
    await t.waitFor('Details build-00999');
    await t.waitFor('application/vnd.test.bundle.v1');
    await t.keys('l', 'l');
    const files = await t.waitFor('config.json');
    expect(files).toContain('notes.txt');
    // P: the files into ./REPO-TAG
    await t.keys('P');
    await t.waitFor(/pulled 2 files of .*many:build-00999/);
    expect(await readFile(path.join(work, 'many-build-00999', 'config.json'), 'utf8')).toBe('{"hello":"browser"}\n');
    // Laid out again for a new size.
    await t.tmux('resize-window', '-x', '120', '-y', '36');
    await t.waitFor(/^╰─{30,}╯┗━+┛$/m);
    const resized = (await t.screen()).split('\n');
    expect(resized[34]).toMatch(/^╰─{30,}╯┗━+┛$/);
    expect(resized[34]).toHaveLength(120);
    await t.keys('C-c');
    await expectRestored(t, /\[exit 0\]/);
  }, 60_000);

  it('shows a two-platform index, pulls it with p into the artifact directory, with help, Tab and mouse wheel', async () => {
    const t = await open(['browse', `${http.host}/${prefix}/multi:v1`]);
    await t.waitFor('Platforms (2)');
    const screen = await t.waitFor(/v1\s+index\s+\w+\s+-\s+2 platforms/);
    expect(screen).toMatch(/linux\/amd64\s+image/);
    expect(screen).toMatch(/linux\/arm64\s+image/);
    await t.keys('?');
    await t.waitFor('Keys — Details');
    await t.keys('Escape', 'p');
    await t.waitFor(/pulled a layout \(\d+ written, \d+ already there\) of .*multi/);
    const index = JSON.parse(await readFile(path.join(home, 'data', 'lazyoci', 'artifacts', http.host.replace(':', '_'), prefix, 'multi', 'index.json'), 'utf8')) as {
      manifests: { annotations?: Record<string, string> }[];
    };
    expect(index.manifests[0]!.annotations?.['org.opencontainers.image.ref.name']).toBe('v1');
    await t.keys('BTab');
    await t.waitFor(/┏━+┓\n.*┃3 Tags/);
    await t.keys('Tab', 'Tab');
    await t.waitFor(/┏━+┓[^\n]*\n┃1 Registries/);
    // The mouse as the terminal reports it (SGR 1006, 1-based cells). At 100×30 the
    // repositories pane starts on row 10; its rows from row 12. A wheel turn down moves
    // its cursor 3 rows; a click on the selected row (the 4th) opens that repository.
    // Sent as one write: the click must see where the wheel left the cursor.
    await t.type('\x1b[<65;5;12M\x1b[<0;5;15M\x1b[<0;5;15m');
    const opened = await t.waitFor(new RegExp(`^lazyoci ${http.host.replace(/\./g, '\\.')} › (?!${prefix}/multi)`, 'm'));
    expect(opened.split('\n')[0]).not.toContain('multi');
    await t.keys('q');
    await expectRestored(t, /\[exit 0\]/);
  }, 60_000);

  it('shows a Helm chart: Chart.yaml and values.yaml read from the chart layer, without colour under NO_COLOR; SIGTERM restores the terminal', async () => {
    const t = await open(['browse', `${http.host}/${prefix}/examples/charts/hello-chart:0.1.0`], { NO_COLOR: '1' });
    await t.waitFor(/kind\s+helm/);
    // NO_COLOR: bold and inverse video only; no colour set (SGR 30-38, 40-48, 90-97, 100-107;
    // 39 and 49 are tmux resetting to the default colours).
    const attributes = [...(await t.screenWithAttributes()).matchAll(/\x1b\[([0-9;]*)m/g)].flatMap((m) => m[1]!.split(';').map(Number));
    expect(attributes.filter((n) => (n >= 30 && n <= 38) || (n >= 40 && n <= 48) || (n >= 90 && n <= 97) || (n >= 100 && n <= 107))).toEqual([]);
    await t.keys('l', 'l');
    await t.waitFor('name: hello-chart');
    await t.keys('l');
    await t.waitFor(/Values/);
    process.kill(await t.commandPid(), 'SIGTERM');
    await expectRestored(t, /\[exit 143\]/);
  }, 60_000);

  it('restores the terminal after a crash (an uncaught error) and reports it as a bug, exit 70', async () => {
    const t = await open(['browse', http.host], { LAZYOCI_BROWSER_CRASH_MS: '1500' });
    await t.waitFor('1 Registries');
    const screen = await t.waitFor(/\[exit \d+\]/);
    expect(screen).toContain('internal error (a bug in lazyoci');
    expect(screen).toContain('crash requested by LAZYOCI_BROWSER_CRASH_MS');
    await expectRestored(t, /\[exit 70\]/);
  }, 60_000);

  it('says 401 with a login hint on the htpasswd registry, and lists it with credentials from the docker config', async () => {
    const anon = await open(['browse', `${auth.host}/${prefix}/private`]);
    const refused = await anon.waitFor(/authentication required|401/);
    expect(refused).toContain('lazyoci login');
    await anon.keys('q');
    await expectRestored(anon, /\[exit 0\]/);

    const docker = path.join(work, 'docker-auth');
    await mkdir(docker, { recursive: true });
    const b64 = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
    await writeFile(path.join(docker, 'config.json'), JSON.stringify({ auths: { [auth.host]: { auth: b64 } } }));
    const t = await open(['browse'], { DOCKER_CONFIG: docker });
    await t.waitFor(`${auth.host}  docker`);
    await t.keys('Enter');
    await t.waitFor(`${prefix}/private`);
    const screen = await t.screen();
    expect(screen).not.toContain(auth.password!);
    await t.keys(':');
    await t.type('q');
    await t.keys('Enter');
    await expectRestored(t, /\[exit 0\]/);
  }, 60_000);
});
