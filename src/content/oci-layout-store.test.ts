import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContentError } from '../errors/index.js';
import type { Descriptor, Digest } from '../oci/types.js';
import { OciLayoutStore, type TagMove } from './oci-layout-store.js';

const blobOf = (text: string, mediaType = 'application/octet-stream'): { desc: Descriptor; bytes: Buffer } => {
  const bytes = Buffer.from(text);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
  return { desc: { mediaType, digest, size: bytes.length }, bytes };
};
const manifestOf = (n: number) =>
  blobOf(JSON.stringify({ schemaVersion: 2, n }), 'application/vnd.oci.image.manifest.v1+json');

describe('OciLayoutStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazyoci-layout-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every tag when many writers update index.json at once', async () => {
    const layout = join(dir, 'layout');
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const m = manifestOf(i);
        await new OciLayoutStore(layout).pushReference(m.desc, m.bytes, `t${i}`);
      }),
    );
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: { annotations: Record<string, string> }[] };
    expect(index.manifests.map((m) => m.annotations['org.opencontainers.image.ref.name']).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `t${i}`).sort(),
    );
  });

  it('counts a blob as present only when its bytes hash to its digest', async () => {
    const store = new OciLayoutStore(dir);
    const { desc, bytes } = blobOf('hello layout\n');
    await store.push(desc, () => Readable.from([bytes]));
    expect(await store.exists(desc)).toBe(true);
    const file = join(dir, 'blobs', 'sha256', desc.digest.slice(7));
    await writeFile(file, Buffer.alloc(bytes.length, 0x2a));
    expect(await store.exists(desc)).toBe(false);
    await store.push(desc, () => Readable.from([bytes]));
    expect(await readFile(file)).toEqual(bytes);
  });

  it('refuses a blob file that is a link, reading or checking it', async () => {
    const layout = join(dir, 'layout');
    const store = new OciLayoutStore(layout);
    const { desc } = blobOf('linked\n');
    await writeFile(join(dir, 'outside'), 'linked\n');
    await store.push(blobOf('first\n').desc, () => Readable.from([Buffer.from('first\n')]));
    await symlink(join(dir, 'outside'), join(layout, 'blobs', 'sha256', desc.digest.slice(7)));
    await expect(store.exists(desc)).rejects.toThrow(/is a symbolic link/);
    await expect(store.fetch(desc)).rejects.toThrow(/is a symbolic link/);
  });

  it('leaves no partial file when the content fails its check or its source fails', async () => {
    const store = new OciLayoutStore(dir);
    const { desc, bytes } = blobOf('exact\n');
    await expect(store.push(desc, () => Readable.from([bytes, Buffer.from('more')]))).rejects.toThrow(/larger than its 6 bytes/);
    const failing = () =>
      new Readable({
        read() {
          this.destroy(new Error('socket hang up'));
        },
      });
    const err = await store.push(desc, failing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentError);
    expect((err as Error).message).toBe(`cannot read ${desc.digest} from its source: socket hang up`);
    expect(await readdir(join(dir, 'blobs', 'sha256'))).toEqual([]);
  });

  it('refuses, with within, a layout that resolves outside that directory, before creating anything', async () => {
    const project = join(dir, 'project');
    await mkdir(project);
    await symlink('..', join(project, 'up'));
    const store = new OciLayoutStore(join(project, 'up', 'escaped'), { name: 'oci-layout:up/escaped', within: project });
    const { desc, bytes } = blobOf('x');
    await expect(store.push(desc, () => Readable.from([bytes]))).rejects.toThrow(
      `oci-layout:up/escaped leaves the project directory ${project} (it resolves to ${join(dir, 'escaped')})`,
    );
    expect((await readdir(dir)).sort()).toEqual(['project']);
  });

  it('removes temporary files of writers that died, and keeps those of live ones', async () => {
    const sha = join(dir, 'blobs', 'sha256');
    await mkdir(sha, { recursive: true });
    await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    const dead = spawnSync('true').pid!;
    const hex = 'a'.repeat(64);
    const names = [`${hex}.${dead}.partial`, `${hex}.${dead}.0badc0de.partial`, `${hex}.${process.pid}.12345678.partial`];
    for (const name of names) await writeFile(join(sha, name), 'half');
    await writeFile(join(dir, `index.json.${dead}.0badc0de.tmp`), '{');
    await new OciLayoutStore(dir).checkDestination();
    expect(await readdir(sha)).toEqual([`${hex}.${process.pid}.12345678.partial`]);
    expect((await readdir(dir)).sort()).toEqual(['blobs', 'oci-layout']);
  });

  it('reports a tag moved to other content, with the source recorded by the earlier write', async () => {
    const moves: TagMove[] = [];
    const a = manifestOf(1);
    const b = manifestOf(2);
    await new OciLayoutStore(dir, { source: 'reg/a:v1' }).pushReference(a.desc, a.bytes, 'v1');
    const store = new OciLayoutStore(dir, { source: 'reg/b:v1', onTagMoved: (m) => moves.push(m) });
    await store.pushReference(b.desc, b.bytes, 'v1');
    await store.pushReference(b.desc, b.bytes, 'v1');
    expect(moves).toEqual([{ layout: dir, tag: 'v1', digest: b.desc.digest, previous: a.desc.digest, previousSource: 'reg/a:v1' }]);
  });
});
