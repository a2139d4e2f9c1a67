import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tarBytes } from '../../test/support/tar-fixture.js';
import { digestBytes } from '../oci/digest.js';
import { readLayerEntries, type LayerEntry } from './layer-entries.js';

const ENTRIES = [
  { name: './etc/', type: 'directory' as const },
  { name: './etc/hello', data: 'hello world\n' },
  { name: 'etc/link', type: 'symlink' as const, linkname: '/etc/hello' },
  { name: 'etc/hard', type: 'link' as const, linkname: './etc/hello' },
];

async function list(blob: Buffer, mediaType: string, verify = true): Promise<{ entries: LayerEntry[]; bodies: Record<string, string> }> {
  const entries: LayerEntry[] = [];
  const bodies: Record<string, string> = {};
  await readLayerEntries(
    Readable.from([blob]),
    { mediaType, digest: digestBytes(blob), size: blob.length },
    async (entry, body) => {
      entries.push(entry);
      if (entry.path === 'etc/hello') {
        const parts: Buffer[] = [];
        for await (const c of body) parts.push(c);
        bodies[entry.path] = Buffer.concat(parts).toString();
      }
      return 'next' as const;
    },
    { verify, what: 'test layer' },
  );
  return { entries, bodies };
}

describe('readLayerEntries', () => {
  it('reads plain, gzip and zstd layers alike', async () => {
    const tar = await tarBytes(ENTRIES);
    const zstd = execFileSync('zstd', ['-q', '-c'], { input: tar });
    for (const [blob, type] of [
      [tar, 'application/vnd.oci.image.layer.v1.tar'],
      [gzipSync(tar), 'application/vnd.oci.image.layer.v1.tar+gzip'],
      [gzipSync(tar), 'application/vnd.docker.image.rootfs.diff.tar.gzip'],
      [zstd, 'application/vnd.oci.image.layer.v1.tar+zstd'],
    ] as const) {
      const { entries, bodies } = await list(blob, type);
      expect(entries.map((e) => [e.path, e.type, e.size, e.linkTarget])).toEqual([
        ['etc', 'dir', 0, undefined],
        ['etc/hello', 'file', 12, undefined],
        ['etc/link', 'symlink', 0, '/etc/hello'],
        ['etc/hard', 'hardlink', 0, 'etc/hello'],
      ]);
      expect(bodies['etc/hello']).toBe('hello world\n');
    }
  });

  it('keeps memory flat on a zstd layer of long runs (8 KiB that expand to 256 MiB)', async () => {
    // Made by the shell so this process never holds the 256 MiB: a sparse file, tarred, zstd -19.
    const zstd = execFileSync('sh', ['-c', 'd=$(mktemp -d) && cd "$d" && truncate -s 256M zeros && tar cf - zeros | zstd -q -19 -c; rm -rf "$d"'], { maxBuffer: 64 << 20 });
    expect(zstd.length).toBeLessThan(1 << 20);
    const before = process.resourceUsage().maxRSS;
    const { entries } = await list(zstd, 'application/vnd.oci.image.layer.v1.tar+zstd', false);
    expect(entries.map((e) => e.size)).toEqual([256 << 20]);
    // The high-water mark (KiB) grows by the decoder's bounded steps, not by the layer's 256 MiB.
    expect(process.resourceUsage().maxRSS - before).toBeLessThan(96 << 10);
  }, 60_000);

  it('refuses a blob that does not match its digest, and a media type that is not a tar layer', async () => {
    const tar = await tarBytes(ENTRIES);
    await expect(
      readLayerEntries(Readable.from([tar]), { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestBytes('other'), size: tar.length }, () => 'next', { verify: true, what: 'layer 0' }),
    ).rejects.toThrow(/layer 0: the blob does not match its descriptor/);
    await expect(
      readLayerEntries(Readable.from([tar]), { mediaType: 'application/vnd.example.thing', digest: digestBytes(tar), size: tar.length }, () => 'next', { what: 'layer 0' }),
    ).rejects.toThrow(/media type application\/vnd.example.thing is not a tar layer/);
    await expect(
      readLayerEntries(Readable.from([Buffer.from('not gzip at all')]), { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digestBytes('x'), size: 15 }, () => 'next', { what: 'layer 0' }),
    ).rejects.toThrow(/layer 0/);
  });
});
