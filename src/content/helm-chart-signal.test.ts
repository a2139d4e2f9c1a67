import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../errors/index.js';
import { packageHelmChart } from './helm-chart.js';

describe('packageHelmChart and the abort signal', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-helm-signal-'));
    await writeFile(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: big\nversion: 1.0.0\n');
    await mkdir(path.join(dir, 'templates'));
    for (let i = 0; i < 200; i++) await writeFile(path.join(dir, 'templates', `t${i}.yaml`), `n: ${i}\n`);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('stops with CancelledError between files once the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(packageHelmChart(dir, { signal: controller.signal })).rejects.toBeInstanceOf(CancelledError);
  });

  it('packages the chart when the signal never aborts', async () => {
    const chart = await packageHelmChart(dir, { signal: new AbortController().signal });
    expect(chart.name).toBe('big');
  });
});
