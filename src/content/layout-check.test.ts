import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkLayoutDir, parseLayoutIndex } from './layout-check.js';

const MARKER = JSON.stringify({ imageLayoutVersion: '1.0.0' });

describe('checkLayoutDir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazyoci-layout-check-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a missing or empty directory and an existing layout', async () => {
    expect(await checkLayoutDir(join(dir, 'missing'), 'd')).toEqual({ exists: false });
    expect(await checkLayoutDir(dir, 'd')).toEqual({ exists: true });
    await writeFile(join(dir, 'oci-layout'), MARKER);
    await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [] }));
    expect(await checkLayoutDir(dir, 'd')).toEqual({ exists: true });
  });

  it('accepts a directory holding only other layouts (the artifact dir of nested repositories)', async () => {
    await mkdir(join(dir, 'child', 'deeper'), { recursive: true });
    await writeFile(join(dir, 'child', 'deeper', 'oci-layout'), MARKER);
    expect(await checkLayoutDir(dir, 'd')).toEqual({ exists: true });
    await writeFile(join(dir, 'child', 'notes.txt'), 'mine');
    await expect(checkLayoutDir(dir, 'd')).rejects.toThrow('d is not empty and is not an OCI image layout');
  });

  it('waits for the marker of a layout another writer is creating, and refuses one whose marker never comes', async () => {
    // What a writer has made just before its marker: blobs/sha256 and the marker's temporary file.
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(dir, `oci-layout.${process.pid}.0a1b2c3d.tmp`), '');
    const marker = new Promise<void>((resolve) => setTimeout(() => void writeFile(join(dir, 'oci-layout'), MARKER).then(resolve), 100));
    expect(await checkLayoutDir(dir, 'd')).toEqual({ exists: true });
    await marker;
    const other = join(dir, 'other');
    await mkdir(join(other, 'blobs'), { recursive: true });
    await expect(checkLayoutDir(other, 'o')).rejects.toThrow('o is not empty and is not an OCI image layout');
  });

  it('refuses a bad marker and an index.json whose entries are not sha256 descriptors', async () => {
    await writeFile(join(dir, 'oci-layout'), 'hello');
    await expect(checkLayoutDir(dir, 'd')).rejects.toThrow('d/oci-layout is not a valid layout marker');
    await writeFile(join(dir, 'oci-layout'), MARKER);
    await writeFile(join(dir, 'index.json'), JSON.stringify({ manifests: [{ digest: '../../etc/passwd', size: 1 }] }));
    await expect(checkLayoutDir(dir, 'd')).rejects.toThrow('d/index.json is not a valid OCI index: manifests[0] is not a sha256 descriptor');
  });

  it('parses a valid index', () => {
    const digest = `sha256:${'0'.repeat(64)}`;
    expect(parseLayoutIndex(Buffer.from(JSON.stringify({ manifests: [{ digest, size: 3, mediaType: 'x' }] })), 'i').manifests).toHaveLength(1);
    expect(() => parseLayoutIndex(Buffer.from('null'), 'i')).toThrow('no manifests array');
  });
});
