import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { ContentError, RegistryError } from '../../errors/index.js';
import { BrowserApp, type BrowserAppProps } from './BrowserApp.js';
import { fixedDetails, fixedServices, type FixedServices } from './test-services.js';

const size = { columns: 80, rows: 24 };
const tick = (ms = 15) => new Promise((r) => setTimeout(r, ms));
const ESC = '\x1b';

async function until(frame: () => string | undefined, text: string | RegExp, ms = 4000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const f = frame() ?? '';
    if (typeof text === 'string' ? f.includes(text) : text.test(f)) return f;
    if (Date.now() > end) throw new Error(`"${String(text)}" not on screen:\n${f}`);
    await tick();
  }
}

/** The tag names in the tags pane, top to bottom. */
function tagsShown(frame: string): string[] {
  // eslint-disable-next-line no-control-regex
  return frame.replace(/\x1b\[[\d;]*m/g, '').split('\n').flatMap((l) => {
    const m = /[│┃][ ▸]([^\s│┃]+)\s+(image|…|index)/.exec(l.slice(24));
    return m === null ? [] : [m[1]!];
  });
}

function app(services: FixedServices, extra: Partial<BrowserAppProps> = {}) {
  let quit = false;
  const view = render(<BrowserApp services={services} theme="default" noColor readOnly={false} onQuit={() => (quit = true)} size={size} {...extra} />);
  const type = async (...keys: string[]) => {
    for (const k of keys) {
      view.stdin.write(k);
      await tick();
    }
  };
  return { view, type, frame: () => view.lastFrame() ?? '', quit: () => quit };
}

describe('BrowserApp', () => {
  it('opens at a place given on the command line, tags sorted, summaries for the rows on screen', async () => {
    const s = fixedServices({ 'reg.test': { repositories: ['app'], tags: { app: ['v1.0.0', 'latest', 'v2.0.0', 'edge', 'v10.0.0'] } } });
    const { view, type, frame } = app(s, { initial: { registry: 'reg.test', repository: 'app', tag: 'v2.0.0' } });
    await until(frame, 'Details v2.0.0');
    expect(frame()).toContain('reg.test › app › v2.0.0');
    await type('3');
    await until(frame, /edge\s+image/);
    expect(tagsShown(frame())).toEqual(['latest', 'v10.0.0', 'v2.0.0', 'v1.0.0', 'edge']);
    view.unmount();
  });

  it('walks registries → repositories → tags → details with Enter, back with Esc, and jumps with 1-4', async () => {
    const s = fixedServices({ 'a.test': { repositories: ['one', 'two'], tags: { two: ['t1'] } } });
    const { view, type, frame } = app(s);
    await until(frame, 'a.test');
    await type('\r');
    await until(frame, '(2)');
    await type('j', '\r');
    await until(frame, 'a.test › two');
    await type('\r');
    await until(frame, 'Details t1');
    await until(frame, 'Overview');
    await type('l');
    await until(frame, 'entrypoint');
    expect(frame()).toContain('["/bin/app"]');
    // The history is at the end of the Config tab (G), below the fold in this small terminal.
    await type('G');
    await until(frame, 'COPY app /bin/app');
    await type(ESC);
    await until(frame, '┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓');
    await type('1');
    await until(frame, /┏━+┓[^\n]*\n┃1 Registries/);
    view.unmount();
  });

  it('scrolls a long details tab: after G, one k moves up one line (keys past the end do not pile up)', async () => {
    const s = fixedServices({ 'reg.test': { repositories: ['app'], tags: { app: ['v1'] } } });
    s.details = async (_r, _repo, tag) => ({ ...fixedDetails(tag), raw: Array.from({ length: 60 }, (_, i) => `line ${i}`).join('\n') });
    const { view, type, frame } = app(s, { initial: { registry: 'reg.test', repository: 'app', tag: 'v1' } });
    await until(frame, 'Overview');
    await type('4', ']', ']', ']', ']', ']', ']');
    await until(frame, 'line 0');
    const range = (): [number, number] => {
      const m = /(\d+)-(\d+)\/60/.exec(frame());
      return m === null ? [-1, -1] : [Number(m[1]), Number(m[2])];
    };
    await type('G', 'j', 'j', 'j');
    await until(frame, 'line 59');
    const [top, bottom] = range();
    expect(bottom).toBe(60);
    await type('k');
    await until(frame, `${top - 1}-59/60`);
    await type('g');
    await until(frame, /1-\d+\/60/);
    expect(range()[0]).toBe(1);
    view.unmount();
  });

  it('filters as you type and clears with Esc', async () => {
    const tags = Array.from({ length: 500 }, (_, i) => `build-${i}`);
    const s = fixedServices({ 'a.test': { repositories: ['r'], tags: { r: tags } } });
    const { view, type, frame } = app(s, { initial: { registry: 'a.test', repository: 'r' } });
    await until(frame, '(500)');
    await type('/', '4', '9', '9');
    const f = await until(frame, '(1 of 500) /499');
    expect(f).toContain('build-499');
    expect(f).not.toContain('build-498');
    await type(ESC);
    await until(frame, '(500)');
    view.unmount();
  });

  it('asks for tag summaries only for rows on screen, at most 4 at a time', async () => {
    const tags = Array.from({ length: 2000 }, (_, i) => `t${String(i).padStart(4, '0')}`);
    const s = fixedServices({ 'a.test': { repositories: ['r'], tags: { r: tags } } });
    const { view, frame } = app(s, { initial: { registry: 'a.test', repository: 'r' } });
    await until(frame, '(2000)');
    await until(frame, 'linux/amd64');
    await tick(100);
    // The tags pane shows 10 rows at 80×24.
    expect(s.summaryCalls.length).toBeGreaterThan(0);
    expect(s.summaryCalls.length).toBeLessThanOrEqual(12);
    view.unmount();
  });

  it('reads the catalog a page at a time as the cursor goes down', async () => {
    const repos = Array.from({ length: 250 }, (_, i) => `repo-${String(i).padStart(3, '0')}`);
    const s = fixedServices({ 'big.test': { repositories: repos } });
    const { view, type, frame } = app(s, { initial: { registry: 'big.test' } });
    await until(frame, '(100+)');
    expect(s.catalogPages).toBe(1);
    await type('G');
    await until(frame, '(200+)');
    await type('G');
    await until(frame, '(250)');
    expect(s.catalogPages).toBe(3);
    view.unmount();
  });

  it('says a registry has no catalog and opens a repository typed on the command line', async () => {
    const s = fixedServices({ 'ghcr.io': { catalogless: 'GHCR offers no catalog', tags: { 'org/app': ['1.0.0'] } } });
    const { view, type, frame } = app(s, { initial: { registry: 'ghcr.io' } });
    await until(frame, /GHCR offers no\s/);
    await type('\r');
    await until(frame, ':repo █');
    await type(...'org/app', '\r');
    await until(frame, 'ghcr.io › org/app');
    await until(frame, '1.0.0');
    await type(':', ...'tag 1.0.0', '\r');
    await until(frame, 'Details 1.0.0');
    view.unmount();
  });

  it('shows a 401 in the pane with a login hint, not a crash', async () => {
    const s = fixedServices({ 'locked.test': {} });
    s.catalog = () => ({
      next: async () => {
        throw new RegistryError('list repositories of locked.test: authentication required (401)', { method: 'GET', url: '/v2/_catalog', status: 401 });
      },
    });
    const { view, frame } = app(s, { initial: { registry: 'locked.test' } });
    const f = await until(frame, 'required (401)');
    expect(f).toContain('log in: lazyoci login');
    view.unmount();
  });

  it('shows help for the focused pane from the action table, and refuses delete under --read-only', async () => {
    const s = fixedServices({ 'a.test': { repositories: ['r'], tags: { r: ['v1'] } } });
    const { view, type, frame } = app(s, { readOnly: true, initial: { registry: 'a.test', repository: 'r' } });
    await until(frame, 'linux/amd64');
    await type('?');
    const help = await until(frame, 'Keys — Tags');
    expect(help).toContain('pull as an OCI layout');
    expect(help).toContain('filter as you type');
    await type('?');
    await type('d');
    await until(frame, 'delete refused: --read-only');
    await type('c');
    await until(frame, 'copy / retag refused: --read-only');
    view.unmount();
  });

  it('cycles themes with t and saves the choice; q quits', async () => {
    const saved: string[] = [];
    const s = fixedServices({ 'a.test': {} });
    const { view, type, frame, quit } = app(s, { noColor: false, saveTheme: async (t) => void saved.push(t) });
    await until(frame, 'a.test');
    await type('t');
    await until(frame, 'theme light');
    await type('t');
    expect(saved).toEqual(['light', 'dracula']);
    await type('q');
    expect(quit()).toBe(true);
    view.unmount();
  });

  it('pulls with progress in the status bar and cancels on Esc', async () => {
    const s = fixedServices({ 'a.test': { repositories: ['r'], tags: { r: ['v1'] } } });
    let signal: AbortSignal | undefined;
    s.pull = (_ref, _format, progress, sig) => {
      signal = sig;
      progress.onTotal({ bytes: 4096, blobs: 2 });
      progress.onEvent({ type: 'copied', target: 'x', descriptor: { mediaType: 'a', digest: 'sha256:1', size: 1024 } });
      return new Promise((_, reject) => sig.addEventListener('abort', () => reject(sig.reason)));
    };
    const { view, type, frame } = app(s, { initial: { registry: 'a.test', repository: 'r' } });
    await until(frame, 'linux/amd64');
    await type('p');
    await until(frame, /pulling a\.test\/r:v1 25% 1\.0 KiB \/ 4\.0 KiB/);
    await type(ESC);
    await until(frame, 'pull cancelled');
    expect(signal?.aborted).toBe(true);
    view.unmount();
  });

  it('scrolls and selects with the mouse', async () => {
    const s = fixedServices({ 'a.test': { repositories: ['one', 'two', 'three'] } });
    let listener: ((e: import('./mouse.js').MouseEvent) => void) | undefined;
    const mouse = { subscribe: (l: (e: import('./mouse.js').MouseEvent) => void) => ((listener = l), () => undefined) };
    const { view, frame } = app(s, { mouse, initial: { registry: 'a.test' } });
    await until(frame, 'three');
    // Repositories pane: from row 7 (a title line, 6 rows of registries); its border and title, then rows.
    listener!({ kind: 'press', button: 0, x: 3, y: 7 + 2 + 2 });
    await tick(30);
    listener!({ kind: 'press', button: 0, x: 3, y: 7 + 2 + 2 });
    await until(frame, 'a.test › three');
    view.unmount();
  });

  it('shows registry text made safe: escape sequences in a tag are printed, not obeyed', async () => {
    const s = fixedServices({ 'a.test': { repositories: ['r'], tags: { r: ['\x1b]0;pwned\x07evil'] } } });
    const { view, frame } = app(s, { initial: { registry: 'a.test', repository: 'r' } });
    const f = await until(frame, 'pwned');
    expect(f).toContain('\\x1b]0;pwned');
    expect(f).not.toContain('\x1b]0;');
    view.unmount();
  });

  it('shows a manifest that cannot be parsed in the details pane, and r asks again', async () => {
    const s = fixedServices({ 'a.test': { repositories: ['r'], tags: { r: ['bad'] } } });
    let asked = 0;
    s.details = async () => {
      asked++;
      throw new ContentError('a.test/r:bad: manifest is not valid JSON');
    };
    const { view, type, frame } = app(s, { initial: { registry: 'a.test', repository: 'r', tag: 'bad' } });
    await until(frame, 'manifest is not valid JSON');
    await type('r');
    await until(() => String(asked), '2');
    view.unmount();
  });

  it('lays out again when the terminal size changes', async () => {
    const s = fixedServices({ 'a.test': {} });
    const { view, frame } = app(s);
    await until(frame, 'a.test');
    expect(frame().split('\n')).toHaveLength(24);
    view.rerender(<BrowserApp services={s} theme="default" noColor readOnly={false} onQuit={() => undefined} size={{ columns: 120, rows: 40 }} />);
    await until(() => String(frame().split('\n').length), '40');
    expect(frame().split('\n')[1]!.length).toBe(120);
    view.unmount();
  });

  it('takes keys that arrive together (a paste, fast typing) one by one', async () => {
    const s = fixedServices({ 'a.test': { repositories: ['one', 'two', 'three'] } });
    const { view, type, frame } = app(s, { initial: { registry: 'a.test' } });
    await until(frame, 'three');
    await type('jj\r');
    await until(frame, 'a.test › three');
    view.unmount();
  });
});
