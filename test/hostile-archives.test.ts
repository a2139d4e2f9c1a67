// Hostile local input through the built CLI (issue 11, points 9 and 15): a Helm chart
// directory whose symlinks double at every level, archives carrying a large blob nothing
// references, and archives of 100,001 junk entries. Pushes go to the real test registry
// and skopeo reads back what arrived.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLI_PATH, recordCliRun, runCli, type CliResult } from './support/cli.js';
import { inspectRaw } from './support/skopeo.js';

const http = inject('registries').http;
const PLAIN = { tls: 'skip' } as const;
const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const suffix = (): string => Math.random().toString(36).slice(2, 8);

/** Size of the blob nothing references; kept moderate so the test is quick (2 GiB measured by hand). */
const UNREFERENCED_BYTES = 256 << 20;
/** The CLI may write no file larger than this (RLIMIT_FSIZE): the unreferenced blob cannot land on disk. */
const FILE_SIZE_LIMIT_KIB = 16 << 10;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-hostile-archives-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

// --- tar written by hand, streamed, so a large zero blob costs no memory --------------

/** A ustar header (regular file unless `type` says otherwise). */
function ustarHeader(name: string, size: number, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

type Member = { name: string; data: Buffer } | { name: string; zeros: number };

async function* tarStream(members: Member[]): AsyncGenerator<Buffer> {
  const zeros = Buffer.alloc(1 << 20);
  for (const m of members) {
    const size = 'data' in m ? m.data.length : m.zeros;
    yield ustarHeader(m.name, size);
    if ('data' in m) {
      yield m.data;
    } else {
      for (let left = m.zeros; left > 0; left -= zeros.length) yield zeros.subarray(0, Math.min(left, zeros.length));
    }
    if (size % 512 !== 0) yield Buffer.alloc(512 - (size % 512));
  }
  yield Buffer.alloc(1024);
}

async function writeTarGz(file: string, members: Member[]): Promise<void> {
  await pipeline(Readable.from(tarStream(members)), createGzip({ level: 1 }), createWriteStream(file));
}

/** `lazyoci ARGS` with a private TMPDIR and no file larger than FILE_SIZE_LIMIT_KIB allowed. */
async function runLimited(args: string[], tmp: string): Promise<CliResult> {
  const home = await mkdtemp(path.join(work, 'home-'));
  const result = await new Promise<CliResult>((resolve, reject) => {
    const child = spawn('sh', ['-c', `ulimit -f ${FILE_SIZE_LIMIT_KIB} && exec "$0" "$@"`, process.execPath, CLI_PATH, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, DOCKER_CONFIG: home, XDG_CONFIG_HOME: home, NO_COLOR: '1', TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal === null ? -1 : 128), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() + (signal ?? '') }),
    );
  });
  await recordCliRun(args, result);
  return result;
}

/** A small valid image: config + one layer, as OCI layout members and as docker-archive members. */
function smallImage() {
  const layer = Buffer.from(`layer ${suffix()}`);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(layer)] } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(layer), size: layer.length }],
    }),
  );
  return { layer, config, manifest };
}

const blob = (b: Buffer): Member => ({ name: `blobs/sha256/${sha(b).slice(7)}`, data: b });

describe('hostile Helm chart directory (issue 11 point 9)', () => {
  it('a chart whose directory symlinks double 16 times fails at once with one clear error, instead of packaging 65,536 copies', async () => {
    const dir = path.join(work, 'helm-bomb');
    await mkdir(path.join(dir, 'chart', 'd00'), { recursive: true });
    await writeFile(path.join(dir, 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: bomb\nversion: 1.0.0\n');
    await writeFile(path.join(dir, 'chart', 'd00', 'payload.txt'), 'x'.repeat(10_000));
    for (let i = 1; i <= 16; i++) {
      const name = path.join(dir, 'chart', `d${String(i).padStart(2, '0')}`);
      await mkdir(name);
      for (const link of ['a', 'b']) await symlink(`../d${String(i - 1).padStart(2, '0')}`, path.join(name, link));
    }
    await writeFile(
      path.join(dir, '.lazy'),
      `version: 1\nartifacts:\n  - type: helm\n    chartPath: chart\n    targets: [{ registry: "${http.host}/hostile/bomb", tags: ["{{ .ChartVersion }}"] }]\n`,
    );
    const started = Date.now();
    const r = await runCli(['build', '--dry-run', '-o', 'json'], { cwd: dir });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.code, r.stderr).toBe(1);
    const [artifact] = JSON.parse(r.stdout) as { targets: { digest: string; error?: string }[] }[];
    expect(artifact!.targets[0]!.digest).toBe('');
    expect(artifact!.targets[0]!.error).toBe(
      `${path.join('chart', 'd01', 'a')} and ${path.join('chart', 'd00')} are the same directory (through a symlink); a chart holds each directory once`,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('archives with content nothing references (issue 11 point 15)', () => {
  it('pushes an OCI layout .tar.gz without unpacking a large blob its manifest does not name', async () => {
    const img = smallImage();
    const file = path.join(work, 'layout-with-junk.tar.gz');
    const indexJson = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(img.manifest), size: img.manifest.length }] }));
    // The junk comes first and index.json last, so nothing is known to be unreferenced until the end.
    await writeTarGz(file, [
      { name: `blobs/sha256/${'e'.repeat(64)}`, zeros: UNREFERENCED_BYTES },
      blob(img.layer),
      blob(img.config),
      blob(img.manifest),
      { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
      { name: 'index.json', data: indexJson },
    ]);
    const tmp = await mkdtemp(path.join(work, 'tmp-'));
    const ref = `${http.host}/hostile/layout-${suffix()}:v1`;
    const r = await runLimited(['push', file, `oci://${ref}`, '-o', 'json', '-q'], tmp);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { digest: string }).digest).toBe(sha(img.manifest));
    expect((await inspectRaw(ref, PLAIN)).equals(img.manifest)).toBe(true);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('pushes a docker-archive .tar.gz without unpacking a large file manifest.json does not name', async () => {
    const img = smallImage();
    const file = path.join(work, 'docker-with-junk.tar.gz');
    await writeTarGz(file, [
      { name: 'junk.bin', zeros: UNREFERENCED_BYTES },
      { name: 'l1/layer.tar', data: img.layer },
      { name: `${sha(img.config).slice(7)}.json`, data: img.config },
      { name: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: `${sha(img.config).slice(7)}.json`, RepoTags: ['x/y:1'], Layers: ['l1/layer.tar'] }])) },
    ]);
    const tmp = await mkdtemp(path.join(work, 'tmp-'));
    const ref = `${http.host}/hostile/docker-${suffix()}:v1`;
    const r = await runLimited(['push', file, `oci://${ref}`, '-o', 'json', '-q'], tmp);
    expect(r.code, r.stderr).toBe(0);
    const pushed = JSON.parse((await inspectRaw(ref, PLAIN)).toString()) as { config: { digest: string }; layers: { digest: string }[] };
    expect(pushed.config.digest).toBe(sha(img.config));
    expect(pushed.layers.map((l) => l.digest)).toEqual([sha(img.layer)]);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('refuses an archive of 100,001 entries quickly, with one line and exit 2', async () => {
    const headers: Buffer[] = [ustarHeader('oci-layout', 30), Buffer.concat([Buffer.from('{"imageLayoutVersion":"1.0.0"}'), Buffer.alloc(512 - 30)])];
    for (let i = 0; i < 100_001; i++) headers.push(ustarHeader(`blobs/sha256/junk-${i}`, 0));
    const file = path.join(work, 'many.tar.gz');
    await writeFile(file, gzipSync(Buffer.concat([...headers, ustarHeader('index.json', 2), Buffer.from('{}'), Buffer.alloc(510), Buffer.alloc(1024)])));
    const started = Date.now();
    const r = await runCli(['push', file, `oci://${http.host}/hostile/many:v1`]);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([`error: ${file} holds more than 100000 entries; refusing to read it`]);
  });
});
