// `npm run bench`, part two: the interactive browser in a real terminal (tmux), against a
// local docker-registry holding one repository with 10,000 tags. The browser writes its
// own timings (LAZYOCI_BROWSER_METRICS, src/ui/browser/metrics.ts): the skeleton painted
// before ink loads (src/ui/browser/open-screen.ts) and ink's first frame, after process
// start, the frame that shows the whole tag list after its last page arrived,
// each keystroke of a filter to the frame that shows it, and peak RSS.
// With --append the section is added to bench/RESULTS.md (bench/run.mjs writes it first).
// With --first only the start-up rounds run (no 10,000-tag repository, no registry).
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// BENCH_BROWSER_CLI: another build to measure (a before/after comparison).
const CLI = process.env.BENCH_BROWSER_CLI ?? path.join(ROOT, 'dist', 'cli.js');
const ROUNDS = Number(process.env.BENCH_BROWSER_ROUNDS ?? 5);
const FIRST_ONLY = process.argv.includes('--first');
const TAGS = 10_000;
const FILTER = 'build-0999';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startRegistry(dir) {
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  await fsp.writeFile(config, ['version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${path.join(dir, 'data')}`, 'http:', `  addr: 127.0.0.1:${port}`, ''].join('\n'));
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await fetch(`http://${host}/v2/`)).status === 200) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error('docker-registry did not start');
    await sleep(50);
  }
  return { host, data: path.join(dir, 'data'), child };
}

/** One pushed artifact, its repository copied to bench/many with 10,000 tags written beside it. */
async function seed(reg, work) {
  const file = path.join(work, 'hello.txt');
  await fsp.writeFile(file, 'hello\n');
  await exec(process.execPath, [CLI, 'push', file, `${reg.host}/bench/one:v1`, '-q'], { env: { ...process.env, HOME: work } });
  const { stdout } = await exec(process.execPath, [CLI, 'browse', 'manifest', `${reg.host}/bench/one:v1`, '-o', 'json'], { env: { ...process.env, HOME: work } });
  const digest = JSON.parse(stdout).digest;
  const repos = path.join(reg.data, 'docker', 'registry', 'v2', 'repositories');
  await fsp.cp(path.join(repos, 'bench', 'one'), path.join(repos, 'bench', 'many'), { recursive: true });
  const hex = digest.slice('sha256:'.length);
  for (let i = 0; i < TAGS; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, TAGS - i) }, async (_, j) => {
      const dir = path.join(repos, 'bench', 'many', '_manifests', 'tags', `build-${String(i + j).padStart(5, '0')}`);
      await fsp.mkdir(path.join(dir, 'current'), { recursive: true });
      await fsp.mkdir(path.join(dir, 'index', 'sha256', hex), { recursive: true });
      await fsp.writeFile(path.join(dir, 'current', 'link'), digest);
      await fsp.writeFile(path.join(dir, 'index', 'sha256', hex, 'link'), digest);
    }));
  }
}

async function tmux(socket, ...args) {
  return (await exec('tmux', ['-L', socket, ...args], { encoding: 'utf8' })).stdout;
}

async function waitFor(socket, text, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    const screen = await tmux(socket, 'capture-pane', '-p');
    if (screen.includes(text)) return screen;
    if (Date.now() > end) throw new Error(`"${text}" did not appear:\n${screen}`);
    await sleep(50);
  }
}

/** One browser run in tmux; `drive` sends the keys; the browser's own metrics are returned. */
async function browserRun(work, args, drive) {
  const socket = `lazyoci-bench-${randomBytes(4).toString('hex')}`;
  const metrics = path.join(work, `metrics-${socket}.json`);
  const script = path.join(work, `${socket}.sh`);
  await fsp.writeFile(script, [
    '#!/bin/sh',
    'unset CI CONTINUOUS_INTEGRATION',
    `export HOME='${work}' XDG_CONFIG_HOME='${work}/config' TERM=xterm-256color LAZYOCI_BROWSER_METRICS='${metrics}'`,
    `exec '${process.execPath}' '${CLI}' ${args.map((a) => `'${a}'`).join(' ')}`,
  ].join('\n'), { mode: 0o755 });
  await tmux(socket, '-f', '/dev/null', 'new-session', '-d', '-x', '100', '-y', '30', script);
  try {
    await drive(socket);
    await tmux(socket, 'send-keys', 'q');
    const end = Date.now() + 10_000;
    while (!fs.existsSync(metrics)) {
      if (Date.now() > end) throw new Error('the browser wrote no metrics');
      await sleep(50);
    }
    await sleep(100);
    return JSON.parse(await fsp.readFile(metrics, 'utf8'));
  } finally {
    await tmux(socket, 'kill-server').catch(() => {});
  }
}

/** Start-up only: the skeleton's paint and ink's first frame of `lazyoci`, `rounds` times. */
async function startupRounds(work, rounds) {
  const skeleton = [];
  const first = [];
  const skeletonCpu = [];
  const firstCpu = [];
  const rss = [];
  for (let r = 0; r < rounds; r++) {
    const cold = await browserRun(work, [], (s) => waitFor(s, '1 Registries ('));
    skeleton.push(cold.skeletonMs ?? NaN);
    first.push(cold.firstFrameMs);
    skeletonCpu.push(cold.skeletonCpuMs ?? NaN);
    firstCpu.push(cold.firstFrameCpuMs ?? NaN);
    rss.push(cold.maxRssBytes);
  }
  return { skeleton, first, skeletonCpu, firstCpu, rss };
}

/** Node reaching a script's first line: wall ms and CPU ms (user + system) by then. */
async function nodeStartMs() {
  const nodeStart = [];
  const nodeCpu = [];
  for (let r = 0; r < 5; r++) {
    const { stdout } = await exec(process.execPath, ['-e', 'const c = process.cpuUsage(); process.stdout.write(`${performance.now()} ${(c.user + c.system) / 1000}`)']);
    const [wall, cpu] = stdout.split(' ').map(Number);
    nodeStart.push(wall);
    nodeCpu.push(cpu);
  }
  return Object.assign(nodeStart, { cpu: nodeCpu });
}

async function firstOnly() {
  const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'lazyoci-bench-browser-'));
  try {
    const { skeleton, first, skeletonCpu, firstCpu } = await startupRounds(work, ROUNDS);
    const nodeStart = await nodeStartMs();
    const all = (xs) => xs.map((x) => fmt(x)).join(', ');
    console.log([
      `${ROUNDS} rounds of \`lazyoci\` (no arguments) in tmux 100×30; ms after process start (wall), and CPU ms used by then`,
      `skeleton painted: median ${fmt(median(skeleton))} (${all(skeleton)}); CPU ${fmt(median(skeletonCpu))} (${all(skeletonCpu)})`,
      `ink first frame:  median ${fmt(median(first))} (${all(first)}); CPU ${fmt(median(firstCpu))} (${all(firstCpu)})`,
      `node -e reaching its first line: median ${fmt(median(nodeStart))} (${all(nodeStart)}); CPU ${fmt(median(nodeStart.cpu))} (${all(nodeStart.cpu)})`,
    ].join('\n'));
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
  }
}

async function main() {
  const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'lazyoci-bench-browser-'));
  const reg = await startRegistry(work);
  try {
    await seed(reg, work);
    const skeleton = [];
    const first = [];
    const skeletonCpu = [];
    const firstCpu = [];
    const listed = [];
    const keys = [];
    const rss = [];
    for (let r = 0; r < ROUNDS; r++) {
      // First frame: `lazyoci` with no arguments (nothing to wait for but itself); the
      // skeleton shows "1 Registries", ink's frame the count after it.
      const cold = await startupRounds(work, 1);
      skeleton.push(...cold.skeleton);
      first.push(...cold.first);
      skeletonCpu.push(...cold.skeletonCpu);
      firstCpu.push(...cold.firstCpu);
      rss.push(...cold.rss);
      const big = await browserRun(work, ['browse', `${reg.host}/bench/many`], async (s) => {
        await waitFor(s, `3 Tags (${TAGS + 1})`);
        await waitFor(s, 'artifact');
        await tmux(s, 'send-keys', '3', '/');
        await sleep(200);
        // One key at a time, each after the last is drawn, as a person types.
        for (const ch of FILTER) {
          await tmux(s, 'send-keys', '-l', ch);
          await sleep(150);
        }
        await waitFor(s, `/${FILTER}`);
        await tmux(s, 'send-keys', 'Enter');
        await sleep(100);
      });
      listed.push(...big.tagLists.filter((t) => t.count === TAGS + 1).map((t) => t.listedMs));
      keys.push(big.keystrokeMedianMs);
      rss.push(big.maxRssBytes);
    }
    // For scale: how long Node itself takes to reach the first line of a script on this machine.
    const nodeStart = await nodeStartMs();
    const result = {
      skeletonMs: median(skeleton),
      firstFrameMs: median(first),
      tagListMs: median(listed),
      keystrokeMs: median(keys),
      peakRssMiB: Math.max(...rss) / 2 ** 20,
    };
    const md = [
      '## (f) Interactive browser (tmux, 100×30)',
      '',
      `${ROUNDS} rounds (BENCH_BROWSER_ROUNDS); one local docker-registry; a repository of ${TAGS + 1} tags (10,000 written into its storage beside one pushed artifact). Times are the browser's own (LAZYOCI_BROWSER_METRICS): first paint (the skeleton: borders and titles written before ink loads) and ink's first full frame, from process start (\`performance.now()\`), the frame showing the whole sorted list after its last page arrived, each of ${FILTER.length} filter keystrokes ("${FILTER}") to the frame that shows it (median per round, then median of rounds).`,
      '',
      '| measure | target | median | all rounds | result |',
      '|---|---|---|---|---|',
      `| first frame after process start (\`lazyoci\`, no arguments): the skeleton | ≤ 150 ms | ${fmt(result.skeletonMs)} ms | ${skeleton.map((x) => fmt(x)).join(', ')} | ${result.skeletonMs <= 150 ? 'MET' : 'NOT MET'} |`,
      `| ink's first full frame after process start | | ${fmt(result.firstFrameMs)} ms | ${first.map((x) => fmt(x)).join(', ')} | |`,
      `| CPU (user + system) used by the skeleton's paint / ink's first frame | | ${fmt(median(skeletonCpu))} / ${fmt(median(firstCpu))} ms | ${skeletonCpu.map((x) => fmt(x)).join(', ')} / ${firstCpu.map((x) => fmt(x)).join(', ')} | |`,
      `| for scale: Node reaching a script's first line (\`node -e\`), wall / CPU | | ${fmt(median(nodeStart))} / ${fmt(median(nodeStart.cpu))} ms | ${nodeStart.map((x) => fmt(x)).join(', ')} | |`,
      `| ${TAGS + 1} tags listed after the list arrived | ≤ 1000 ms | ${fmt(result.tagListMs)} ms | ${listed.map((x) => fmt(x)).join(', ')} | ${result.tagListMs <= 1000 ? 'MET' : 'NOT MET'} |`,
      `| keystroke to frame while filtering ${TAGS + 1} tags | ≤ 50 ms | ${fmt(result.keystrokeMs, 1)} ms | ${keys.map((x) => fmt(x, 1)).join(', ')} | ${result.keystrokeMs <= 50 ? 'MET' : 'NOT MET'} |`,
      `| peak RSS (max of all runs) | ≤ 200 MiB | ${fmt(result.peakRssMiB, 1)} MiB | | ${result.peakRssMiB <= 200 ? 'MET' : 'NOT MET'} |`,
      '',
    ].join('\n');
    console.log(md);
    if (process.argv.includes('--append')) await fsp.appendFile(path.join(ROOT, 'bench', 'RESULTS.md'), `\n${md}`);
  } finally {
    reg.child.kill('SIGTERM');
    await sleep(200);
    await fsp.rm(work, { recursive: true, force: true });
  }
}

try {
  await (FIRST_ONLY ? firstOnly() : main());
} catch (e) {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exitCode = 1;
}
