// Shared pieces of the benchmark: fresh registries on free ports, temp dirs removed even on
// failure, processes timed by GNU time, inputs (random files, an OCI layout, .lazy files).
import { spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');
export const LAYER_MT = 'application/octet-stream';
export const ARTIFACT_TYPE = 'application/vnd.lazyoci.bench.v1';
export const EMPTY_MT = 'application/vnd.oci.empty.v1+json';
export const TITLE = 'org.opencontainers.image.title';
export const num = (name, dflt) => Number(process.env[name] ?? dflt);
export const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

const registries = new Set();
const tempDirs = new Set();

export function cleanupSync() {
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

export async function tempDir(prefix) {
  const d = await fsp.mkdtemp(path.join(os.tmpdir(), `lazyoci-bench-${prefix}-`));
  tempDirs.add(d);
  return d;
}
export async function rmTemp(d) {
  await fsp.rm(d, { recursive: true, force: true });
  tempDirs.delete(d);
}

export const median = (xs) => {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export async function startRegistry(label) {
  const dir = await tempDir(`reg-${label}`);
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  await fsp.writeFile(config, [
    'version: 0.1',
    'log:',
    `  level: ${process.env.BENCH_REGISTRY_LOG_LEVEL ?? 'error'}`,
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

export async function stopRegistry(reg) {
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

export function run(cmd, args, opts = {}) {
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

export async function withTimeFile(body) {
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
export function timed(cmd, args, opts = {}) {
  return withTimeFile((tf) => run('/usr/bin/time', ['-f', TIME_FORMAT, '-o', tf, cmd, ...args], opts));
}

// lazyoci as a person runs it: in a terminal (a pseudo-terminal from util-linux
// `script`, 120x40, colours on), so its live progress view is drawn and its CPU counted.
export function inTerminal(args) {
  const quoted = args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return ['script', ['-qfec', `stty cols 120 rows 40 2>/dev/null; exec ${quoted}`, '/dev/null']];
}

// GNU time runs inside the terminal, around node: the figures are lazyoci's own, live
// view included, and not those of `script`, which stands in for the terminal emulator
// (its start-up, its relaying of the output and its wait on exit: about 20-30 ms).
export function timedInTerminal(args, opts = {}) {
  return withTimeFile((tf) => run(...inTerminal(['/usr/bin/time', '-f', TIME_FORMAT, '-o', tf, ...args]), opts));
}

/** A pty run's output holds redrawn frames (cursor movement) and the final ✓ rows. */
export function drewLiveView(out) {
  return /\x1b\[\d*[AK]/.test(out) && out.includes('✓');
}

// Finer wall clock (ms resolution) for short commands.
export async function wallOf(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  await run(cmd, args, opts);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export async function writeRandom(file, mib) {
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

export async function sha256File(file) {
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 << 20 })) h.update(chunk);
  return h.digest('hex');
}

export function lazyFile(host, repo, files, tags) {
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
export async function writeLayout(dir, files) {
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

export async function curlUpload(host, repo, f) {
  const { out } = await run('curl', ['-sS', '-f', '-o', '/dev/null', '-D', '-', '-X', 'POST', `http://${host}/v2/${repo}/blobs/uploads/`]);
  const loc = /^location:\s*(\S+)/im.exec(out)?.[1];
  if (!loc) throw new Error(`no Location in upload POST response:\n${out}`);
  const url = new URL(loc, `http://${host}`);
  url.searchParams.set('digest', `sha256:${f.hex}`);
  await run('curl', ['-sS', '-f', '-o', '/dev/null', '-X', 'PUT', '-H', 'Content-Type: application/octet-stream', '--data-binary', `@${f.path}`, url.toString()]);
}

export function blobRequests(logText) {
  const lines = logText.split('\n').filter((l) => /"(GET|HEAD|POST|PUT|PATCH) \/v2\/[^"]*\/blobs\//.test(l));
  const uploads = lines.filter((l) => /"(POST|PUT|PATCH) \/v2\/[^"]*\/blobs\/uploads/.test(l));
  return { blob: lines.length, uploads: uploads.length };
}


export async function stopAllRegistries() {
  for (const reg of [...registries]) await stopRegistry(reg).catch(() => {});
}

/** Registry API requests in an access log, from byte `from` on: "METHOD /v2/…" strings. */
export async function accessLogRequests(reg, from = 0) {
  const text = (await fsp.readFile(reg.logPath, 'utf8')).slice(from);
  const out = [];
  for (const m of text.matchAll(/"(GET|HEAD|POST|PUT|PATCH|DELETE) (\/v2\/[^ "]*)/g)) out.push(`${m[1]} ${m[2]}`);
  return out;
}
export async function accessLogSize(reg) {
  return (await fsp.stat(reg.logPath)).size;
}

/** Counts by method of "METHOD path" strings: { HEAD: 2, PUT: 1 }. */
export function byMethod(reqs) {
  const c = {};
  for (const r of reqs) { const m = r.split(' ')[0]; c[m] = (c[m] ?? 0) + 1; }
  return c;
}

/** Seconds elapsed since t0 (from process.hrtime.bigint()). */
export const since = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

/** An isolated HOME for lazyoci (no saved registries, its own digest cache). */
export async function lazyEnvIn(label) {
  const home = await tempDir(`home-${label}`);
  return { ...process.env, NO_COLOR: '1', HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CACHE_HOME: path.join(home, '.cache') };
}

/** The same env for a run in the pseudo-terminal: colours on, a terminal type. */
export function ttyEnvOf(env) {
  const e = { ...env, TERM: 'xterm-256color' };
  delete e.NO_COLOR;
  return e;
}

/** 3 random files of `mib` MiB each with their digests, made once per bench run and shared. */
export async function inputFiles(work, mib) {
  const proj = path.join(work, 'proj');
  await fsp.mkdir(proj, { recursive: true });
  const files = [];
  for (const name of ['f1.bin', 'f2.bin', 'f3.bin']) {
    const p = path.join(proj, name);
    await writeRandom(p, mib);
    files.push({ name, path: p, size: mib * 1024 * 1024, hex: await sha256File(p) });
  }
  const layout = path.join(work, 'layout');
  await writeLayout(layout, files);
  return { proj, files, layout };
}
