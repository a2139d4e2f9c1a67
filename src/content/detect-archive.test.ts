import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeTar } from '../../test/support/tar-fixture.js';
import { UsageError } from '../errors/index.js';
import { detectArchive } from './detect-archive.js';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-detect-test-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('detectArchive', () => {
  it('recognises each kind by its contents, not its name', async () => {
    const dir = path.join(work, 'layout');
    await mkdir(dir);
    await writeFile(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    expect(await detectArchive(dir)).toEqual({ kind: 'oci-layout', directory: true });

    const layoutTar = path.join(work, 'a.bin');
    await writeTar(layoutTar, [{ name: './oci-layout', data: '{}' }, { name: 'index.json', data: '{}' }], { gzip: true });
    expect(await detectArchive(layoutTar)).toEqual({ kind: 'oci-layout', directory: false });

    // Docker 25+ archives carry both; the layout wins.
    const both = path.join(work, 'both.tar');
    await writeTar(both, [{ name: 'manifest.json', data: '[]' }, { name: 'oci-layout', data: '{}' }]);
    expect((await detectArchive(both)).kind).toBe('oci-layout');

    const docker = path.join(work, 'b.tgz');
    await writeTar(docker, [{ name: 'x/layer.tar', data: 'l' }, { name: 'manifest.json', data: '[]' }]);
    expect((await detectArchive(docker)).kind).toBe('docker-archive');

    const chart = path.join(work, 'c.tar');
    await writeTar(chart, [{ name: 'mychart/Chart.yaml', data: 'name: x' }], { gzip: true });
    expect((await detectArchive(chart)).kind).toBe('helm-chart');
  });

  it('says clearly what it cannot read', async () => {
    await expect(detectArchive(path.join(work, 'missing.tgz'), 'missing.tgz')).rejects.toThrow('missing.tgz: no such file or directory');
    await expect(detectArchive(work)).rejects.toThrow(/directory without an oci-layout file/);
    const junk = path.join(work, 'junk.bin');
    await writeFile(junk, randomBytes(4096));
    await expect(detectArchive(junk)).rejects.toThrow(/not a tar archive; expected an OCI image layout/);
    const junkGz = path.join(work, 'junk.gz');
    await writeFile(junkGz, Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), randomBytes(600)]));
    await expect(detectArchive(junkGz)).rejects.toThrow(/not a readable tar archive/);
    const empty = path.join(work, 'empty');
    await writeFile(empty, '');
    await expect(detectArchive(empty)).rejects.toThrow(/is empty/);
    const other = path.join(work, 'other.tar');
    await writeTar(other, [{ name: 'hello.txt', data: 'hi' }]);
    await expect(detectArchive(other)).rejects.toThrow(/holds no oci-layout, manifest\.json or <chart>\/Chart\.yaml/);
    const plainChart = path.join(work, 'chart.tar');
    await writeTar(plainChart, [{ name: 'c/Chart.yaml', data: 'x' }]);
    await expect(detectArchive(plainChart)).rejects.toThrow(UsageError);
  });
});
