// The browser's actions on their own screen: y (OSC 52), c (prompt, task, cancel), d
// (confirm, delete, 405, forget a saved registry), v (pager), a / e (registry form), and
// --read-only. The use cases behind them are stand-ins here; test/browser-actions-tui.test.ts
// runs them against the real registry.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryError } from '../../errors/index.js';
import { BrowserApp, type BrowserAppProps } from './BrowserApp.js';
import type { BrowserTerminal } from './browser-terminal.js';
import { osc52Sequence } from './parts/osc52.js';
import { KEYS } from './parts/keys.test-support.js';
import { fixedServices, type FixedServices } from './test-services.js';

const size = { columns: 100, rows: 30 };
const tick = (ms = 40) => new Promise((r) => setTimeout(r, ms));
const DIGEST = `sha256:${'a'.repeat(64)}`;

/**
 * Waits for `text` on screen. A dialog that opened or closed moves the keyboard between
 * input handlers in React effects, which run after the frame is drawn: the next key waits
 * for them (a key written before would sit unread in the test stdin).
 */
async function until(frame: () => string | undefined, text: string | RegExp, ms = 4000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const f = frame() ?? '';
    if (typeof text === 'string' ? f.includes(text) : text.test(f)) {
      await tick(60);
      return f;
    }
    if (Date.now() > end) throw new Error(`"${String(text)}" not on screen:\n${f}`);
    await tick(15);
  }
}

interface FakeTerminal extends BrowserTerminal {
  written: string[];
  events: string[];
}

function fakeTerminal(env: NodeJS.ProcessEnv = {}): FakeTerminal {
  const t: FakeTerminal = {
    env,
    written: [],
    events: [],
    write: (text) => void t.written.push(text),
    suspend: () => void t.events.push('suspend'),
    resume: () => void t.events.push('resume'),
  };
  return t;
}

function app(services: FixedServices, extra: Partial<BrowserAppProps> = {}) {
  const view = render(<BrowserApp services={services} theme="default" noColor readOnly={false} onQuit={() => undefined} size={size} {...extra} />);
  const type = async (...keys: string[]) => {
    for (const k of keys) {
      view.stdin.write(k);
      await tick();
    }
  };
  return { view, type, frame: () => view.lastFrame() ?? '' };
}

function services(): FixedServices {
  return fixedServices({ 'a.test': { repositories: ['team/app', 'other'], tags: { 'team/app': ['latest'] } }, 'b.test': {} });
}

const AT_TAGS = { initial: { registry: 'a.test', repository: 'team/app' } };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-actions-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('browser actions: y copies the reference with OSC 52', () => {
  it('copies HOST/REPO:TAG from the tags pane, HOST/REPO@DIGEST from details, HOST/REPO from repositories and HOST from registries', async () => {
    const terminal = fakeTerminal();
    const { view, type, frame } = app(services(), { ...AT_TAGS, terminal });
    await until(frame, 'linux/amd64');
    await type('y');
    await until(frame, 'copied a.test/team/app:latest to the clipboard');
    expect(terminal.written).toEqual([osc52Sequence('a.test/team/app:latest')]);
    await type('\r');
    await until(frame, 'artifactType');
    await type('y');
    await until(frame, `copied a.test/team/app@sha256:${'a'.repeat(20)}`);
    expect(terminal.written[1]).toBe(osc52Sequence(`a.test/team/app@${DIGEST}`));
    await type('2', 'y');
    await until(frame, 'copied a.test/team/app to the clipboard');
    expect(terminal.written[2]).toBe(osc52Sequence('a.test/team/app'));
    await type('1', 'y');
    await until(frame, 'copied a.test to the clipboard');
    expect(terminal.written[3]).toBe(osc52Sequence('a.test'));
    view.unmount();
  });

  it('wraps the sequence for tmux when $TMUX is set, and says so when the text is too long', async () => {
    const terminal = fakeTerminal({ TMUX: '/tmp/tmux-1/default,1,0' });
    const long = `t${'x'.repeat(80_000)}`;
    const s = fixedServices({ 'a.test': { repositories: ['r'], tags: { r: ['v1', long] } } });
    const { view, type, frame } = app(s, { initial: { registry: 'a.test', repository: 'r' }, terminal });
    await until(frame, 'linux/amd64');
    await type('y');
    await until(frame, 'copied a.test/r:v1');
    expect(terminal.written[0]!.startsWith('\x1bPtmux;\x1b\x1b]52;c;')).toBe(true);
    await type('j', 'y');
    await until(frame, 'too long for the clipboard (OSC 52)');
    expect(terminal.written).toHaveLength(1);
    view.unmount();
  });
});

describe('browser actions: c copies / retags through a prompt', () => {
  it('opens the prompt with the source, refuses an invalid target, and copies on Enter', async () => {
    const s = services();
    const { view, type, frame } = app(s, AT_TAGS);
    await until(frame, 'linux/amd64');
    await type('c');
    await until(frame, 'Copy / retag a.test/team/app:latest');
    expect(frame()).toContain('that is the source itself');
    await type(KEYS.ctrlU, 'not a ref!', '\r');
    await until(frame, '✗');
    expect(s.copies).toEqual([]);
    await type(KEYS.ctrlU, 'a.test/team/app', '\r');
    await until(frame, 'add a tag');
    expect(s.copies).toEqual([]);
    await type(':v2', '\r');
    await until(frame, 'retagged a.test/team/app:latest → a.test/team/app:v2 (sha256:aaaaaaaaaaaa…)');
    expect(s.copies).toEqual(['a.test/team/app:latest → a.test/team/app:v2']);
    view.unmount();
  });

  it('shows the progress in the status bar and is cancelled with Esc', async () => {
    const s = services();
    let aborted = false;
    s.copy = (_src, _dest, progress, signal) =>
      new Promise((_resolve, reject) => {
        progress.onTotal({ bytes: 1000, blobs: 1, manifests: 1 } as never);
        progress.onEvent({ type: 'copied', descriptor: { mediaType: 'application/octet-stream', digest: DIGEST as never, size: 500 } } as never);
        signal.addEventListener('abort', () => {
          aborted = true;
          reject(signal.reason as Error);
        });
      });
    const { view, type, frame } = app(s, AT_TAGS);
    await until(frame, 'linux/amd64');
    await type('c');
    await until(frame, 'Copy / retag');
    await type(KEYS.ctrlU, 'b.test/copy/app:v1', '\r');
    await until(frame, /copying a\.test\/team\/app:latest → b\.test\/copy\/app:v1 50% 500 B \/ 1000 B/);
    expect(frame()).toContain('Esc cancels');
    await type(KEYS.escape);
    await until(frame, 'copy cancelled');
    expect(aborted).toBe(true);
    view.unmount();
  });

  it('is refused under --read-only, before any prompt', async () => {
    const s = services();
    const { view, type, frame } = app(s, { ...AT_TAGS, readOnly: true });
    await until(frame, 'linux/amd64');
    await type('c');
    await until(frame, 'copy / retag refused: --read-only');
    expect(frame()).not.toContain('Copy / retag');
    await type('d');
    await until(frame, 'delete refused: --read-only');
    expect(frame()).not.toContain('Delete a.test');
    expect(s.copies).toEqual([]);
    expect(s.deletes).toEqual([]);
    view.unmount();
  });
});

describe('browser actions: d deletes after a confirmation', () => {
  it('names the reference and digest; n keeps it, y deletes it and the tags are read again', async () => {
    const s = services();
    const tagReads: string[] = [];
    const tags = s.tags;
    s.tags = (registry, repository) => {
      tagReads.push(repository);
      return tags(registry, repository);
    };
    const { view, type, frame } = app(s, AT_TAGS);
    await until(frame, 'linux/amd64');
    await type('d');
    const dialog = await until(frame, 'Delete a.test/team/app:latest?');
    // The digest wraps in the dialog's width: its first part is on the manifest line.
    expect(dialog).toContain(`manifest sha256:${'a'.repeat(40)}`);
    await type('n');
    await until(frame, '3 Tags');
    expect(s.deletes).toEqual([]);
    const reads = tagReads.length;
    await type('d');
    await until(frame, 'Delete a.test/team/app:latest?');
    await type('y');
    await until(frame, 'deleted a.test/team/app:latest (manifest sha256:aaaaaaaaaaaa…)');
    expect(s.deletes).toEqual(['a.test/team/app:latest']);
    expect(tagReads.length).toBe(reads + 1);
    view.unmount();
  });

  it('says plainly when the registry does not allow deletes (405 UNSUPPORTED)', async () => {
    const s = services();
    s.deleteManifest = async () => {
      throw new RegistryError('delete manifest a.test/team/app@sha256:aaa: the registry does not allow deletes (REGISTRY_STORAGE_DELETE_ENABLED)', {
        method: 'DELETE',
        url: '/v2/team/app/manifests/sha256:aaa',
        status: 405,
        codes: [{ code: 'UNSUPPORTED', message: 'The operation is unsupported.' }],
      });
    };
    const { view, type, frame } = app(s, AT_TAGS);
    await until(frame, 'linux/amd64');
    await type('d');
    await until(frame, 'Delete a.test/team/app:latest?');
    await type('y');
    await until(frame, 'a.test does not allow deletes (405 UNSUPPORTED): nothing was deleted');
    view.unmount();
  });

  it('forgets a saved registry in the registries pane after a confirmation, and lists the rest', async () => {
    const s = services();
    const { view, type, frame } = app(s);
    await until(frame, 'b.test');
    await type('j', 'd');
    await until(frame, 'Forget the saved registry b.test?');
    await type('y');
    await until(frame, 'forgot registry b.test');
    expect(s.removes).toEqual(['b.test']);
    expect(frame()).not.toMatch(/b\.test\s+saved/);
    view.unmount();
  });
});

describe('browser actions: v shows the raw JSON in $PAGER', () => {
  it('suspends the screen, runs the pager with the manifest on its input, and comes back', async () => {
    const out = path.join(dir, 'paged.json');
    const terminal = fakeTerminal({ PATH: process.env.PATH ?? '', PAGER: `cat > '${out}'` });
    const s = services();
    s.details = async () => ({ ...(await fixedServices({}).details('a', 'b', 'latest')), raw: '{\n  "schemaVersion": 2\n}' });
    const { view, type, frame } = app(s, { ...AT_TAGS, terminal });
    await until(frame, 'linux/amd64');
    await type('v');
    await until(frame, 'raw JSON of a.test/team/app:latest closed');
    expect(terminal.events).toEqual(['suspend', 'resume']);
    expect(await readFile(out, 'utf8')).toBe('{\n  "schemaVersion": 2\n}');
    view.unmount();
  });

  it('says so when there is no pager at all', async () => {
    const terminal = fakeTerminal({ PATH: path.join(dir, 'empty'), PAGER: '' });
    const { view, type, frame } = app(services(), { ...AT_TAGS, terminal });
    await until(frame, 'linux/amd64');
    await type('v');
    await until(frame, 'no pager found; set $PAGER or install less');
    expect(terminal.events).toEqual([]);
    view.unmount();
  });
});

describe('browser actions: a / e open the registry form', () => {
  it('adds a registry: the host is checked, Ctrl-T tests it, Enter saves it and the list shows it', async () => {
    const s = services();
    const { view, type, frame } = app(s);
    await until(frame, 'b.test');
    await type('a');
    await until(frame, 'Add a registry');
    await type(KEYS.tab, '\r');
    await until(frame, 'the registry host is needed');
    expect(s.saves).toEqual([]);
    await type('new.test:5000', KEYS.ctrlT);
    await until(frame, 'new.test:5000 answers; no login needed');
    await type('\r');
    await until(frame, 'saved registry new.test:5000');
    expect(s.saves).toMatchObject([{ name: 'new.test:5000' }]);
    await until(frame, /new\.test:5000\s+saved/);
    view.unmount();
  });

  it('edits the selected registry: the form opens on it, the password is never drawn, Esc closes it', async () => {
    const s = services();
    s.savedRegistry = async (name) => ({ name, username: 'alice', password: 'pw-never-drawn-7' });
    const { view, type, frame } = app(s);
    await until(frame, 'b.test');
    await type('e');
    await until(frame, 'Edit registry a.test');
    await until(frame, 'alice');
    expect(view.frames.join('\n')).not.toContain('pw-never-drawn-7');
    await type('\r');
    await until(frame, 'updated registry a.test');
    expect(s.saves).toMatchObject([{ name: 'a.test', username: 'alice', replaces: 'a.test' }]);
    expect(s.saves[0]!.password).toBeUndefined();
    await type('e');
    await until(frame, 'Edit registry a.test');
    await type(KEYS.escape);
    // The right column is the tags and details panes again.
    await until(frame, '3 Tags');
    expect(frame()).not.toContain('Edit registry');
    view.unmount();
  });
});
