// `browse files|cat|config` against the real registry, on images buildah built (one
// layer per COPY: overwrites, a whiteout, an opaque directory, symlinks, a hard link,
// gzip layers and one recompressed with zstd). skopeo + GNU tar are the oracle.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, link, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { explain, json, runCli } from './support/cli.js';
import { startFaultProxy } from './support/fault-proxy.js';
import { buildahLayout, oracleFiles, recompressLayerZstd, sh, writeHandLayout } from './support/layered-image.js';
import { writeMultiPlatformLayout } from './support/multi-platform-fixture.js';

const registry = inject('registries').http;

interface FileJson {
  path: string;
  type: string;
  size: number;
  mode: number;
  linkTarget?: string;
  layer: number;
}

interface FilesJson {
  digest: string;
  layers: { index: number; digest: string; mediaType: string; size: number; fileBytes: number; wastedBytes: number; entries: number }[];
  files?: FileJson[];
  layer?: { index: number; changes: (FileJson & { change: string })[] };
  wasted: { bytes: number; totalBytes: number; percent: number };
  maxWasted?: { limit: string; exceeded: boolean };
}

const TOOL = randomBytes(1000);
const DATA_V1 = randomBytes(64 * 1024);
const DATA_V2 = randomBytes(32 * 1024);

let work: string;
let ref: string;

async function writeContext(dir: string): Promise<void> {
  const put = async (rel: string, data: string | Buffer): Promise<void> => {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), data);
  };
  await put('l1/etc/config', 'v1\n');
  await put('l1/bin/tool', TOOL);
  await link(path.join(dir, 'l1/bin/tool'), path.join(dir, 'l1/bin/tool-hard'));
  await symlink('../etc/config', path.join(dir, 'l1/bin/cfg'));
  await put('l1/opt/keep/a', 'keep\n');
  await put('l1/opt/keep/sub/deep', 'deep file\n');
  await put('l1/var/data.bin', DATA_V1);
  await put('l1/usr/lib/libx.so.1', 'library\n');
  await symlink('/usr/lib/libx.so.1', path.join(dir, 'l1/usr/lib/libx.so'));
  await put('l2/etc/config', 'version two\n');
  await put('l2/var/data.bin', DATA_V2);
  await put('l3/bin/.wh.tool', '');
  await put('l3/opt/keep/.wh..wh..opq', '');
  await put('l3/opt/keep/b', 'new\n');
  await put('l4/srv/index.html', '<h1>hi</h1>\n');
  await symlink('opt/keep', path.join(dir, 'l4/current'));
  await put(
    'Dockerfile',
    [
      'FROM scratch',
      'COPY l1/ /',
      'COPY l2/ /',
      'LABEL org.example.test=inside',
      'COPY l3/ /',
      'ENV GREETING=hello',
      'COPY l4/ /',
      'USER 1000:1000',
      'EXPOSE 8080/tcp',
      'ENTRYPOINT ["/bin/tool"]',
      'CMD ["--serve"]',
      '',
    ].join('\n'),
  );
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-inside-'));
  const context = path.join(work, 'context');
  const layout = path.join(work, 'layout');
  await writeContext(context);
  await buildahLayout(context, layout, 'v1');
  await recompressLayerZstd(layout, 'v1', 3);
  ref = `${registry.host}/inside-${randomBytes(3).toString('hex')}/layered:v1`;
  const pushed = await runCli(['push', layout, `oci://${ref}`]);
  expect(pushed.code, explain(pushed)).toBe(0);
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Our listing in the oracle's terms: a hard link is a file with its target's bytes. */
function comparable(files: FileJson[]): { path: string; type: string; size: number; linkTarget?: string }[] {
  return files
    .filter((f) => f.type !== 'dir')
    .map((f) => ({
      path: f.path,
      type: f.type === 'hardlink' ? 'file' : f.type,
      size: f.size,
      ...(f.linkTarget === undefined || f.type === 'hardlink' ? {} : { linkTarget: f.linkTarget }),
    }));
}

describe('browse files', () => {
  it('lists the merged image exactly as skopeo copy + tar extract in order (whiteouts and opaque directories applied)', async () => {
    const res = await runCli(['browse', 'files', ref, '-o', 'json']);
    expect(res.code, explain(res)).toBe(0);
    const out = json<FilesJson>(res);
    expect(out.layers.map((l) => l.mediaType)).toEqual([
      'application/vnd.oci.image.layer.v1.tar+gzip',
      'application/vnd.oci.image.layer.v1.tar+gzip',
      'application/vnd.oci.image.layer.v1.tar+gzip',
      'application/vnd.oci.image.layer.v1.tar+zstd',
    ]);
    const oracle = await oracleFiles(ref, { tls: 'skip' });
    expect(comparable(out.files!)).toEqual(oracle.filter((f) => f.type !== 'dir'));
    // Directories: every one we list exists there, and every one there is listed or implied by a path below it.
    const ours = new Set(out.files!.map((f) => f.path));
    const oracleDirs = oracle.filter((f) => f.type === 'dir').map((f) => f.path);
    for (const f of out.files!.filter((f) => f.type === 'dir')) expect(oracleDirs).toContain(f.path);
    for (const d of oracleDirs) expect(ours.has(d) || [...ours].some((p) => p.startsWith(`${d}/`)), d).toBe(true);

    const byPath = new Map(out.files!.map((f) => [f.path, f]));
    expect(byPath.get('etc/config')).toMatchObject({ type: 'file', size: 12, layer: 1, mode: 0o644 });
    expect(byPath.get('bin/cfg')).toMatchObject({ type: 'symlink', linkTarget: '../etc/config', layer: 0 });
    expect(byPath.get('bin/tool-hard')).toMatchObject({ type: 'hardlink', linkTarget: 'bin/tool', size: 1000 });
    expect(byPath.has('bin/tool')).toBe(false);
    expect(byPath.has('opt/keep/a')).toBe(false);
    expect(byPath.get('opt/keep/b')).toMatchObject({ layer: 2 });
    expect(byPath.get('current')).toMatchObject({ type: 'symlink', linkTarget: 'opt/keep', layer: 3 });
  });

  it('counts wasted space per layer and in total, and --max-wasted gates on it', async () => {
    const res = await runCli(['browse', 'files', ref, '-o', 'json']);
    const out = json<FilesJson>(res);
    // Layer 0 lost etc/config (3), bin/tool (1000), opt/keep/a (5), opt/keep/sub/deep (10), var/data.bin (64 KiB).
    const wasted0 = 3 + 1000 + 5 + 10 + DATA_V1.length;
    expect(out.layers.map((l) => l.wastedBytes)).toEqual([wasted0, 0, 0, 0]);
    expect(out.wasted.bytes).toBe(wasted0);
    const total = out.layers.reduce((n, l) => n + l.fileBytes, 0);
    expect(out.wasted.totalBytes).toBe(total);
    expect(out.wasted.percent).toBeCloseTo((wasted0 / total) * 100, 5);

    const text = await runCli(['browse', 'files', ref]);
    expect(text.code, explain(text)).toBe(0);
    expect(text.stdout).toMatch(/wasted: 65\.0 KiB of .* \(\d+\.\d%\)/);
    expect(text.stdout).toContain('/bin/cfg -> ../etc/config');

    const over = await runCli(['browse', 'files', ref, '--max-wasted', '10%']);
    expect(over.code, explain(over)).toBe(1);
    expect(over.stderr).toMatch(/wasted: 65\.0 KiB .* over --max-wasted 10%/);
    const bytesOver = await runCli(['browse', 'files', ref, '--max-wasted', '60KiB', '-o', 'json']);
    expect(bytesOver.code).toBe(1);
    expect(json<FilesJson>(bytesOver).maxWasted).toEqual({ limit: '60.0 KiB', exceeded: true });
    const under = await runCli(['browse', 'files', ref, '--max-wasted', '1MB']);
    expect(under.code, explain(under)).toBe(0);
    const bad = await runCli(['browse', 'files', ref, '--max-wasted', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-wasted/);
  });

  it('lists one layer with its entries marked against the layers below', async () => {
    const res = await runCli(['browse', 'files', ref, '--layer', '2', '-o', 'json']);
    expect(res.code, explain(res)).toBe(0);
    const changes = json<FilesJson>(res).layer!.changes.map((c) => `${c.change} ${c.path}`);
    expect(changes).toEqual(
      expect.arrayContaining(['removed bin/tool', 'removed opt/keep/a', 'removed opt/keep/sub', 'removed opt/keep/sub/deep', 'added opt/keep/b']),
    );
    const zstdLayer = await runCli(['browse', 'files', ref, '--layer', '3']);
    expect(zstdLayer.code, explain(zstdLayer)).toBe(0);
    expect(zstdLayer.stdout).toMatch(/\+ +-rw-r--r-- +0:0 +12 +\/srv\/index\.html/);
    const missing = await runCli(['browse', 'files', ref, '--layer', '9']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/has 4 layers \(0 to 3\); there is no layer 9/);
  });
});

describe('browse cat', () => {
  it('prints a file from the topmost layer that has it, following symlinks and hard links, binary-safe', async () => {
    const cat = (p: string) => runCli(['browse', 'cat', ref, p]);
    expect((await cat('/etc/config')).stdout).toBe('version two\n');
    expect((await cat('bin/cfg')).stdout).toBe('version two\n');
    expect((await cat('/current/b')).stdout).toBe('new\n');
    expect((await cat('/usr/lib/libx.so')).stdout).toBe('library\n');
    // Bytes as they are (runCli decodes UTF-8); the hard link keeps the bytes of the file a later layer deleted.
    const raw = spawnSync('node', ['dist/cli.js', 'browse', 'cat', ref, '/var/data.bin'], { env: { PATH: process.env.PATH, HOME: work, DOCKER_CONFIG: work } });
    expect(raw.status, raw.stderr.toString()).toBe(0);
    expect(Buffer.compare(raw.stdout, DATA_V2)).toBe(0);
    const hardRaw = spawnSync('node', ['dist/cli.js', 'browse', 'cat', ref, '/bin/tool-hard'], { env: { PATH: process.env.PATH, HOME: work, DOCKER_CONFIG: work } });
    expect(Buffer.compare(hardRaw.stdout, TOOL)).toBe(0);
  });

  it('says in one line that a deleted, hidden or absent file is not there (exit 1), and refuses a directory (exit 2)', async () => {
    for (const p of ['/bin/tool', '/opt/keep/a', '/opt/keep/sub/deep', '/nowhere']) {
      const res = await runCli(['browse', 'cat', ref, p]);
      expect(res.code, explain(res)).toBe(1);
      expect(res.stdout).toBe('');
      expect(res.stderr.trim().split('\n')[0]).toContain(`no file ${p} in the image`);
      expect(res.stderr).not.toMatch(/\n\s+at /);
    }
    const dir = await runCli(['browse', 'cat', ref, '/etc']);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toContain('/etc: is a directory');
  });
});

describe('browse config', () => {
  it('shows entrypoint, cmd, env, labels, user, ports and history with the layer each step made', async () => {
    const res = await runCli(['browse', 'config', ref, '-o', 'json']);
    expect(res.code, explain(res)).toBe(0);
    const c = json<{
      entrypoint: string[];
      cmd: string[];
      env: string[];
      labels: Record<string, string>;
      user: string;
      exposedPorts: string[];
      history: { createdBy?: string; layer?: { index: number; size: number } }[];
      unattributedLayers: number[];
    }>(res);
    expect(c.entrypoint).toEqual(['/bin/tool']);
    expect(c.cmd).toEqual(['--serve']);
    expect(c.env).toContain('GREETING=hello');
    expect(c.labels['org.example.test']).toBe('inside');
    expect(c.user).toBe('1000:1000');
    expect(c.exposedPorts).toEqual(['8080/tcp']);
    const made = c.history.filter((h) => h.layer !== undefined);
    expect(made.map((h) => h.layer!.index)).toEqual([0, 1, 2, 3]);
    expect(made.map((h) => h.createdBy)).toEqual(made.map((h) => expect.stringMatching(/COPY/)) as unknown as string[]);
    expect(c.history.find((h) => /LABEL/.test(h.createdBy ?? ''))?.layer).toBeUndefined();
    expect(c.unattributedLayers).toEqual([]);
    const text = await runCli(['browse', 'config', ref]);
    expect(text.stdout).toMatch(/entrypoint +\["\/bin\/tool"\]/);
    expect(text.stdout).toMatch(/history:/);
  });
});

describe('multi-platform index', () => {
  it('picks --platform, else this machine\'s platform, else names the platforms there are', async () => {
    const dir = path.join(work, 'multi');
    const host = process.arch === 'arm64' ? 'arm64' : 'amd64';
    const other = host === 'arm64' ? 'amd64' : 'arm64';
    await writeMultiPlatformLayout(dir, 'multi');
    const multi = `${registry.host}/inside-${randomBytes(3).toString('hex')}/multi:v1`;
    expect((await runCli(['push', dir, `oci://${multi}`, '--ref-name', 'multi'])).code).toBe(0);
    expect((await runCli(['browse', 'cat', multi, '/hello.txt'])).stdout).toMatch(new RegExp(`^hello from linux-${host} `));
    expect((await runCli(['browse', 'cat', multi, '/hello.txt', '--platform', `linux/${other}`])).stdout).toMatch(new RegExp(`^hello from linux-${other} `));

    const foreign = path.join(work, 'foreign');
    await writeMultiPlatformLayout(foreign, 'f', [
      { os: 'linux', architecture: 's390x' },
      { os: 'linux', architecture: 'ppc64le' },
    ]);
    const f = `${registry.host}/inside-${randomBytes(3).toString('hex')}/foreign:v1`;
    expect((await runCli(['push', foreign, `oci://${f}`, '--ref-name', 'f'])).code).toBe(0);
    const res = await runCli(['browse', 'files', f]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`has no linux/${host} image (this machine's platform); available platforms: linux/s390x, linux/ppc64le`);
    const picked = await runCli(['browse', 'files', f, '--platform', 'linux/ppc64le', '-o', 'json']);
    expect(picked.code, explain(picked)).toBe(0);
    expect(json<FilesJson>(picked).files!.map((x) => x.path)).toEqual(['hello.txt']);
  });
});

describe('streaming and bounds', () => {
  it('browse cat of a file in the top layer of a ~230 MiB image never fetches the big layer, and cuts the top one short', async () => {
    const dir = path.join(work, 'big');
    await mkdir(dir, { recursive: true });
    // Bottom: 200 MiB that does not compress. Top: the wanted file first, then 32 MiB more.
    await sh(
      dir,
      [
        'mkdir -p b/opt t/etc t/var',
        'head -c 200M /dev/urandom > b/opt/big.bin && tar -C b -cf bottom.tar opt',
        'echo "motd from the top" > t/etc/motd && head -c 32M /dev/urandom > t/var/filler.bin',
        'tar -C t -cf - etc/motd var/filler.bin | gzip -1 > top.tar.gz',
      ].join('\n'),
    );
    const layout = path.join(dir, 'layout');
    const { layerDigests } = await writeHandLayout(layout, 'big', [
      { file: path.join(dir, 'bottom.tar'), mediaType: 'application/vnd.oci.image.layer.v1.tar' },
      { file: path.join(dir, 'top.tar.gz'), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
    ]);
    await rm(path.join(dir, 'b'), { recursive: true });
    await rm(path.join(dir, 't'), { recursive: true });
    const repo = `inside-${randomBytes(3).toString('hex')}/big`;
    expect((await runCli(['push', layout, `oci://${registry.host}/${repo}:v1`])).code).toBe(0);
    await rm(layout, { recursive: true });

    const proxy = await startFaultProxy(registry.url);
    try {
      const res = await runCli(['browse', 'cat', `${proxy.host}/${repo}:v1`, '/etc/motd']);
      expect(res.code, explain(res)).toBe(0);
      expect(res.stdout).toBe('motd from the top\n');
      const blobBytes = (digest: string): number =>
        proxy.seen.filter((r) => r.method === 'GET' && r.path.endsWith(`/blobs/${digest}`)).reduce((n, r) => n + (r.responseBytes ?? 0), 0);
      expect(proxy.seen.some((r) => r.path.endsWith(`/blobs/${layerDigests[0]}`))).toBe(false);
      expect(blobBytes(layerDigests[0]!)).toBe(0);
      // The top layer's download stops once /etc/motd is read: far less than its 32 MiB.
      expect(blobBytes(layerDigests[1]!)).toBeGreaterThan(0);
      expect(blobBytes(layerDigests[1]!)).toBeLessThan(16 << 20);
    } finally {
      await proxy.stop();
    }
    // A reader that stops early (`| head`) ends it quietly: exit 0, no stack trace.
    const piped = spawnSync('bash', ['-c', `node dist/cli.js browse cat ${registry.host}/${repo}:v1 /var/filler.bin | head -c 10 | wc -c; echo "status \${PIPESTATUS[0]}"`], {
      env: { PATH: process.env.PATH, HOME: work, DOCKER_CONFIG: work },
    });
    expect(piped.stdout.toString()).toBe('10\nstatus 0\n');
    expect(piped.stderr.toString()).toBe('');
  }, 120_000);

  it('browse files keeps peak memory flat whatever the layer size (gzip and zstd, 16 MiB vs 256 MiB of file content)', async () => {
    const dir = path.join(work, 'rss');
    await mkdir(dir, { recursive: true });
    // A sparse file reads as zeros: big layers that build in a second and compress well.
    await sh(dir, 'mkdir z && truncate -s 16M z/small && truncate -s 256M z/big && for s in small big; do tar -C z -cf - $s | gzip -1 > $s.tar.gz; tar -C z -cf - $s | zstd -q -1 > $s.tar.zst; done; rm -r z');
    const peak = async (name: string, file: string, mediaType: string): Promise<number> => {
      const layout = path.join(dir, `layout-${name}`);
      await writeHandLayout(layout, 'v1', [{ file: path.join(dir, file), mediaType }]);
      const image = `${registry.host}/inside-${randomBytes(3).toString('hex')}/rss-${name}:v1`;
      expect((await runCli(['push', layout, `oci://${image}`])).code).toBe(0);
      const res = spawnSync('node', ['-r', './test/support/maxrss-preload.cjs', 'dist/cli.js', 'browse', 'files', image, '-o', 'json'], {
        env: { PATH: process.env.PATH, HOME: work, DOCKER_CONFIG: work, NO_COLOR: '1' },
        maxBuffer: 16 << 20,
      });
      expect(res.status, res.stderr.toString()).toBe(0);
      const out = JSON.parse(res.stdout.toString()) as FilesJson;
      expect(out.files!.map((f) => f.size)).toEqual([name.startsWith('big') ? 256 << 20 : 16 << 20]);
      return Number(/maxrss=(\d+)/.exec(res.stderr.toString())![1]);
    };
    const gzSmall = await peak('small-gz', 'small.tar.gz', 'application/vnd.oci.image.layer.v1.tar+gzip');
    const gzBig = await peak('big-gz', 'big.tar.gz', 'application/vnd.oci.image.layer.v1.tar+gzip');
    const zstSmall = await peak('small-zst', 'small.tar.zst', 'application/vnd.oci.image.layer.v1.tar+zstd');
    const zstBig = await peak('big-zst', 'big.tar.zst', 'application/vnd.oci.image.layer.v1.tar+zstd');
    console.log(`browse files peak RSS (KiB): gzip 16 MiB ${gzSmall}, 256 MiB ${gzBig}; zstd 16 MiB ${zstSmall}, 256 MiB ${zstBig}`);
    // 240 MiB more content costs garbage-collector slack, nothing like the content. The pure-JS
    // zstd decoder allocates each 128 KiB block afresh, so V8 lets more garbage build up first.
    expect(gzBig - gzSmall).toBeLessThan(32 << 10);
    expect(zstBig - zstSmall).toBeLessThan(96 << 10);
  }, 180_000);

  it('a layer the registry serves corrupted is one clear line naming the layer, exit 1', async () => {
    const files = json<FilesJson>(await runCli(['browse', 'files', ref, '-o', 'json']));
    const proxy = await startFaultProxy(registry.url);
    try {
      const bottom = files.layers[0]!;
      // A hostile or broken registry: the right status, the wrong bytes.
      proxy.setRule((r) => (r.method === 'GET' && r.path.endsWith(`/blobs/${bottom.digest}`) ? { status: 200, body: Buffer.alloc(bottom.size, 0x41) } : undefined));
      const res = await runCli(['browse', 'files', ref.replace(registry.host, proxy.host)]);
      expect(res.code, explain(res)).toBe(1);
      expect(res.stderr.trim().split('\n')[0]).toMatch(/layer 0 \(sha256:[0-9a-f]{64}\)/);
      expect(res.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await proxy.stop();
    }
  });
});
