// A layer blob's tar stream: decompressed by what its media type says (gzip, zstd, or
// none). OCI and Docker spell these differently; both are accepted.
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ContentError } from '../errors/index.js';
import { zstdDecompress } from './zstd-stream.js';

export type LayerCompression = 'gzip' | 'zstd' | 'none';

export function layerCompression(mediaType: string): LayerCompression | undefined {
  const type = mediaType.toLowerCase();
  if (type.endsWith('+gzip') || type.endsWith('.tar.gzip') || type.endsWith('.tar.gz')) return 'gzip';
  if (type.endsWith('+zstd') || type.endsWith('.tar.zstd')) return 'zstd';
  if (type.endsWith('.tar') || type.endsWith('.diff.tar')) return 'none';
  return undefined;
}

/** The uncompressed tar of `blob`; destroying the result destroys the blob stream. */
export function layerTarStream(blob: Readable, mediaType: string, what: string): Readable {
  const compression = layerCompression(mediaType);
  if (compression === undefined) {
    blob.destroy();
    throw new ContentError(`${what}: media type ${mediaType} is not a tar layer`);
  }
  if (compression === 'none') return blob;
  if (compression === 'zstd') return zstdDecompress(blob, what);
  const gunzip = createGunzip();
  blob.on('error', (err) => gunzip.destroy(err));
  gunzip.once('close', () => blob.destroy());
  gunzip.on('error', () => blob.destroy());
  blob.pipe(gunzip);
  return wrapGzipErrors(gunzip, what);
}

function wrapGzipErrors(gunzip: Readable, what: string): Readable {
  const out = Readable.from(
    (async function* () {
      try {
        for await (const chunk of gunzip) yield chunk as Buffer;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'string' && code.startsWith('Z_')) throw new ContentError(`${what}: not valid gzip data (${(err as Error).message})`);
        throw err;
      }
    })(),
    { objectMode: false },
  );
  out.once('close', () => gunzip.destroy());
  return out;
}
