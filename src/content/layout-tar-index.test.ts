import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Digest } from '../oci/types.js';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { writeTar } from '../../test/support/tar-fixture.js';
import { indexLayoutTar } from './layout-tar-index.js';
import { readAll } from './store.js';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-tar-index-test-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

const sha = (b: Buffer): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const desc = (b: Buffer) => ({ mediaType: 'x/blob', digest: sha(b), size: b.length });

// A long name (pax header before the entry) and an empty blob, around a blob read in place.
const blob = Buffer.from('a blob read from its own byte range');
const empty = Buffer.alloc(0);
const index = Buffer.from('{"schemaVersion":2,"manifests":[]}');
const entries = [
  { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
  { name: 'index.json', data: index },
  { name: `blobs/sha256/${'long-name-'.repeat(12)}`, data: 'padding' },
  { name: `blobs/sha256/${sha(empty).slice(7)}`, data: empty },
  { name: `blobs/sha256/${sha(blob).slice(7)}`, data: blob },
];

it('reads index.json and each blob by offset, verified', async () => {
  const file = path.join(work, 'layout.tar');
  await writeTar(file, entries);
  const indexed = (await indexLayoutTar(file))!;
  expect(indexed.indexJson.equals(index)).toBe(true);
  expect((await readAll(await indexed.source.fetch(desc(blob)), 1 << 20)).equals(blob)).toBe(true);
  expect((await readAll(await indexed.source.fetch(desc(empty)), 1 << 20)).length).toBe(0);
  await expect(indexed.source.fetch(desc(Buffer.from('absent')))).rejects.toThrow(/is missing blob sha256:/);
  await expect(indexed.source.fetch({ ...desc(blob), size: 3 })).rejects.toThrow(/is \d+ bytes, but a descriptor says 3/);

  // A byte changed after indexing is caught as the blob streams.
  const at = (await readFile(file)).indexOf(blob);
  expect(at).toBeGreaterThan(0);
  const handle = await open(file, 'r+');
  await handle.write(Buffer.from('A'), 0, 1, at);
  await handle.close();
  await expect(readAll(await indexed.source.fetch(desc(blob)), 1 << 20)).rejects.toThrow(/does not match its descriptor/);
});

it('leaves a compressed tar to the streaming reader, and refuses a tar that is no layout', async () => {
  const gz = path.join(work, 'layout.tar');
  await writeTar(gz, entries, { gzip: true });
  expect(await indexLayoutTar(gz)).toBeUndefined();
  const bare = path.join(work, 'bare.tar');
  await writeTar(bare, [{ name: 'index.json', data: index }]);
  await expect(indexLayoutTar(bare)).rejects.toThrow(/has no oci-layout file/);
});
