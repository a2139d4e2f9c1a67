// Side-by-side push benchmark of lazyoci against skopeo and parallel curl on fresh local registries.
// Run with `npm run bench`; writes bench/RESULTS.md. Env: BENCH_ROUNDS, BENCH_MIB, BENCH_BIG_MIB, BENCH_BIG_ROUNDS.
import { spawn, execFileSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MIB = Number(process.env.BENCH_MIB ?? 200);
let BIG_MIB = Number(process.env.BENCH_BIG_MIB ?? 2048);
const BIG_ROUNDS = Number(process.env.BENCH_BIG_ROUNDS ?? 1);
const STARTUP_RUNS = 10;
const LAYER_MT = 'application/octet-stream';
const ARTIFACT_TYPE = 'application/vnd.lazyoci.bench.v1';
const EMPTY_MT = 'application/vnd.oci.empty.v1+json';
const TITLE = 'org.opencontainers.image.title';
const notes = [];

const registries = new Set();
const tempDirs = new Set();

function cleanupSync() {
  for (const r of registries) {
    try { process.kill(r.child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  registries.clear();
  for (const d of tempDirs) {
    try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ }
  }
  tempDirs.clear();
}
process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { cleanupSync(); process.exit(130); });
}

async function tempDir(prefix) {
  const d = await fsp.mkdtemp(path.join(os.tmpdir(), `lazyoci-bench-${prefix}-`));
  tempDirs.add(d);
  return d;
}
async function rmTemp(d) {
  await fsp.rm(d, { recursive: true, force: true });
  tempDirs.delete(d);
}

const median = (xs) => {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

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

async function startRegistry(label) {
  const dir = await tempDir(`reg-${label}`);
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  await fsp.writeFile(config, [
    'version: 0.1',
    'log:',
    '  level: error',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n'));
  const logPath = path.join(dir, 'access.log');
  const logFd = fs.openSync(logPath, 'a');
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  const reg = { host: `127.0.0.1:${port}`, dir, logPath, child };
  registries.add(reg);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited early: ${fs.readFileSync(logPath, 'utf8')}`);
    try {
      const res = await fetch(`http://${reg.host}/v2/`);
      if (res.status === 200) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error('docker-registry did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return reg;
}

async function stopRegistry(reg) {
  if (!registries.has(reg)) return;
  registries.delete(reg);
  await new Promise((resolve) => {
    if (reg.child.exitCode !== null) return resolve();
    reg.child.once('exit', resolve);
    reg.child.kill('SIGTERM');
    setTimeout(() => { try { reg.child.kill('SIGKILL'); } catch { /* gone */ } }, 3000).unref();
  });
  await rmTemp(reg.dir);
}

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${out}\n${err}`));
      else resolve({ out, err });
    });
  });
}

const TIME_FORMAT = '%e %U %S %M';

async function withTimeFile(body) {
  const tdir = await tempDir('time');
  const tf = path.join(tdir, 't');
  try {
    const { out } = await body(tf);
    const [e, u, s, m] = (await fsp.readFile(tf, 'utf8')).trim().split('\n').pop().split(/\s+/).map(Number);
    return { wall: e, cpu: u + s, rss: m / 1024, out };
  } finally {
    await rmTemp(tdir);
  }
}

// One process under GNU time: wall s, cpu s (user+sys), peak RSS MiB.
function timed(cmd, args, opts = {}) {
  return withTimeFile((tf) => run('/usr/bin/time', ['-f', TIME_FORMAT, '-o', tf, cmd, ...args], opts));
}

// lazyoci as a person runs it: in a terminal (a pseudo-terminal from util-linux
// `script`, 120x40, colours on), so its live progress view is drawn and its CPU counted.
function inTerminal(args) {
  const quoted = args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return ['script', ['-qfec', `stty cols 120 rows 40 2>/dev/null; exec ${quoted}`, '/dev/null']];
}

// GNU time runs inside the terminal, around node: the figures are lazyoci's own, live
// view included, and not those of `script`, which stands in for the terminal emulator
// (its start-up, its relaying of the output and its wait on exit: about 20-30 ms).
function timedInTerminal(args, opts = {}) {
  return withTimeFile((tf) => run(...inTerminal(['/usr/bin/time', '-f', TIME_FORMAT, '-o', tf, ...args]), opts));
}

/** A pty run's output holds redrawn frames (cursor movement) and the final ✓ rows. */
function drewLiveView(out) {
  return /\x1b\[\d*[AK]/.test(out) && out.includes('✓');
}

// Finer wall clock (ms resolution) for short commands.
async function wallOf(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  await run(cmd, args, opts);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function writeRandom(file, mib) {
  const fh = await fsp.open(file, 'w');
  const buf = Buffer.allocUnsafe(8 << 20);
  try {
    let left = mib * 1024 * 1024;
    while (left > 0) {
      const n = Math.min(left, buf.length);
      randomFillSync(buf, 0, n);
      await fh.write(buf, 0, n);
      left -= n;
    }
  } finally {
    await fh.close();
  }
}

async function sha256File(file) {
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 << 20 })) h.update(chunk);
  return h.digest('hex');
}

function lazyFile(host, repo, files, tags) {
  return [
    'version: 1',
    'artifacts:',
    '  - type: artifact',
    '    name: bench',
    `    mediaType: ${ARTIFACT_TYPE}`,
    '    files:',
    ...files.flatMap((f) => [`      - path: ${f}`, `        mediaType: ${LAYER_MT}`]),
    '    targets:',
    `      - registry: "${host}/${repo}"`,
    `        tags: [${tags.join(', ')}]`,
    '',
  ].join('\n');
}

// OCI layout with the same layers (hard links, no copy) and the empty config.
async function writeLayout(dir, files) {
  const blobs = path.join(dir, 'blobs', 'sha256');
  await fsp.mkdir(blobs, { recursive: true });
  const put = async (bytes) => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    await fsp.writeFile(path.join(blobs, hex), bytes);
    return { digest: `sha256:${hex}`, size: bytes.length };
  };
  const cfg = await put(Buffer.from('{}'));
  const layers = [];
  for (const f of files) {
    const target = path.join(blobs, f.hex);
    if (!fs.existsSync(target)) {
      try { await fsp.link(f.path, target); } catch { await fsp.copyFile(f.path, target); }
    }
    layers.push({ mediaType: LAYER_MT, digest: `sha256:${f.hex}`, size: f.size, annotations: { [TITLE]: f.name } });
  }
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: ARTIFACT_TYPE,
    config: { mediaType: EMPTY_MT, digest: cfg.digest, size: cfg.size, data: 'e30=' },
    layers,
  }));
  const m = await put(manifest);
  await fsp.writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await fsp.writeFile(path.join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: m.digest, size: m.size, annotations: { 'org.opencontainers.image.ref.name': 'bench' } }],
  }));
}

async function curlUpload(host, repo, f) {
  const { out } = await run('curl', ['-sS', '-f', '-o', '/dev/null', '-D', '-', '-X', 'POST', `http://${host}/v2/${repo}/blobs/uploads/`]);
  const loc = /^location:\s*(\S+)/im.exec(out)?.[1];
  if (!loc) throw new Error(`no Location in upload POST response:\n${out}`);
  const url = new URL(loc, `http://${host}`);
  url.searchParams.set('digest', `sha256:${f.hex}`);
  await run('curl', ['-sS', '-f', '-o', '/dev/null', '-X', 'PUT', '-H', 'Content-Type: application/octet-stream', '--data-binary', `@${f.path}`, url.toString()]);
}

function blobRequests(logText) {
  const lines = logText.split('\n').filter((l) => /"(GET|HEAD|POST|PUT|PATCH) \/v2\/[^"]*\/blobs\//.test(l));
  const uploads = lines.filter((l) => /"(POST|PUT|PATCH) \/v2\/[^"]*\/blobs\/uploads/.test(l));
  return { blob: lines.length, uploads: uploads.length };
}

const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

async function main() {
  const started = Date.now();
  const cliEnvBase = { ...process.env, NO_COLOR: '1' };
  const work = await tempDir('work');
  const home = await tempDir('home');
  const lazyEnv = { ...cliEnvBase, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CACHE_HOME: path.join(home, '.cache') };

  // Inputs, created once; digests computed here, outside every timed part.
  const proj = path.join(work, 'proj');
  await fsp.mkdir(proj);
  const files = [];
  for (const name of ['f1.bin', 'f2.bin', 'f3.bin']) {
    const p = path.join(proj, name);
    await writeRandom(p, MIB);
    files.push({ name, path: p, size: MIB * 1024 * 1024, hex: await sha256File(p) });
  }
  const layout = path.join(work, 'layout');
  await writeLayout(layout, files);

  const freeMiB = Number(execFileSync('df', ['-Pm', os.tmpdir()]).toString().trim().split('\n').pop().split(/\s+/)[3]);
  if (freeMiB < BIG_MIB * 3 + 2048 && BIG_MIB > 1024) {
    notes.push(`Disk space low (${freeMiB} MiB free): big blob reduced from ${BIG_MIB} to 1024 MiB.`);
    BIG_MIB = 1024;
  }
  const bigProj = path.join(work, 'big');
  await fsp.mkdir(bigProj);
  const bigFile = path.join(bigProj, 'big.bin');
  await writeRandom(bigFile, BIG_MIB);

  const names = files.map((f) => f.name);
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const lazyFirst = r % 2 === 0;
    const row = { round: r + 1, order: lazyFirst ? 'lazyoci, skopeo, curl' : 'curl, skopeo, lazyoci' };
    const regs = {};
    try {
      for (const k of ['lazy', 'skopeo', 'curl', 'known']) regs[k] = await startRegistry(`${k}${r}`);
      await fsp.writeFile(path.join(proj, '.lazy'), lazyFile(regs.lazy.host, 'bench/lazy', names, ['t0']));
      // Cold means nothing known: a new digest cache each round. (b) below reuses it.
      const roundEnv = { ...lazyEnv, XDG_CACHE_HOME: await tempDir(`cache${r}`) };
      const ttyEnv = { ...roundEnv, TERM: 'xterm-256color' };
      delete ttyEnv.NO_COLOR;
      const steps = {
        lazy: async () => {
          row.lazy = await timedInTerminal(['node', CLI, 'build', proj], { env: ttyEnv });
          if (!drewLiveView(row.lazy.out)) throw new Error(`lazyoci drew no live progress view in the terminal:\n${row.lazy.out.slice(-2000)}`);
        },
        skopeo: async () => {
          row.skopeo = await timed('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:bench`, `docker://${regs.skopeo.host}/bench/skopeo:t0`]);
        },
        curl: async () => {
          const t0 = process.hrtime.bigint();
          await Promise.all(files.map((f) => curlUpload(regs.curl.host, 'bench/curl', f)));
          row.curl = { wall: Number(process.hrtime.bigint() - t0) / 1e9 };
        },
      };
      const order = lazyFirst ? ['lazy', 'skopeo', 'curl'] : ['curl', 'skopeo', 'lazy'];
      for (const k of order) await steps[k]();
      // Both pushes must hold the same layers, stored uncompressed (equal sizes).
      for (const [k, repo] of [['lazy', 'bench/lazy'], ['skopeo', 'bench/skopeo']]) {
        const res = await fetch(`http://${regs[k].host}/v2/${repo}/manifests/t0`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
        const m = await res.json();
        const sizes = (m.layers ?? []).map((l) => l.size).join(',');
        if (sizes !== files.map((f) => f.size).join(',')) throw new Error(`${k} pushed layers of sizes ${sizes}, expected ${files.map((f) => f.size).join(',')}`);
      }

      // (a2) for information, not a target: the same push to another fresh registry with
      // the digests already known (the cache (a) left), as skopeo's layout knows them.
      await fsp.writeFile(path.join(proj, '.lazy'), lazyFile(regs.known.host, 'bench/known', names, ['t0']));
      row.known = await timedInTerminal(['node', CLI, 'build', proj], { env: ttyEnv });

      // (b) same content, three new tags, one run, against the registry that has the blobs.
      const before = (await fsp.readFile(regs.lazy.logPath, 'utf8')).length;
      await fsp.writeFile(path.join(proj, '.lazy'), lazyFile(regs.lazy.host, 'bench/lazy', names, ['t1', 't2', 't3']));
      row.retag = await timed('node', [CLI, 'build', '-q', proj], { env: roundEnv });
      const log = (await fsp.readFile(regs.lazy.logPath, 'utf8')).slice(before);
      Object.assign(row.retag, blobRequests(log));
      row.retag.requests = log.split('\n').filter((l) => /"(GET|HEAD|POST|PUT|PATCH|DELETE) \/v2\//.test(l)).length;
    } finally {
      for (const reg of Object.values(regs)) await stopRegistry(reg);
    }
    rounds.push(row);
    console.error(`round ${row.round}: lazyoci ${fmt(row.lazy.wall)}s (digests known ${fmt(row.known.wall)}s), skopeo ${fmt(row.skopeo.wall)}s, curl ${fmt(row.curl.wall)}s, re-push ${fmt(row.retag.wall)}s`);
  }

  // (c) one big blob.
  const big = [];
  for (let r = 0; r < BIG_ROUNDS; r++) {
    const reg = await startRegistry(`big${r}`);
    try {
      await fsp.writeFile(path.join(bigProj, '.lazy'), lazyFile(reg.host, 'bench/big', ['big.bin'], ['t0']));
      const bigEnv = { ...lazyEnv, TERM: 'xterm-256color', XDG_CACHE_HOME: await tempDir(`big-cache${r}`) };
      delete bigEnv.NO_COLOR;
      big.push(await timedInTerminal(['node', CLI, 'build', bigProj], { env: bigEnv }));
    } finally {
      await stopRegistry(reg);
    }
    console.error(`big blob round ${r + 1}: ${fmt(big[r].wall)}s, ${fmt(big[r].rss, 1)} MiB RSS`);
  }

  // (d) start-up, alternating the three commands.
  const st = { node: [], version: [], validate: [] };
  const vEnv = { ...lazyEnv, LAZYOCI_REGISTRY: '127.0.0.1:5000', LAZYOCI_VERSION: '1.2.3' };
  const cmds = {
    node: ['node', ['-e', '0']],
    version: ['node', [CLI, '--version']],
    validate: ['node', [CLI, 'validate', path.join(ROOT, 'examples', 'artifact'), '-q']],
  };
  for (const [c, a] of Object.values(cmds)) await run(c, a, { env: vEnv }); // warm the page cache
  for (let i = 0; i < STARTUP_RUNS; i++) {
    for (const [k, [c, a]] of Object.entries(cmds)) st[k].push(await wallOf(c, a, { env: vEnv }));
  }
  const stMed = Object.fromEntries(Object.entries(st).map(([k, v]) => [k, median(v)]));

  // Ratios per round, then medians.
  const ratio = {
    wallSkopeo: median(rounds.map((r) => r.lazy.wall / r.skopeo.wall)),
    wallCurl: median(rounds.map((r) => r.lazy.wall / r.curl.wall)),
    cpuSkopeo: median(rounds.map((r) => r.lazy.cpu / r.skopeo.cpu)),
    retagNode: median(rounds.map((r) => r.retag.wall)) / stMed.node,
  };
  const maxRss = Math.max(...rounds.map((r) => r.lazy.rss), ...rounds.map((r) => r.retag.rss), ...big.map((b) => b.rss));
  const retagUploads = Math.max(...rounds.map((r) => r.retag.uploads));

  const sh = (c, a) => { try { return execFileSync(c, a, { encoding: 'utf8' }).trim(); } catch { return 'n/a'; } };
  const md = [];
  md.push('# lazyoci push benchmark', '');
  md.push(`Produced by \`npm run bench\` (bench/run.mjs) on ${new Date().toISOString()}; total run time ${fmt((Date.now() - started) / 1000, 0)} s. Figures as measured, not edited.`, '');
  md.push('## Machine', '', '```');
  md.push(`nproc: ${sh('nproc', [])}`, `kernel: ${sh('uname', ['-r'])}`, sh('free', ['-h']));
  md.push(`node: ${process.version}`, `skopeo: ${sh('skopeo', ['--version'])}`, `registry: ${sh('docker-registry', ['--version'])}`, `curl: ${sh('curl', ['--version']).split('\n')[0]}`);
  md.push('```', '');
  md.push('## Parameters', '');
  md.push(`- rounds: ${ROUNDS} (BENCH_ROUNDS)${ROUNDS !== 5 ? ' — fewer than the default 5' : ''}`);
  md.push(`- files: 3 × ${MIB} MiB random (BENCH_MIB), layer media type \`${LAYER_MT}\`, empty config \`${EMPTY_MT}\``);
  md.push(`- big blob: ${BIG_MIB} MiB (BENCH_BIG_MIB), ${BIG_ROUNDS} round(s) (BENCH_BIG_ROUNDS)`);
  md.push('- each round: a fresh `docker-registry serve` per tool (new storage dir, plain HTTP on 127.0.0.1, free port), stopped after the round; order alternates (odd rounds lazyoci → skopeo → curl, even rounds curl → skopeo → lazyoci)');
  md.push('- lazyoci: `node dist/cli.js build DIR` in a pseudo-terminal (`script`, 120×40, TERM=xterm-256color, colours on), so the live progress view is drawn and its cost counted (the run is checked to have redrawn frames); a fresh digest cache each round; skopeo: `skopeo copy -q --dest-tls-verify=false oci:LAYOUT:bench docker://HOST/bench/skopeo:t0`; curl: three parallel `POST` + monolithic `PUT --data-binary @file ?digest=` (digests precomputed)');
  md.push('- (b) re-push: `node dist/cli.js build -q DIR` with the digest cache left by the cold push of its round, as CI runs it (no terminal); (c) big blob: in the pseudo-terminal as in (a)');
  md.push('- wall/CPU/RSS from `/usr/bin/time -f "%e %U %S %M"` (wall 10 ms resolution); curl wall and start-up from the Node process clock; CPU = user + sys of the measured process and its waited-for children. In the pseudo-terminal, time runs inside it, around node: `script` plays the terminal emulator, and its start-up, relaying and exit (about 20–30 ms) are not lazyoci\'s');
  for (const n of notes) md.push(`- NOTE: ${n}`);
  md.push('');
  md.push('## (a) Cold push, 3 files', '');
  md.push('| round | order | lazyoci wall s | skopeo wall s | curl wall s | lazyoci CPU s | skopeo CPU s | lazyoci RSS MiB | skopeo RSS MiB | lazy/skopeo wall | lazy/curl wall | lazy/skopeo CPU |');
  md.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rounds) {
    md.push(`| ${r.round} | ${r.order} | ${fmt(r.lazy.wall)} | ${fmt(r.skopeo.wall)} | ${fmt(r.curl.wall)} | ${fmt(r.lazy.cpu)} | ${fmt(r.skopeo.cpu)} | ${fmt(r.lazy.rss, 1)} | ${fmt(r.skopeo.rss, 1)} | ${fmt(r.lazy.wall / r.skopeo.wall)} | ${fmt(r.lazy.wall / r.curl.wall)} | ${fmt(r.lazy.cpu / r.skopeo.cpu)} |`);
  }
  const med = (f) => median(rounds.map(f));
  md.push(`| median | | ${fmt(med((r) => r.lazy.wall))} | ${fmt(med((r) => r.skopeo.wall))} | ${fmt(med((r) => r.curl.wall))} | ${fmt(med((r) => r.lazy.cpu))} | ${fmt(med((r) => r.skopeo.cpu))} | ${fmt(med((r) => r.lazy.rss), 1)} | ${fmt(med((r) => r.skopeo.rss), 1)} | ${fmt(ratio.wallSkopeo)} | ${fmt(ratio.wallCurl)} | ${fmt(ratio.cpuSkopeo)} |`, '');
  md.push('## (a2) For information: the same push with the digests already known', '');
  md.push('Each round, after (a), lazyoci pushes the same files to one more fresh registry with the digest cache (a) left: nothing is hashed before the uploads, as skopeo is handed the digests by its layout. Not a target; it shows what the cold push spends on hashing first.', '');
  md.push('| round | wall s | CPU s | vs skopeo wall | vs curl wall |', '|---|---|---|---|---|');
  for (const r of rounds) md.push(`| ${r.round} | ${fmt(r.known.wall)} | ${fmt(r.known.cpu)} | ${fmt(r.known.wall / r.skopeo.wall)} | ${fmt(r.known.wall / r.curl.wall)} |`);
  md.push(`| median | ${fmt(med((r) => r.known.wall))} | ${fmt(med((r) => r.known.cpu))} | ${fmt(median(rounds.map((r) => r.known.wall / r.skopeo.wall)))} | ${fmt(median(rounds.map((r) => r.known.wall / r.curl.wall)))} |`, '');
  md.push('## (b) Same content to three new tags (t1, t2, t3) in one run', '');
  md.push('| round | wall s | CPU s | RSS MiB | registry requests | blob requests | blob upload requests |', '|---|---|---|---|---|---|---|');
  for (const r of rounds) md.push(`| ${r.round} | ${fmt(r.retag.wall)} | ${fmt(r.retag.cpu)} | ${fmt(r.retag.rss, 1)} | ${r.retag.requests} | ${r.retag.blob} | ${r.retag.uploads} |`);
  md.push(`| median | ${fmt(med((r) => r.retag.wall))} | ${fmt(med((r) => r.retag.cpu))} | ${fmt(med((r) => r.retag.rss), 1)} | ${median(rounds.map((r) => r.retag.requests))} | ${median(rounds.map((r) => r.retag.blob))} | ${median(rounds.map((r) => r.retag.uploads))} |`, '');
  md.push(`## (c) Single ${BIG_MIB} MiB blob`, '');
  md.push('| round | wall s | CPU s | peak RSS MiB | MiB/s |', '|---|---|---|---|---|');
  big.forEach((b, i) => md.push(`| ${i + 1} | ${fmt(b.wall)} | ${fmt(b.cpu)} | ${fmt(b.rss, 1)} | ${fmt(BIG_MIB / b.wall, 0)} |`));
  md.push('');
  md.push(`## (d) Start-up (${STARTUP_RUNS} runs each, interleaved, after one warm-up run)`, '');
  md.push('| command | median ms | min ms | max ms |', '|---|---|---|---|');
  const label = { node: '`node -e 0`', version: '`node dist/cli.js --version`', validate: '`node dist/cli.js validate examples/artifact -q`' };
  for (const k of Object.keys(st)) md.push(`| ${label[k]} | ${fmt(stMed[k] * 1000, 0)} | ${fmt(Math.min(...st[k]) * 1000, 0)} | ${fmt(Math.max(...st[k]) * 1000, 0)} |`);
  md.push('');
  md.push('## (e) Reference: three parallel monolithic curl PUTs', '');
  md.push(`Median wall ${fmt(med((r) => r.curl.wall))} s (${fmt((3 * MIB) / med((r) => r.curl.wall), 0)} MiB/s); per round in table (a).`, '');
  md.push('## Targets (medians of per-round ratios)', '');
  md.push('| target | limit | measured | result |', '|---|---|---|---|');
  const targets = [
    ['cold push wall vs skopeo', '≤ 0.75', fmt(ratio.wallSkopeo), ratio.wallSkopeo <= 0.75],
    ['cold push wall vs parallel curl', '≤ 1.25', fmt(ratio.wallCurl), ratio.wallCurl <= 1.25],
    ['cold push CPU (user+sys) vs skopeo', '≤ 0.6', fmt(ratio.cpuSkopeo), ratio.cpuSkopeo <= 0.6],
    ['re-push to 3 new tags: blob uploads', '0', String(retagUploads), retagUploads === 0],
    ['re-push to 3 new tags: wall vs `node -e 0`', '≤ 4×', `${fmt(ratio.retagNode)}× (${fmt(med((r) => r.retag.wall))} s vs ${fmt(stMed.node * 1000, 0)} ms)`, ratio.retagNode <= 4],
    ['peak RSS (max over (a), (b), (c))', '≤ 150 MiB', `${fmt(maxRss, 1)} MiB`, maxRss <= 150],
    ['start-up `--version` vs `node -e 0`', '≤ +120 ms', `+${fmt((stMed.version - stMed.node) * 1000, 0)} ms`, stMed.version - stMed.node <= 0.12],
    ['start-up `validate` vs `node -e 0`', '≤ +120 ms', `+${fmt((stMed.validate - stMed.node) * 1000, 0)} ms`, stMed.validate - stMed.node <= 0.12],
  ];
  for (const [n, l, m, ok] of targets) md.push(`| ${n} | ${l} | ${m} | ${ok ? 'MET' : 'NOT MET'} |`);
  md.push('');
  const text = md.join('\n');
  await fsp.writeFile(path.join(ROOT, 'bench', 'RESULTS.md'), text);
  console.log(text);
}

try {
  await main();
} catch (e) {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exitCode = 1;
} finally {
  for (const reg of [...registries]) await stopRegistry(reg).catch(() => {});
  cleanupSync();
}
