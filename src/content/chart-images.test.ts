import { describe, expect, it } from 'vitest';
import { findChartImages } from './chart-images.js';
import { createTarGzip } from './tar-gzip.js';

const file = (name: string, text: string) => ({ name, data: Buffer.from(text) });
const DIGEST = `sha256:${'b'.repeat(64)}`;

async function chart(): Promise<Buffer> {
  const sub = await createTarGzip([
    file('packed/Chart.yaml', 'apiVersion: v2\nname: packed\nversion: 0.1.0\nappVersion: "3.1"\n'),
    file('packed/values.yaml', 'image:\n  repository: bitnami/redis\n'),
  ]);
  return createTarGzip([
    file('top/Chart.yaml', [
      'apiVersion: v2',
      'name: top',
      'version: 1.0.0',
      'appVersion: "9.9"',
      'annotations:',
      '  artifacthub.io/images: |',
      '    - name: tool',
      '      image: ghcr.io/o/tool:0.1',
      '  images: |',
      '    - quay.io/o/extra:2',
      '',
    ].join('\n')),
    file('top/values.yaml', [
      'global:',
      '  imageRegistry: ""',
      'image:',
      '  registry: registry.example.com',
      '  repository: team/web',
      '  tag: "1.0"',
      'sidecar:',
      '  image: nginx:1.25',
      'pinned:',
      '  image:',
      '    repository: registry.example.com/team/pinned',
      `    digest: ${DIGEST}`,
      'templated:',
      '  image: "{{ .Values.x }}"',
      'noTag:',
      '  image:',
      '    repository: registry.example.com/team/app',
      '',
    ].join('\n')),
    file('top/Images.lock', 'apiVersion: v0\nkind: ImagesLock\nimages:\n  - name: web\n    image: registry.example.com/team/web:1.0\n'),
    file('top/charts/inner/Chart.yaml', 'apiVersion: v2\nname: inner\nversion: 0.2.0\n'),
    file('top/charts/inner/values.yaml', 'image: nginx:1.25\n'),
    { name: 'top/charts/packed-0.1.0.tgz', data: sub },
  ]);
}

describe('findChartImages', () => {
  it('finds images in annotations, the lock file, values (strings and maps) and subcharts, each with where', async () => {
    const { mentions } = await findChartImages(await chart(), 'top-1.0.0.tgz');
    const by = new Map<string, string[]>();
    for (const m of mentions) by.set(m.image, [...(by.get(m.image) ?? []), m.where]);
    expect(Object.fromEntries(by)).toEqual({
      'ghcr.io/o/tool:0.1': ['Chart.yaml annotation artifacthub.io/images'],
      'quay.io/o/extra:2': ['Chart.yaml annotation images'],
      'registry.example.com/team/web:1.0': ['Images.lock', 'values.yaml .image'],
      'docker.io/library/nginx:1.25': ['values.yaml .sidecar.image', 'charts/inner/values.yaml .image'],
      [`registry.example.com/team/pinned@${DIGEST}`]: ['values.yaml .pinned.image'],
      // No tag: the chart's appVersion, as charts' templates default it.
      'registry.example.com/team/app:9.9': ['values.yaml .noTag.image'],
      'docker.io/bitnami/redis:3.1': ['charts/packed-0.1.0.tgz:values.yaml .image'],
    });
  });

  it('global.imageRegistry replaces the registry of map-form images, in subcharts too', async () => {
    const tgz = await createTarGzip([
      file('c/Chart.yaml', 'apiVersion: v2\nname: c\nversion: 1.0.0\n'),
      file('c/values.yaml', 'global:\n  imageRegistry: mirror.local:5000\nimage:\n  registry: docker.io\n  repository: bitnami/nginx\n  tag: "1.2"\n'),
      file('c/charts/s/Chart.yaml', 'apiVersion: v2\nname: s\nversion: 1.0.0\n'),
      file('c/charts/s/values.yaml', 'image:\n  registry: docker.io\n  repository: bitnami/redis\n  tag: "7"\n'),
    ]);
    const { mentions } = await findChartImages(tgz, 'c.tgz');
    expect(mentions.map((m) => m.image)).toEqual(['mirror.local:5000/bitnami/nginx:1.2', 'mirror.local:5000/bitnami/redis:7']);
  });

  it('refuses an archive that is not a chart, naming it', async () => {
    await expect(findChartImages(await createTarGzip([file('x/readme', 'hi')]), 'bad.tgz')).rejects.toThrow(/bad\.tgz is not a Helm chart/);
    await expect(findChartImages(Buffer.from('not gzip'), 'bad.tgz')).rejects.toThrow(/bad\.tgz is not a gzip-compressed chart/);
  });
});
