import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../content/memory-store.js';
import { readAll } from '../content/store.js';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/types.js';
import { graphTotal } from './graph-total.js';

function image(store: MemoryStore, layerText: string): Descriptor {
  const config = store.addContent(MediaType.imageConfig, Buffer.from('{"os":"linux"}'));
  const shared = store.addContent(MediaType.imageLayerTar, Buffer.from('shared layer'));
  const own = store.addContent(MediaType.imageLayerTar, Buffer.from(layerText));
  const manifest = { schemaVersion: 2, mediaType: MediaType.imageManifest, config, layers: [shared, own] };
  return store.addContent(MediaType.imageManifest, Buffer.from(JSON.stringify(manifest)));
}

describe('graphTotal', () => {
  it('adds every blob and manifest under an index once', async () => {
    const store = new MemoryStore();
    const a = image(store, 'amd64 layer');
    const b = image(store, 'arm64 layer!');
    const indexBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.imageIndex, manifests: [a, b] }));
    const index = store.addContent(MediaType.imageIndex, indexBytes);
    const read = async (d: Descriptor): Promise<Buffer> => readAll(await store.fetch(d));
    const total = await graphTotal(index, indexBytes, read);
    // config and the shared layer are one blob each; two own layers.
    expect(total).toEqual({ bytes: index.size + a.size + b.size + 14 + 12 + 11 + 12, blobs: 4 });
  });

  it('gives no total when a manifest below the root cannot be read cheaply', async () => {
    const store = new MemoryStore();
    const a = image(store, 'x');
    const indexBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.imageIndex, manifests: [a] }));
    const index = store.addContent(MediaType.imageIndex, indexBytes);
    expect(await graphTotal(index, indexBytes, async () => undefined)).toBeUndefined();
  });
});
