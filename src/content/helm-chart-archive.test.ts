import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeTar } from '../../test/support/tar-fixture.js';
import { ConfigError } from '../errors/index.js';
import { openHelmChartArchive } from './helm-chart-archive.js';
import { packageHelmChart } from './helm-chart.js';
import { readAll } from './store.js';

const REPO = path.resolve(import.meta.dirname, '..', '..');

let work: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-helm-archive-test-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('openHelmChartArchive', () => {
  it('gives the same config, layer and annotations as packaging the chart directory', async () => {
    const packaged = await packageHelmChart(path.join(REPO, 'examples', 'helm-chart', 'chart'));
    const file = path.join(work, 'hello-chart-0.1.0.tgz');
    await writeFile(file, packaged.archive);

    const content = await openHelmChartArchive(file);
    await content.close();
    const manifest = JSON.parse(content.manifest.toString()) as {
      mediaType: string;
      config: { mediaType: string; digest: string };
      layers: { mediaType: string; digest: string; size: number }[];
      annotations: Record<string, string>;
    };
    expect(Object.keys(manifest)).toEqual(['schemaVersion', 'mediaType', 'config', 'layers', 'annotations']);
    expect(manifest.config.mediaType).toBe('application/vnd.cncf.helm.config.v1+json');
    expect(await readAll(await content.source.fetch(content.blobs[0]!))).toEqual(packaged.config);
    expect(manifest.layers).toEqual([
      {
        mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
        digest: `sha256:${createHash('sha256').update(packaged.archive).digest('hex')}`,
        size: packaged.archive.length,
      },
    ]);
    expect(await readAll(await content.source.fetch(content.blobs[1]!))).toEqual(await readFile(file));
    expect(manifest.annotations).toEqual(Object.fromEntries(Object.entries(packaged.annotations).sort(([a], [b]) => (a < b ? -1 : 1))));
    expect(content.defaultTag).toBe('0.1.0');
    expect(content.chart.name).toBe('hello-chart');
  });

  it('turns + in the version into _ for the default tag', async () => {
    const file = path.join(work, 'c.tgz');
    await writeTar(file, [{ name: 'c/Chart.yaml', data: 'apiVersion: v2\nname: c\nversion: 1.2.3+build.7\n' }, { name: 'c/charts/sub/Chart.yaml', data: 'x: [' }], { gzip: true });
    const content = await openHelmChartArchive(file);
    expect(content.defaultTag).toBe('1.2.3_build.7');
  });

  it('reports a bad Chart.yaml with its place inside the archive', async () => {
    const file = path.join(work, 'bad.tgz');
    await writeTar(file, [{ name: 'bad/Chart.yaml', data: 'apiVersion: v2\nname: bad\nversion: one\n' }], { gzip: true });
    const err = await openHelmChartArchive(file, { display: 'bad.tgz' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems[0]).toMatchObject({ file: 'bad.tgz:bad/Chart.yaml', line: 3 });
  });

  it('refuses archives that are not gzip or hold no top-level Chart.yaml', async () => {
    const plain = path.join(work, 'plain.tar');
    await writeTar(plain, [{ name: 'c/Chart.yaml', data: 'apiVersion: v2\nname: c\nversion: 1.0.0\n' }]);
    await expect(openHelmChartArchive(plain)).rejects.toThrow(/not a gzip-compressed Helm chart/);
    const deep = path.join(work, 'deep.tgz');
    await writeTar(deep, [{ name: 'a/b/Chart.yaml', data: 'x' }], { gzip: true });
    await expect(openHelmChartArchive(deep)).rejects.toThrow(/no <chart>\/Chart\.yaml at its top level/);
  });
});
