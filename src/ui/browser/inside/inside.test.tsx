// The details tabs that look inside a manifest, driven by keys, over the stand-in
// services (test-services.ts, test-inside-services.ts).
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { BrowserApp } from '../BrowserApp.js';
import type { MouseEvent, MouseSource } from '../mouse.js';
import { fixedServices, type FixedServices } from '../test-services.js';
import { imageEntries, layerEntries } from './tree-model.js';
import { insideFiles } from '../test-inside-services.js';

const size = { columns: 100, rows: 30 };
const tick = (ms = 15) => new Promise((r) => setTimeout(r, ms));
const ESC = '\x1b';
const RIGHT = '\x1b[C';
const LEFT = '\x1b[D';
const DOWN = '\x1b[B';

async function until(frame: () => string | undefined, text: string | RegExp | ((f: string) => boolean), ms = 4000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const f = frame() ?? '';
    if (typeof text === 'string' ? f.includes(text) : typeof text === 'function' ? text(f) : text.test(f)) return f;
    if (Date.now() > end) throw new Error(`"${String(text)}" not on screen:\n${f}`);
    await tick();
  }
}

function app(services: FixedServices, tag = 't1', mouse?: MouseSource) {
  let quit = false;
  const view = render(
    <BrowserApp
      services={services}
      theme="default"
      noColor
      readOnly={false}
      onQuit={() => (quit = true)}
      size={size}
      initial={{ registry: 'a.test', repository: 'r', tag }}
      {...(mouse === undefined ? {} : { mouse })}
    />,
  );
  const type = async (...keys: string[]) => {
    for (const k of keys) {
      view.stdin.write(k);
      await tick();
    }
  };
  return { view, type, frame: () => view.lastFrame() ?? '', quit: () => quit };
}

const services = () => fixedServices({ 'a.test': { repositories: ['r'], tags: { r: ['t1', 'multi'] } } });

/** An image's tabs, in order. */
const TABS = ['Overview', 'Config', 'Layers', 'Files', 'Referrers', 'Requests', 'JSON'];

/** From the Overview tab to the one named, then its heading on screen. */
async function toTab(type: (...k: string[]) => Promise<void>, frame: () => string, name: string, heading: string | RegExp): Promise<string> {
  await until(frame, ' Overview  Config ');
  await type(...Array<string>(TABS.indexOf(name)).fill(']'));
  return until(frame, heading);
}

describe('tree model', () => {
  it('marks the whole image by the layer that last wrote each path, and keeps deleted paths as removed', () => {
    const entries = imageEntries(insideFiles());
    expect(entries.map((e) => `${e.change} ${e.path} L${e.layer}`)).toEqual(['unchanged etc L0', 'unchanged etc/motd L0', 'added etc/app.conf L1', 'removed etc/secret L1']);
    expect(layerEntries(insideFiles(), 1).map((e) => `${e.change} ${e.path}`)).toEqual(['added etc/app.conf', 'removed etc/secret']);
  });
});

describe('details: inside an image', () => {
  it('Layers: sizes, compression and history steps; the files read later add file and wasted bytes', async () => {
    const s = services();
    const { view, type, frame } = app(s);
    await until(frame, 'Details t1');
    await toTab(type, frame, 'Layers', '1 layer · Enter: its files');
    await until(frame, /> +0 sha256:aaaaaaaaaaaa +2\.0 KiB gzip COPY app \/bin\/app/);
    // Nothing read from the layers until the Files tab is opened.
    expect(s.inside.imageFiles).toEqual([]);
    await type(']');
    await until(frame, 'whole image, 2 layers applied');
    expect(s.inside.imageFiles).toEqual([`sha256:${'a'.repeat(64)}`]);
    await type('[');
    await until(frame, /files 1\.1 KiB · wasted 1000 B/);
    expect(frame()).toMatch(/0 sha256:aaaaaaaaaaaa +2\.0 KiB gzip files 1\.1 KiB wasted 1000 B/);
    view.unmount();
  });

  it('Files: the whole image with a removed file marked; folders close and open; o and Enter show first lines; Esc closes', async () => {
    const s = services();
    const { view, type, frame } = app(s);
    await until(frame, 'Details t1');
    await toTab(type, frame, 'Files', 'whole image');
    let f = await until(frame, 'secret');
    expect(f).toMatch(/▾ etc\//);
    expect(f).toMatch(/- +secret 1000 B L1/);
    expect(f).toMatch(/\+ +app\.conf 20 B L1/);
    // The cursor starts on etc/: ← closes it, → opens it again.
    await type(LEFT);
    await until(frame, /▸ etc\//);
    expect(frame()).not.toContain('secret');
    await type(RIGHT);
    await until(frame, 'secret');
    // ← at the top level stays in the tree; → on an open folder steps into it, → on a file shows it.
    await type(LEFT, LEFT, RIGHT);
    await until(frame, /▾ etc\//);
    await type(RIGHT, RIGHT);
    await until(frame, 'first line of /etc/app.conf');
    await type(ESC, LEFT);
    expect(frame()).toMatch(/▾ etc\//);
    await type(' ');
    await until(frame, /▸ etc\//);
    await type('\r');
    await until(frame, /▾ etc\//);
    // j to app.conf (folders first, then names), o for its first lines.
    await type('j', 'o');
    f = await until(frame, 'first line of /etc/app.conf');
    expect(f).toContain('/etc/app.conf 40 B');
    expect(s.inside.fileHeads).toEqual(['/etc/app.conf', '/etc/app.conf']);
    await type(ESC);
    await until(frame, 'whole image');
    // ← from a file goes to its folder; Enter on a file shows it too; a deleted file says so.
    await type(DOWN, DOWN, DOWN, '\r');
    await until(frame, 'no file /etc/secret');
    await type(ESC, LEFT);
    await until(frame, /▾ etc\//);
    view.unmount();
  });

  it('a layer read that failed says why; r reads the layers again', async () => {
    const s = services();
    s.inside.failNext = true;
    const { view, type, frame } = app(s);
    await toTab(type, frame, 'Files', 'ended early');
    // r reloads the details (back on their first tab); the Files tab reads again.
    await type('r');
    await toTab(type, frame, 'Files', 'whole image, 2 layers applied');
    expect(s.inside.imageFiles).toHaveLength(2);
    view.unmount();
  });

  it('the mouse wheel over the details moves the cursor of the tree', async () => {
    let listener: ((e: MouseEvent) => void) | undefined;
    const mouse: MouseSource = { subscribe: (l) => ((listener = l), () => undefined) };
    const s = services();
    const { view, type, frame } = app(s, 't1', mouse);
    await toTab(type, frame, 'Files', 'whole image');
    await until(frame, 'secret');
    // Rows: etc/, app.conf, motd, secret. The details pane is at rows 10-28, columns 30-99.
    listener!({ kind: 'wheel-down', button: 64, x: 60, y: 20 });
    await tick();
    await type('o');
    await until(frame, 'no file /etc/secret');
    view.unmount();
  });

  it('Enter on a layer opens its own tree; Esc goes back to the layers', async () => {
    const s = services();
    const { view, type, frame } = app(s);
    await until(frame, 'Details t1');
    await toTab(type, frame, 'Layers', '1 layer · Enter: its files');
    await type('\r');
    const f = await until(frame, 'layer 0 (of 0–1)');
    expect(f).toContain('motd');
    await type(ESC);
    await until(frame, '1 layer');
    await type(RIGHT);
    await until(frame, 'layer 0 (of 0–1)');
    view.unmount();
  });

  it('Config: entrypoint, env, labels and history with the layer each step made', async () => {
    const s = services();
    const { view, type, frame } = app(s);
    await toTab(type, frame, 'Config', 'entrypoint');
    // The view, not the lines that stand in while it loads ('Env' there, 'env' here).
    const f = await until(frame, /┃env +┃/);
    expect(f).toMatch(/platform +linux\/amd64/);
    expect(f).toMatch(/entrypoint +\["\/bin\/app"\]/);
    expect(f).toMatch(/workdir +\/srv/);
    expect(f).toContain('8080/tcp');
    expect(f).toContain('PATH=/bin');
    // Taller than the pane: j scrolls down to the history, k back up.
    await type(...Array<string>(20).fill('j'));
    const end = await until(frame, /L0 +2\.9 KiB COPY app \/bin\/app/);
    expect(end).toMatch(/ - +LABEL org\.example=yes/);
    expect(end).toContain('org.example=yes');
    expect(end).not.toMatch(/platform +linux\/amd64/);
    await type(...Array<string>(40).fill('k'));
    await until(frame, /platform +linux\/amd64/);
    await type('?');
    const help = await until(frame, 'next details tab');
    expect(help).toContain('previous details tab');
    expect(help).toContain("a file's first lines");
    view.unmount();
  });

  it('Referrers and Requests: the tree of what refers to the manifest, and the requests made', async () => {
    const s = services();
    const { view, type, frame } = app(s);
    await until(frame, 'Details t1');
    let f = await toTab(type, frame, 'Referrers', 'referrers (fallback tag)');
    expect(f).toMatch(/└─ application\/spdx\+json sha256:eeeeeeeeeeee \[tag\]/);
    await type(']');
    f = await until(frame, /GET +200 +2 ms/);
    expect(f).toMatch(/\d+ requests?, /);
    // A request recorded while the tab is shown appears.
    s.requests.record({ method: 'HEAD', url: 'http://a.test/v2/r/manifests/late', status: 404, ms: 1, bytes: 0 });
    await until(frame, /HEAD +404 .*a\.test\/v2\/r\/manifests\/late/);
    view.unmount();
  });

  it('a two-platform index: Enter on a platform opens its manifest, Esc comes back', async () => {
    const s = services();
    const { view, type, frame } = app(s, 'multi');
    await until(frame, ' Overview  Platforms ');
    await type('\r');
    await until(frame, '2 platforms · Enter');
    await type('j');
    await until(frame, /> linux\/arm64/);
    await type('\r');
    await until(frame, 'Details multi › linux/arm64');
    await until(frame, /kind +image/);
    await type(ESC);
    await until(frame, /> linux\/arm64/);
    expect(frame()).not.toContain('› linux/arm64');
    // Drilled in again, then the tag refreshed: the index is shown, the drill forgotten.
    await type('\r');
    await until(frame, 'Details multi › linux/arm64');
    await until(frame, /kind +image/);
    await type('r');
    await until(frame, 'Platforms (2)');
    expect(frame()).not.toContain('› linux/arm64');
    await type(ESC);
    await until(frame, /┏━+┓\n.*┃3 Tags/);
    view.unmount();
  });

  it('the layer read runs in the background and stops when another tag is selected and when the browser quits', async () => {
    const s = services();
    s.inside.hold = true;
    const { view, type, frame, quit } = app(s);
    await until(frame, 'Details t1');
    await toTab(type, frame, 'Files', 'reading layer 1 of 2…');
    expect(s.inside.signals).toHaveLength(1);
    // The keys still answer while it reads.
    await type('[');
    await until(frame, '1 layer · Enter');
    expect(s.inside.signals[0]!.aborted).toBe(false);
    await type(':', ...'tag multi', '\r');
    await until(frame, 'Details multi');
    expect(s.inside.signals[0]!.aborted).toBe(true);
    await type(':', ...'tag t1', '\r');
    await until(frame, 'Details t1');
    await toTab(type, frame, 'Files', 'reading layer 1 of 2…');
    expect(s.inside.signals).toHaveLength(2);
    expect(s.inside.signals[1]!.aborted).toBe(false);
    await type('q');
    expect(quit()).toBe(true);
    expect(s.inside.signals[1]!.aborted).toBe(true);
    view.unmount();
  });
});
