// Chart.yaml and values.yaml out of a chart's content layer, streamed: gunzip and tar
// read only as far as the two files, each kept to a cap, the whole read bounded.
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';

export interface ChartFiles {
  chartYaml?: string;
  valuesYaml?: string;
  /** A file was longer than the cap and is shown cut. */
  truncated: string[];
}

/** The most of one file the browser shows. */
export const CHART_FILE_LIMIT = 256 << 10;
/** Bytes of uncompressed archive read looking for the files before giving up. */
export const CHART_SCAN_LIMIT = 64 << 20;

/** `<chart>/Chart.yaml` at the top of the archive (the chart directory, then the file). */
function which(name: string): 'chartYaml' | 'valuesYaml' | undefined {
  const parts = name.replace(/^\.\//, '').split('/');
  if (parts.length !== 2) return undefined;
  if (parts[1] === 'Chart.yaml') return 'chartYaml';
  if (parts[1] === 'values.yaml') return 'valuesYaml';
  return undefined;
}

export async function readChartFiles(layer: Readable, limits = { file: CHART_FILE_LIMIT, scan: CHART_SCAN_LIMIT }): Promise<ChartFiles> {
  const out: ChartFiles = { truncated: [] };
  const extract = tar.extract();
  const gunzip = createGunzip();
  let scanned = 0;
  gunzip.on('data', (chunk: Buffer) => {
    scanned += chunk.length;
    if (scanned > limits.scan) gunzip.destroy(new Error(`no Chart.yaml within the first ${limits.scan >> 20} MiB of the chart`));
  });
  layer.on('error', (err) => gunzip.destroy(err));
  gunzip.on('error', (err) => extract.destroy(err));
  layer.pipe(gunzip).pipe(extract);
  try {
    for await (const entry of extract) {
      const field = which(entry.header.name);
      if (field === undefined || entry.header.type !== 'file') {
        entry.resume();
        continue;
      }
      // Read to the end (the archive goes on after it), keeping only the first `file` bytes.
      const kept: Buffer[] = [];
      let size = 0;
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        if (size < limits.file) kept.push(chunk.subarray(0, limits.file - size));
        size += chunk.length;
      }
      out[field] = Buffer.concat(kept).toString('utf8');
      if (size > limits.file) out.truncated.push(entry.header.name);
      if (out.chartYaml !== undefined && out.valuesYaml !== undefined) break;
    }
  } finally {
    layer.unpipe();
    layer.destroy();
    gunzip.destroy();
  }
  return out;
}
