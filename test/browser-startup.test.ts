// The browser's start: the skeleton screen (src/ui/browser/open-screen.ts) is painted
// before ink loads, in raw mode. Keys typed while it loads are not lost, and a failure
// before ink takes the terminal over still gives the terminal back before the error is
// printed. In a real terminal (tmux).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH } from './support/cli.js';
import { expectRestored, TmuxTerminal } from './support/tmux.js';

let work: string;
const terminals: TmuxTerminal[] = [];

async function open(home: string): Promise<TmuxTerminal> {
  const t = await TmuxTerminal.start([process.execPath, CLI_PATH], {
    cwd: work,
    env: { HOME: home, XDG_CONFIG_HOME: path.join(home, 'config'), DOCKER_CONFIG: path.join(home, 'docker') },
  });
  terminals.push(t);
  return t;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-browser-start-'));
});

afterAll(async () => {
  await Promise.all(terminals.map((t) => t.stop()));
  await rm(work, { recursive: true, force: true });
});

describe('lazyoci browser start-up (tmux)', () => {
  it('a q typed before the screen is up is kept for ink and quits; the terminal is restored', async () => {
    const home = path.join(work, 'quick');
    await mkdir(home, { recursive: true });
    const t = await open(home);
    await t.keys('q');
    await expectRestored(t, /\[exit 0\]/);
  });

  it('settings that cannot be read: the terminal is given back first, then the error is shown, exit 2', async () => {
    const home = path.join(work, 'bad');
    await mkdir(path.join(home, 'config', 'lazyoci'), { recursive: true });
    await writeFile(path.join(home, 'config', 'lazyoci', 'config.yaml'), 'registries: [\n  bad: {\n');
    const t = await open(home);
    const screen = await expectRestored(t, /\[exit 2\]/);
    expect(screen).toContain('is not valid YAML');
  });
});
