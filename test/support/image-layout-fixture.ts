// A small but real two-layer container image (config with rootfs.diff_ids, gzip layers)
// written as an OCI image layout by hand, so skopeo can turn it into a docker archive.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { tarBytes } from './tar-fixture.js';

export interface ImageLayout {
  manifestDigest: string;
  config: Buffer;
  configDigest: string;
  diffIds: string[];
  layerDigests: string[];
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function writeImageLayout(dir: string, tag: string): Promise<ImageLayout> {
  const blobs = path.join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const put = async (b: Buffer): Promise<string> => {
    const d = sha256(b);
    await writeFile(path.join(blobs, d.slice(7)), b);
    return d;
  };

  const layerTars = [
    await tarBytes([{ name: 'etc/', type: 'directory' }, { name: 'etc/hello.txt', data: `hello ${randomBytes(8).toString('hex')}\n` }]),
    await tarBytes([{ name: 'data.bin', data: randomBytes(64 * 1024) }]),
  ];
  const diffIds = layerTars.map(sha256);
  const gz = layerTars.map((t) => gzipSync(t));
  const layerDigests = await Promise.all(gz.map(put));

  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/true'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: [{ created_by: 'fixture layer 1' }, { created_by: 'fixture layer 2' }],
    }),
  );
  const configDigest = await put(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: gz.map((g, i) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigests[i], size: g.length })),
    }),
  );
  const manifestDigest = await put(manifest);

  const indexPath = path.join(dir, 'index.json');
  let manifests: unknown[] = [];
  try {
    manifests = (JSON.parse(await readFile(indexPath, 'utf8')) as { manifests: unknown[] }).manifests;
  } catch {
    manifests = [];
  }
  manifests.push({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: manifestDigest,
    size: manifest.length,
    annotations: { 'org.opencontainers.image.ref.name': tag },
  });
  await writeFile(indexPath, JSON.stringify({ schemaVersion: 2, manifests }));
  return { manifestDigest, config, configDigest, diffIds, layerDigests };
}
