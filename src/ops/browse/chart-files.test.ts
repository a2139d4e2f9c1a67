import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createTarGzip } from '../../content/tar-gzip.js';
import { readChartFiles } from './chart-files.js';

describe('readChartFiles', () => {
  it("reads the chart's Chart.yaml and values.yaml, not those of its subcharts, each kept to a cap", async () => {
    const tgz = await createTarGzip([
      { name: 'app/templates/deploy.yaml', data: Buffer.from('kind: Deployment\n') },
      { name: 'app/charts/sub/Chart.yaml', data: Buffer.from('name: sub\n') },
      { name: 'app/Chart.yaml', data: Buffer.from('apiVersion: v2\nname: app\nversion: 1.0.0\n') },
      { name: 'app/values.yaml', data: Buffer.from(`replicas: 2\n# ${'x'.repeat(5000)}\n`) },
    ]);
    const files = await readChartFiles(Readable.from([tgz]), { file: 1024, scan: 1 << 20 });
    expect(files.chartYaml).toBe('apiVersion: v2\nname: app\nversion: 1.0.0\n');
    expect(files.valuesYaml).toHaveLength(1024);
    expect(files.valuesYaml!.startsWith('replicas: 2\n')).toBe(true);
    expect(files.truncated).toEqual(['app/values.yaml']);
  });

  it('fails on a layer that is not gzip, for the pane to show', async () => {
    await expect(readChartFiles(Readable.from([Buffer.from('not a chart')]))).rejects.toThrow();
  });
});
