// Writes an OCI image layout holding a multi-platform image index by hand (no lazyoci
// code involved): one tiny but real image (config + uncompressed tar layer) per platform.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pack } from 'tar-stream';

const INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';
const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const CONFIG_MEDIA_TYPE = 'application/vnd.oci.image.config.v1+json';
const LAYER_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar';
const REF_NAME = 'org.opencontainers.image.ref.name';

export interface FixturePlatform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface PlatformImage {
  platform: FixturePlatform;
  manifestDigest: string;
  manifestSize: number;
  configDigest: string;
  layerDigest: string;
}

export interface MultiPlatformLayout {
  indexDigest: string;
  index: Buffer;
  images: PlatformImage[];
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

async function writeBlob(dir: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  await writeFile(path.join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), data);
  return digest;
}

async function tarOf(name: string, content: string): Promise<Buffer> {
  const tar = pack();
  tar.entry({ name, mtime: new Date(0), mode: 0o644 }, content);
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function writeMultiPlatformLayout(
  dir: string,
  tag: string,
  platforms: FixturePlatform[] = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64' },
  ],
): Promise<MultiPlatformLayout> {
  await mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const nonce = randomBytes(8).toString('hex');

  const images: PlatformImage[] = [];
  const entries: object[] = [];
  for (const platform of platforms) {
    const label = [platform.os, platform.architecture, platform.variant].filter(Boolean).join('-');
    const layer = await tarOf('hello.txt', `hello from ${label} (${nonce})\n`);
    const layerDigest = await writeBlob(dir, layer);
    const config = Buffer.from(
      JSON.stringify({
        ...platform,
        created: '2024-01-01T00:00:00Z',
        config: { Cmd: ['/hello'] },
        rootfs: { type: 'layers', diff_ids: [layerDigest] },
      }),
    );
    const configDigest = await writeBlob(dir, config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST_MEDIA_TYPE,
        config: { mediaType: CONFIG_MEDIA_TYPE, digest: configDigest, size: config.length },
        layers: [{ mediaType: LAYER_MEDIA_TYPE, digest: layerDigest, size: layer.length }],
      }),
    );
    const manifestDigest = await writeBlob(dir, manifest);
    images.push({ platform, manifestDigest, manifestSize: manifest.length, configDigest, layerDigest });
    entries.push({ mediaType: MANIFEST_MEDIA_TYPE, digest: manifestDigest, size: manifest.length, platform });
  }

  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: INDEX_MEDIA_TYPE,
      manifests: entries,
      annotations: { 'org.opencontainers.image.description': 'multi-platform fixture' },
    }),
  );
  const indexDigest = await writeBlob(dir, index);

  const indexPath = path.join(dir, 'index.json');
  let top: { schemaVersion: 2; mediaType?: string; manifests: Array<{ annotations?: Record<string, string> }> } = {
    schemaVersion: 2,
    mediaType: INDEX_MEDIA_TYPE,
    manifests: [],
  };
  try {
    top = JSON.parse(await readFile(indexPath, 'utf8')) as typeof top;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  top.manifests = top.manifests.filter((m) => m.annotations?.[REF_NAME] !== tag);
  top.manifests.push({ mediaType: INDEX_MEDIA_TYPE, digest: indexDigest, size: index.length, annotations: { [REF_NAME]: tag } } as never);
  await writeFile(indexPath, JSON.stringify(top));

  return { indexDigest, index, images };
}
