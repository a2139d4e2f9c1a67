// Shell completion end to end: the built CLI's hidden `__complete` against its own help,
// local state (.lazy, saved registries), and a real bash with the script sourced.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, recordCliRun, runCli } from './support/cli.js';

const run = promisify(execFile);

let dir: string;
let xdg: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-completion-'));
  xdg = path.join(dir, 'xdg');
  await mkdir(path.join(xdg, 'lazyoci'), { recursive: true });
  await writeFile(path.join(xdg, 'lazyoci', 'config.yaml'), 'registries:\n  - name: ghcr.io\n    username: me\n  - name: 127.0.0.1:5999\n');
  await mkdir(path.join(dir, 'project'));
  await writeFile(
    path.join(dir, 'project', '.lazy'),
    `version: 1
artifacts:
  - type: artifact
    name: app-config
    files: [{ path: config.json }]
    targets:
      - registry: 127.0.0.1:5000/acme/app-config
        tags: [v1, "{{ .GitSHA }}", latest]
      - registry: "{{ .Registry }}/acme/app-config"
        tags: [v1]
  - type: helm
    chartPath: chart
    targets: [{ registry: "localhost:5000/charts/web", tags: ["<< .Version >>"] }]
`,
  );
  await writeFile(path.join(dir, 'other.lazy'), 'version: 1\nartifacts:\n  - type: docker\n    name: from-other\n    archive: a.tar\n    targets: [{ registry: x.io/a, tags: [t] }]\n');
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function complete(words: string[], cwd = path.join(dir, 'project')): Promise<string[]> {
  const res = await runCli(['__complete', 'bash', '--', ...words], { cwd, env: { XDG_CONFIG_HOME: xdg } });
  expect(res.code, res.stderr).toBe(0);
  expect(res.stderr).toBe('');
  return res.stdout.split('\n').filter(Boolean);
}

/** Commands and flags as `--help` shows them. */
function helpCommands(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
}
function helpFlags(help: string): string[] {
  const section = help.split(/^Options:$/m)[1]?.split(/^Commands:$/m)[0] ?? '';
  return [...section.matchAll(/^ {2}(?:(-\w), )?(--[\w-]+)/gm)].flatMap((m) => [m[1], m[2]].filter((f): f is string => f !== undefined));
}

describe('lazyoci __complete', () => {
  it('offers every command and every flag that --help shows, at every level', async () => {
    const top = await runCli(['--help']);
    const commands = helpCommands(top.stdout);
    expect(commands).toEqual(expect.arrayContaining(['build', 'browse', 'init', 'completion']));
    expect(commands).not.toContain('__complete');
    expect(await complete([''])).toEqual(expect.arrayContaining(commands));
    const globalFlags = helpFlags(top.stdout);

    const check = async (chain: string[]): Promise<number> => {
      const help = (await runCli([...chain, '--help'])).stdout;
      const offered = await complete([...chain, '-']);
      expect(offered, chain.join(' ')).toEqual(expect.arrayContaining(helpFlags(help)));
      expect(offered, chain.join(' ')).toEqual(expect.arrayContaining(globalFlags.filter((f) => f !== '--version')));
      const subs = helpCommands(help);
      if (subs.length > 0) expect(await complete([...chain, ''])).toEqual(expect.arrayContaining(subs));
      let n = 1;
      for (const sub of subs) n += await check([...chain, sub]);
      return n;
    };
    let checked = 0;
    for (const c of commands) checked += await check([c]);
    expect(checked).toBeGreaterThan(commands.length); // nested commands (browse tags, registry add…) were walked too
  });

  it('answers from the tree npm run build wrote, which is the one the commands define now', async () => {
    const live = await runCli(['__complete', '--print-tree']);
    expect(live.code, live.stderr).toBe(0);
    const snapshot = await readFile(path.join(path.dirname(CLI_PATH), 'completion-tree.json'), 'utf8');
    expect(JSON.parse(snapshot)).toEqual(JSON.parse(live.stdout));
  });

  it('completes -o/--output values from the option choices', async () => {
    expect(await complete(['-o', ''])).toEqual(['text', 'json', 'yaml', 'tree']);
    expect(await complete(['build', '--output', '=', 'j'])).toEqual(['json']); // bash split --output=j
    expect(await complete(['completion', ''])).toEqual(['bash', 'zsh', 'fish']);
  });

  it('completes -a with the names and types of the .lazy in use (./.lazy, the path argument, or -f)', async () => {
    expect(await complete(['build', '-a', ''])).toEqual(['app-config', 'web', 'artifact', 'helm']);
    expect(await complete(['build', '-a', 'h'])).toEqual(['helm']);
    expect(await complete(['build', '-f', '../other.lazy', '-a', ''])).toEqual(['from-other', 'docker']);
    expect(await complete(['build', 'project', '-a', ''], dir)).toEqual(['app-config', 'web', 'artifact', 'helm']);
  });

  it('completes saved registries for registry remove/test and --registry', async () => {
    expect(await complete(['registry', 'remove', ''])).toEqual(['ghcr.io', '127.0.0.1:5999']);
    expect(await complete(['registry', 'test', 'g'])).toEqual(['ghcr.io']);
    expect(await complete(['--registry', ''])).toEqual(['ghcr.io', '127.0.0.1:5999', '127.0.0.1:5000', 'localhost:5000']);
  });

  it('completes template-free targets of the .lazy for browse, with bash splitting host:port', async () => {
    expect(await complete(['browse', 'tags', ''])).toEqual(['127.0.0.1:5000/acme/app-config', 'localhost:5000/charts/web']);
    expect(await complete(['browse', 'manifest', ''])).toEqual([
      '127.0.0.1:5000/acme/app-config:v1',
      '127.0.0.1:5000/acme/app-config:latest',
      '127.0.0.1:5000/acme/app-config',
      'localhost:5000/charts/web',
    ]);
    // bash gives `127.0.0.1:5000/acme/app-config:l` as pieces and puts back only the last.
    expect(await complete(['browse', 'manifest', '127.0.0.1', ':', '5000/acme/app-config', ':', 'l'])).toEqual(['latest']);
    expect(await complete(['browse', 'repos', ''])).toEqual(['ghcr.io', '127.0.0.1:5999', '127.0.0.1:5000', 'localhost:5000']);
  });

  it('offers nothing for a path, so the shell completes file names', async () => {
    expect(await complete(['build', '-f', ''])).toEqual([]);
    expect(await complete(['push', ''])).toEqual([]);
  });
});

describe('lazyoci completion', () => {
  let bin: string;
  beforeAll(async () => {
    // The scripts call `lazyoci` from PATH, as they will once installed.
    bin = path.join(dir, 'bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'lazyoci'), `#!/bin/sh\nexec "${process.execPath}" "${CLI_PATH}" "$@"\n`);
    await chmod(path.join(bin, 'lazyoci'), 0o755);
  });

  async function inBash(words: string[], cword: number): Promise<string[]> {
    const quoted = words.map((w) => `'${w.replace(/'/g, "'\\''")}'`).join(' ');
    const script = `source <(lazyoci completion bash) && COMP_WORDS=(${quoted}) && COMP_CWORD=${cword} && _lazyoci && printf '%s\\n' "\${COMPREPLY[@]}"`;
    const env = { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: dir, XDG_CONFIG_HOME: xdg };
    const { stdout, stderr } = await run('bash', ['-c', script], { cwd: path.join(dir, 'project'), env });
    await recordCliRun(['bash', '-c', script], { code: 0, stdout, stderr });
    return stdout.split('\n').filter(Boolean);
  }

  it('prints a bash script registered with complete -F that works in a real bash', async () => {
    const res = await runCli(['completion', 'bash']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^complete .*-F _lazyoci lazyoci$/m);
    expect(await inBash(['lazyoci', 'bro'], 1)).toEqual(['browse']);
    expect(await inBash(['lazyoci', 'build', '-a', ''], 3)).toEqual(['app-config', 'web', 'artifact', 'helm']);
    expect(await inBash(['lazyoci', '-o', 'y'], 2)).toEqual(['yaml']);
    expect(await inBash(['lazyoci', 'browse', 'manifest', 'localhost', ':', ''], 5)).toEqual(['5000/charts/web']);
    expect(await inBash(['lazyoci', 'registry', 'remove', '', 'more'], 3)).toEqual(['ghcr.io', '127.0.0.1:5999']);
  });

  it('prints zsh and fish scripts that call the same entry point, and refuses other shells', async () => {
    for (const shell of ['zsh', 'fish']) {
      const res = await runCli(['completion', shell]);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain(`lazyoci __complete ${shell} --`);
    }
    const bad = await runCli(['completion', 'tcsh']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/tcsh.*bash, zsh, fish/);
  });
});
