// The browser's actions end to end, in a real terminal (tmux) against the real test
// registries: c copies / retags (skopeo sees the new tag at the same digest), d deletes
// a tag (gone from the registry; a registry without deletes says so), y sends OSC 52 (read
// from the pane's raw output), v lends the terminal to $PAGER and takes it back, a saves a
// registry to the settings file, and --read-only refuses c and d.
import { randomBytes, createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLI_PATH, runCli, type CliResult } from './support/cli.js';
import { startRegistry, type RunningRegistry } from './support/registry.js';
import { inspectRaw, listTags } from './support/skopeo.js';
import { TmuxTerminal } from './support/tmux.js';

const { http, auth } = inject('registries');
const id = randomBytes(3).toString('hex');
const prefix = `actions-${id}`;
const SKIP_TLS = { tls: 'skip' as const };

let work: string;
let home: string;
let appDigest: string;
/** A registry started with distribution's default: deletes refused (405 UNSUPPORTED). */
let noDelete: RunningRegistry;
const terminals: TmuxTerminal[] = [];

function ok(r: CliResult): void {
  expect(r.code, r.stderr).toBe(0);
}

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/**
 * `jobControl`: started as an interactive shell starts a command, in a process group of its
 * own that has the terminal (sh -m); a Ctrl-C typed in cooked mode then signals that group
 * only, not the pane's shell (which would end the pane).
 */
async function open(args: string[], env: Record<string, string> = {}, jobControl = false): Promise<TmuxTerminal> {
  const argv = [process.execPath, CLI_PATH, ...args];
  const t = await TmuxTerminal.start(jobControl ? ['/bin/sh', '-m', '-c', '"$0" "$@"; exit $?', ...argv] : argv, {
    columns: 120,
    rows: 32,
    cwd: work,
    env: { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DATA_HOME: path.join(home, 'data'), DOCKER_CONFIG: path.join(home, 'docker'), ...env },
  });
  terminals.push(t);
  return t;
}

/** Push two files as an artifact; each call with another `salt` makes another manifest. */
async function pushArtifact(ref: string, salt: string): Promise<void> {
  const dir = await mkdtemp(path.join(work, 'files-'));
  await writeFile(path.join(dir, 'notes.txt'), `notes ${salt}\n`);
  ok(await runCli(['push', 'notes.txt', ref, '--artifact-type', 'application/vnd.test.bundle.v1', '-q'], { cwd: dir }));
}

/** Type a field, then let it land before the next key (a Tab sent with the text would be part of one paste). */
async function field(t: TmuxTerminal, text: string): Promise<void> {
  await t.type(text);
  await t.waitFor(text);
}

async function quit(t: TmuxTerminal): Promise<void> {
  await t.keys('q');
  await t.waitFor(/\[exit 0\]/);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-browser-actions-'));
  home = path.join(work, 'home');
  await mkdir(path.join(home, 'docker'), { recursive: true });
  await pushArtifact(`${http.host}/${prefix}/app:v1`, 'app');
  appDigest = sha256(await inspectRaw(`${http.host}/${prefix}/app:v1`, SKIP_TLS));
  noDelete = await startRegistry('http', { name: 'no-delete', deleteEnabled: false });
  await pushArtifact(`${noDelete.host}/${prefix}/kept:v1`, 'kept');
  const dir = await mkdtemp(path.join(work, 'private-'));
  await writeFile(path.join(dir, 'notes.txt'), 'private\n');
  ok(await runCli(['push', 'notes.txt', `${auth.host}/${prefix}/private:v1`, '-q', '--username', auth.username!, '--password', auth.password!], { cwd: dir }));
}, 120_000);

afterAll(async () => {
  await Promise.all(terminals.map((t) => t.stop()));
  await noDelete?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('browser actions (tmux, real registry)', () => {
  it('c retags in the same repository and copies to another; skopeo sees both at the same digest', async () => {
    const t = await open(['browse', `${http.host}/${prefix}/app:v1`]);
    await t.waitFor('Details v1');
    await t.waitFor('application/vnd.test.bundle.v1');
    await t.keys('c');
    await t.waitFor(`Copy / retag ${http.host}/${prefix}/app:v1`);
    // The prompt starts with the source itself, which it refuses.
    await t.waitFor('that is the source itself');
    await t.keys('C-u');
    await t.type(`${http.host}/${prefix}/app`);
    await t.waitFor('add a tag');
    await t.type(':v2');
    await t.keys('Enter');
    await t.waitFor(`retagged ${http.host}/${prefix}/app:v1 → ${http.host}/${prefix}/app:v2`);
    // The tags pane is read again and the details stay open.
    await t.waitFor('3 Tags (2)');
    await t.waitFor('Details v1');
    expect(sha256(await inspectRaw(`${http.host}/${prefix}/app:v2`, SKIP_TLS))).toBe(appDigest);

    await t.keys('c');
    // The prompt has the keyboard only once it is drawn.
    await t.waitFor('that is the source itself');
    await t.keys('C-u');
    await t.type(`${http.host}/${prefix}/copied:c1`);
    await t.keys('Enter');
    await t.waitFor(`copied ${http.host}/${prefix}/app:v1 → ${http.host}/${prefix}/copied:c1`);
    expect(sha256(await inspectRaw(`${http.host}/${prefix}/copied:c1`, SKIP_TLS))).toBe(appDigest);
    expect(await listTags(`${http.host}/${prefix}/copied`, SKIP_TLS)).toEqual(['c1']);
    await quit(t);
  });

  it('d deletes a tag after the confirmation that names it and its digest; the tag is gone and the list is read again', async () => {
    await pushArtifact(`${http.host}/${prefix}/gone:v1`, 'gone');
    await pushArtifact(`${http.host}/${prefix}/gone:keep`, 'keep');
    const gone = sha256(await inspectRaw(`${http.host}/${prefix}/gone:v1`, SKIP_TLS));
    const t = await open(['browse', `${http.host}/${prefix}/gone:v1`]);
    await t.waitFor('Details v1');
    await t.waitFor('3 Tags (2)');
    await t.keys('d');
    const dialog = await t.waitFor(`Delete ${http.host}/${prefix}/gone:v1?`);
    expect(dialog).toContain(`manifest ${gone.slice(0, 40)}`);
    // n (or Esc, or Enter) keeps it.
    await t.keys('n');
    await t.waitFor('4 Details');
    expect((await listTags(`${http.host}/${prefix}/gone`, SKIP_TLS)).sort()).toEqual(['keep', 'v1']);
    await t.keys('d');
    await t.waitFor(`Delete ${http.host}/${prefix}/gone:v1?`);
    await t.keys('y');
    await t.waitFor(`deleted ${http.host}/${prefix}/gone:v1 (manifest ${gone.slice(0, 19)}…)`);
    // The list is read again, and has the focus (the deleted tag's details are gone).
    await t.waitFor(/┏━+┓\n.*┃3 Tags \(1\)/);
    expect(await listTags(`${http.host}/${prefix}/gone`, SKIP_TLS)).toEqual(['keep']);
    await quit(t);
  });

  it('d on a registry that keeps deletes off says so in the status line, and the tag stays', async () => {
    const t = await open(['browse', `${noDelete.host}/${prefix}/kept:v1`]);
    await t.waitFor('Details v1');
    await t.keys('d');
    await t.waitFor(`Delete ${noDelete.host}/${prefix}/kept:v1?`);
    await t.keys('y');
    await t.waitFor(`${noDelete.host} does not allow deletes (405 UNSUPPORTED): nothing was deleted`);
    expect(await listTags(`${noDelete.host}/${prefix}/kept`, SKIP_TLS)).toEqual(['v1']);
    await quit(t);
  });

  it('y sends the reference as OSC 52 (wrapped for tmux), read from the pane output', async () => {
    const t = await open(['browse', `${http.host}/${prefix}/app`]);
    await t.waitFor(/v1\s+artifact/);
    const log = path.join(work, `pane-${randomBytes(3).toString('hex')}.log`);
    await t.tmux('pipe-pane', '-o', `cat >> '${log}'`);
    // The tags pane: v1 sorts before v2 as the newest version? Select v1 by the filter.
    await t.keys('/');
    await t.type('v1');
    await t.keys('Enter', 'y');
    await t.waitFor(`copied ${http.host}/${prefix}/app:v1 to the clipboard`);
    const encoded = Buffer.from(`${http.host}/${prefix}/app:v1`).toString('base64');
    // tmux's pass-through form: every ESC inside doubled, ended by ESC \.
    await expect.poll(async () => readFile(log, 'latin1').catch(() => ''), { timeout: 10_000 }).toContain(`\x1bPtmux;\x1b\x1b]52;c;${encoded}\x07\x1b\\`);
    await t.tmux('pipe-pane');
    await quit(t);
  });

  it('y with a bare OSC 52 (outside a multiplexer) sets the terminal clipboard: tmux keeps it as a paste buffer', async () => {
    const t = await open(['browse', `${http.host}/${prefix}/app:v1`], { TMUX: '' });
    await t.tmux('set-option', '-s', 'set-clipboard', 'on');
    await t.waitFor('Details v1');
    await t.waitFor('application/vnd.test.bundle.v1');
    await t.waitFor(/v1\s+artifact/);
    await t.keys('3', 'y');
    await t.waitFor('to the clipboard');
    await expect.poll(async () => t.tmux('show-buffer').catch(() => ''), { timeout: 10_000 }).toBe(`${http.host}/${prefix}/app:v1`);
    await t.keys('4', 'y');
    await expect.poll(async () => t.tmux('show-buffer').catch(() => ''), { timeout: 10_000 }).toBe(`${http.host}/${prefix}/app@${appDigest}`);
    await quit(t);
  });

  it('v shows the raw manifest in $PAGER: keys go to the pager, its Ctrl-C does not end the browser, which comes back intact', async () => {
    const paged = path.join(work, 'paged.json');
    const typed = path.join(work, 'typed.txt');
    const pager = path.join(work, 'pager.sh');
    await writeFile(
      pager,
      ['#!/bin/sh', `cat > '${paged}'`, 'printf "PAGER-ASKS: "', `read line < /dev/tty`, `printf '%s' "$line" > '${typed}'`, 'echo PAGER-WAITS', 'sleep 60'].join('\n'),
    );
    await chmod(pager, 0o755);
    const t = await open(['browse', `${http.host}/${prefix}/app:v1`], { PAGER: pager }, true);
    await t.waitFor('Details v1');
    await t.waitFor('application/vnd.test.bundle.v1');
    await t.keys('v');
    await t.waitFor('PAGER-ASKS:');
    // The pager has the terminal: the main screen, the cursor shown, no mouse reports, cooked input.
    expect(await t.format('#{alternate_on} #{cursor_flag} #{mouse_any_flag}')).toBe('0 1 0');
    await t.type('hello q');
    await t.keys('Enter');
    await t.waitFor('PAGER-WAITS');
    expect(await readFile(typed, 'utf8')).toBe('hello q');
    await t.keys('C-c');
    await t.waitFor(`raw JSON of ${http.host}/${prefix}/app:v1 closed`);
    // The browser's screen is drawn again in full.
    const back = await t.waitFor('1 Registries');
    expect(back).toContain('4 Details v1');
    expect(back).not.toContain('PAGER-WAITS');
    expect(await t.format('#{alternate_on} #{cursor_flag} #{mouse_any_flag}')).toBe('1 0 1');
    const raw = JSON.parse(await readFile(paged, 'utf8')) as { schemaVersion: number; artifactType: string };
    expect(raw.schemaVersion).toBe(2);
    expect(raw.artifactType).toBe('application/vnd.test.bundle.v1');
    // Keys work again.
    await t.keys('?');
    await t.waitFor('Keys — Details');
    await t.keys('Escape');
    await quit(t);
  });

  it('a saves a registry with credentials from the form (Ctrl-T tests it); the settings file has it, the screen never shows the password', async () => {
    const t = await open([]);
    await t.waitFor('1 Registries');
    await t.keys('a');
    await t.waitFor('Add a registry');
    await t.keys('Tab');
    await field(t, auth.host);
    await t.keys('Tab');
    await field(t, 'lab');
    await t.keys('Tab');
    await field(t, auth.username!);
    await t.keys('Tab');
    await t.type(auth.password!);
    // The password shows as a mask of fixed length (the form's TextField).
    const screens = [await t.waitFor('Password  ••••••••')];
    await t.keys('C-t');
    screens.push(await t.waitFor('credentials accepted'));
    await t.keys('Enter');
    screens.push(await t.waitFor(`saved registry ${auth.host}`));
    screens.push(await t.waitFor(new RegExp(`${auth.host.replace(/\./g, '\\.')} \\(lab\\)\\s+saved`)));
    for (const s of screens) expect(s).not.toContain(auth.password!);
    const settings = await readFile(path.join(home, '.config', 'lazyoci', 'config.yaml'), 'utf8');
    expect(settings).toContain(auth.host);
    expect(settings).toContain('lab');
    expect(settings).toContain(auth.username!);
    // The saved credentials are used: the registry opens without a login.
    await t.keys('Enter');
    await t.waitFor('2 Repositories');
    await t.keys('/');
    await t.type(prefix);
    await t.keys('Enter');
    await t.waitFor(`${prefix}/private`);
    await quit(t);
  });

  it('--read-only refuses c and d with a clear message, and the registry is unchanged', async () => {
    const before = (await listTags(`${http.host}/${prefix}/app`, SKIP_TLS)).sort();
    const t = await open(['browse', '--read-only', `${http.host}/${prefix}/app:v1`]);
    await t.waitFor('Details v1');
    await t.keys('c');
    await t.waitFor('copy / retag refused: --read-only');
    await t.keys('d');
    await t.waitFor('delete refused: --read-only');
    const screen = await t.screen();
    expect(screen).not.toContain('Copy / retag');
    expect(screen).not.toContain('Delete ');
    expect((await listTags(`${http.host}/${prefix}/app`, SKIP_TLS)).sort()).toEqual(before);
    await quit(t);
  });
});
