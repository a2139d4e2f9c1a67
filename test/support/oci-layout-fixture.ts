// Writes a tiny but valid OCI image layout by hand (no lazyoci code involved), for
// seeding registries through skopeo. Calling it again on the same dir adds a tag.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const TINY_ARTIFACT_TYPE = 'application/vnd.lazyoci.test.tiny.v1';
export const TINY_LAYER_MEDIA_TYPE = 'application/vnd.lazyoci.test.tiny.layer.v1+txt';

const INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';
const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';
const REF_NAME = 'org.opencontainers.image.ref.name';

export interface TinyLayout {
  manifestDigest: string;
  manifestSize: number;
  manifest: Buffer;
  layerDigest: string;
  layerSize: number;
}

interface IndexJson {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Array<{ mediaType: string; digest: string; size: number; annotations?: Record<string, string> }>;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

async function writeBlob(dir: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  await writeFile(path.join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), data);
  return digest;
}

export async function writeTinyLayout(dir: string, tag: string): Promise<TinyLayout> {
  await mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));

  const config = Buffer.from('{}');
  const configDigest = await writeBlob(dir, config);

  // Random content so every call yields a distinct manifest digest.
  const layer = Buffer.from(`tiny layer for ${tag}: ${randomBytes(16).toString('hex')}\n`);
  const layerDigest = await writeBlob(dir, layer);

  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_MEDIA_TYPE,
      artifactType: TINY_ARTIFACT_TYPE,
      config: { mediaType: EMPTY_MEDIA_TYPE, digest: configDigest, size: config.length, data: config.toString('base64') },
      layers: [
        {
          mediaType: TINY_LAYER_MEDIA_TYPE,
          digest: layerDigest,
          size: layer.length,
          annotations: { 'org.opencontainers.image.title': 'tiny.txt' },
        },
      ],
      annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
    }),
  );
  const manifestDigest = await writeBlob(dir, manifest);

  const indexPath = path.join(dir, 'index.json');
  let index: IndexJson = { schemaVersion: 2, mediaType: INDEX_MEDIA_TYPE, manifests: [] };
  try {
    index = JSON.parse(await readFile(indexPath, 'utf8')) as IndexJson;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  index.manifests = index.manifests.filter((m) => m.annotations?.[REF_NAME] !== tag);
  index.manifests.push({
    mediaType: MANIFEST_MEDIA_TYPE,
    digest: manifestDigest,
    size: manifest.length,
    annotations: { [REF_NAME]: tag },
  });
  await writeFile(indexPath, JSON.stringify(index));

  return { manifestDigest, manifestSize: manifest.length, manifest, layerDigest, layerSize: layer.length };
}
