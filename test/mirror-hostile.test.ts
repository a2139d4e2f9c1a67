// A test-only hostile chart repository on 127.0.0.1: redirect chains (followed, as object
// stores need), a redirect loop, an index that is not one, and a .tgz that is not a chart.
// Every failure is listed with its chart, the rest still planned; nothing hangs.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageHelmChart } from '../src/content/helm-chart.js';
import { explain, json, runCli } from './support/cli.js';

describe('lazyoci mirror against a hostile chart repository', () => {
  let work: string;
  let server: http.Server;
  let base: string;
  const hits = new Map<string, number>();

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'lazyoci-mirror-hostile-'));
    const chartDir = path.join(work, 'c');
    await mkdir(chartDir);
    await writeFile(path.join(chartDir, 'Chart.yaml'), 'apiVersion: v2\nname: c\nversion: 1.0.0\n');
    await writeFile(path.join(chartDir, 'values.yaml'), 'image: example.com/team/app:1.0\n');
    const tgz = (await packageHelmChart(chartDir)).archive;
    const hex = createHash('sha256').update(tgz).digest('hex');
    const index = (url: string, digest = hex) => `apiVersion: v1\nentries:\n  c:\n    - version: 1.0.0\n      digest: ${digest}\n      urls: ["${url}"]\n`;
    server = http.createServer((req, res) => {
      const url = req.url ?? '';
      hits.set(url, (hits.get(url) ?? 0) + 1);
      const redirect = (to: string) => res.writeHead(302, { location: to }).end();
      if (url === '/redir/index.yaml') return redirect('../real/index.yaml');
      if (url === '/real/index.yaml') return res.end(index(`${base}/go/c-1.0.0.tgz`));
      if (url === '/go/c-1.0.0.tgz') return redirect('/store/blob');
      if (url === '/store/blob') return res.end(tgz);
      if (url === '/loop/index.yaml') return redirect('/loop/index.yaml');
      if (url === '/notindex/index.yaml') return res.end('<html>login</html>\n');
      if (url === '/notchart/index.yaml') return res.end(index('junk.tgz', createHash('sha256').update('junk').digest('hex')));
      if (url === '/notchart/junk.tgz') return res.end('junk');
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(work, { recursive: true, force: true });
  });

  it('follows redirects, refuses a loop, a non-index and a non-chart, each named, and plans the rest', async () => {
    const up = (key: string) => [`  ${key}:`, '    type: repo', `    repo: ${base}/${key}`, '    chart: c', '    versions: ["1.0.0"]'];
    await writeFile(
      path.join(work, 'mirror.yaml'),
      ['target:', '  url: 127.0.0.1:1/m', 'upstreams:', ...['redir', 'loop', 'notindex', 'notchart'].flatMap(up), ''].join('\n'),
    );
    const started = Date.now();
    const res = await runCli(['mirror', '--dry-run', '-o', 'json'], { cwd: work, env: { LAZYOCI_RETRY_BASE_MS: '10' } });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(res.code, explain(res)).toBe(1);
    const charts = json<{ charts: { key: string; status: string; error?: string; images: string[] }[] }>(res).charts;
    const by = Object.fromEntries(charts.map((c) => [c.key, c]));
    expect(by.redir).toMatchObject({ status: 'planned', images: ['example.com/team/app:1.0'] });
    expect(by.loop!.error).toMatch(/answered 302 more than 5 times in a row/);
    expect(by.notindex!.error).toMatch(/index\.yaml is not a chart repository index/);
    expect(by.notchart!.error).toMatch(/junk\.tgz is not a gzip-compressed chart/);
    // The loop was given up after the redirect limit (and its retries), not followed forever.
    expect(hits.get('/loop/index.yaml')).toBeLessThanOrEqual(6);
  });
});
