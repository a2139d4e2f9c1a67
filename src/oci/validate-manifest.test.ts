import { describe, expect, it } from 'vitest';
import { ContentError } from '../errors/index.js';
import { manifestChildren } from '../copy/manifest-children.js';
import { digestBytes } from './digest.js';
import { MediaType } from './media-types.js';
import type { Digest } from './types.js';
import { parseManifestDocument } from './validate-manifest.js';

const D1 = digestBytes('one');
const D2 = digestBytes('two');
const manifestDesc: { mediaType: string; digest: Digest } = { mediaType: MediaType.imageManifest, digest: digestBytes('manifest') };
const indexDesc: { mediaType: string; digest: Digest } = { mediaType: MediaType.imageIndex, digest: digestBytes('index') };

function good(): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: MediaType.imageManifest,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: D1, size: 2 },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: D2, size: 10, annotations: { a: 'b' } }],
  };
}

function bytes(doc: unknown): Buffer {
  return Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc));
}

function rejection(desc: typeof manifestDesc, doc: unknown): ContentError {
  try {
    parseManifestDocument(desc, bytes(doc));
  } catch (err) {
    expect(err).toBeInstanceOf(ContentError);
    return err as ContentError;
  }
  throw new Error('expected a ContentError');
}

describe('parseManifestDocument', () => {
  it('accepts a well-formed manifest and index', () => {
    expect(manifestChildren({ ...manifestDesc, size: 1 }, bytes(good())).map((d) => d.digest)).toEqual([D1, D2]);
    const index = { schemaVersion: 2, manifests: [{ mediaType: MediaType.imageManifest, digest: D1, size: 5, platform: { os: 'linux', architecture: 'amd64' } }] };
    expect(manifestChildren({ ...indexDesc, size: 1 }, bytes(index)).map((d) => d.digest)).toEqual([D1]);
    // No layer list at all reads as an empty one.
    const { layers: _l, ...noLayers } = good();
    expect(manifestChildren({ ...manifestDesc, size: 1 }, bytes(noLayers))).toHaveLength(1);
  });

  it.each([
    ['a path in a digest', (d: Record<string, any>) => (d.layers[0].digest = 'sha256:../../etc/passwd'), 'layers[0].digest'],
    ['an uppercase digest', (d: Record<string, any>) => (d.config.digest = D1.toUpperCase()), 'config.digest'],
    ['another algorithm', (d: Record<string, any>) => (d.config.digest = `sha512:${'a'.repeat(128)}`), 'config.digest'],
    ['a negative size', (d: Record<string, any>) => (d.layers[0].size = -1), 'layers[0].size'],
    ['a fractional size', (d: Record<string, any>) => (d.layers[0].size = 1.5), 'layers[0].size'],
    ['a huge size', (d: Record<string, any>) => (d.layers[0].size = 2 ** 64), 'layers[0].size'],
    ['a size as a string', (d: Record<string, any>) => (d.layers[0].size = '10'), 'layers[0].size'],
    ['layers not a list', (d: Record<string, any>) => (d.layers = { 0: d.layers[0] }), 'layers'],
    ['a null layer', (d: Record<string, any>) => (d.layers = [null]), 'layers[0]'],
    ['no config', (d: Record<string, any>) => delete d.config, 'config'],
    ['a numeric mediaType', (d: Record<string, any>) => (d.config.mediaType = 7), 'config.mediaType'],
    ['schemaVersion 1', (d: Record<string, any>) => (d.schemaVersion = 1), 'schemaVersion'],
    ['schemaVersion as a string', (d: Record<string, any>) => (d.schemaVersion = '2'), 'schemaVersion'],
    ['a non-string annotation', (d: Record<string, any>) => (d.layers[0].annotations = { a: { nested: true } }), 'layers[0].annotations'],
    ['a bad subject', (d: Record<string, any>) => (d.subject = { mediaType: 'x', digest: 'sha256:abc', size: 1 }), 'subject.digest'],
  ])('refuses %s, naming the manifest and the field', (_name, mutate, field) => {
    const doc = good();
    mutate(doc as Record<string, any>);
    const err = rejection(manifestDesc, doc);
    expect(err.message).toContain(manifestDesc.digest);
    expect(err.message).toContain(field);
  });

  it('refuses what is not a JSON object', () => {
    for (const doc of ['not json', '[]', 'null', '"x"', '12', '{"schemaVersion":2e400}']) {
      expect(rejection(manifestDesc, doc).message).toMatch(/document|schemaVersion/);
    }
  });

  it('checks every descriptor of an index', () => {
    const index = { schemaVersion: 2, manifests: [{ mediaType: 'x', digest: D1, size: 1 }, { mediaType: 'x', digest: D2, size: Number.MAX_SAFE_INTEGER + 2 }] };
    expect(rejection(indexDesc, index).message).toContain('manifests[1].size');
    expect(rejection(indexDesc, { schemaVersion: 2, manifests: 'all of them' }).message).toContain('manifests must be a list');
    // An index is not read for layers: a manifests list is what it needs.
    expect(rejection(indexDesc, { schemaVersion: 2, layers: [] }).message).toContain('manifests');
  });

  it('keeps hostile values short in the message', () => {
    const doc = good();
    (doc.layers as Record<string, unknown>[])[0]!.digest = `sha256:${'\u001b[31m'.repeat(10_000)}`;
    const err = rejection(manifestDesc, doc);
    expect(err.message.length).toBeLessThan(300);
    expect(err.message).not.toContain('\u001b');
  });
});
