// The look-inside part of the component tests' stand-in services (test-services.ts):
// fixed layers, files, config, referrers and a request log; a two-platform index under
// the tag `multi`. The real use cases are tested against the real registry.
import type { DiscoverResult } from '../../ops/discover.js';
import type { ImageConfigSummary } from '../../ops/image-config.js';
import type { ImageFiles } from '../../ops/inspect-files.js';
import type { FileHead, InsideTarget, LayerProgress } from '../../ops/browse/browse-inside.js';
import type { TagDetails } from '../../ops/browse/load-details.js';
import { createRequestRecorder, type RequestRecorder } from '../../ops/browse/request-recorder.js';
import { ContentError } from '../../errors/index.js';

const D = (c: string) => `sha256:${c.repeat(64)}` as const;
const GZ = 'application/vnd.oci.image.layer.v1.tar+gzip';
const file = (path: string, size: number) => ({ path, type: 'file' as const, size, mode: 0o644, uid: 0, gid: 0 });
const dir = (path: string) => ({ path, type: 'dir' as const, size: 0, mode: 0o755, uid: 0, gid: 0 });

export const INSIDE_LAYERS = [
  { index: 0, digest: D('1'), mediaType: GZ, size: 3000, entries: 3, fileBytes: 1100, wastedBytes: 1000 },
  { index: 1, digest: D('2'), mediaType: GZ, size: 500, entries: 3, fileBytes: 20, wastedBytes: 0 },
];

export function insideFiles(): ImageFiles {
  return {
    reference: 'a.test/r:t1',
    digest: D('a'),
    layers: INSIDE_LAYERS,
    files: [{ ...dir('etc'), layer: 0 }, { ...file('etc/motd', 100), layer: 0 }, { ...file('etc/app.conf', 20), layer: 1 }],
    layerChanges: [
      [
        { ...dir('etc'), change: 'added' },
        { ...file('etc/motd', 100), change: 'added' },
        { ...file('etc/secret', 1000), change: 'added' },
      ],
      [
        { ...file('etc/app.conf', 20), change: 'added' },
        { ...file('etc/secret', 1000), change: 'removed' },
      ],
    ],
    wasted: { bytes: 1000, totalBytes: 1120, percent: 89 },
  };
}

export const insideConfig = (digest: string): ImageConfigSummary => ({
  reference: 'a.test/r:t1',
  digest,
  os: 'linux',
  architecture: 'amd64',
  entrypoint: ['/bin/app'],
  cmd: ['--serve'],
  env: ['PATH=/bin', ...Array.from({ length: 14 }, (_, i) => `VAR_${i}=value ${i}`)],
  labels: { 'org.example': 'yes' },
  user: 'app',
  workingDir: '/srv',
  exposedPorts: ['8080/tcp'],
  volumes: [],
  layers: INSIDE_LAYERS.map(({ index, digest: d, size, mediaType }) => ({ index, digest: d, size, mediaType })),
  history: [
    { createdBy: 'COPY app /bin/app', layer: { index: 0, digest: D('1'), size: 3000, mediaType: GZ } },
    { createdBy: 'COPY app.conf /etc/', layer: { index: 1, digest: D('2'), size: 500, mediaType: GZ } },
    { createdBy: 'LABEL org.example=yes' },
  ],
  unattributedLayers: [],
});

export function indexDetails(tag: string): TagDetails {
  const entry = (c: string, architecture: string) => ({
    descriptor: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D(c), size: 400, platform: { os: 'linux', architecture } },
    kind: 'image' as const,
    totalSize: 2548,
  });
  return {
    summary: {
      reference: tag,
      descriptor: { mediaType: 'application/vnd.oci.image.index.v1+json', digest: D('f'), size: 300 },
      document: { schemaVersion: 2, manifests: [entry('b', 'amd64').descriptor, entry('c', 'arm64').descriptor] },
      kind: 'index',
      artifactType: undefined,
      totalSize: 5396,
      entries: [entry('b', 'amd64'), entry('c', 'arm64')],
    },
    raw: '{}',
    problems: [],
  };
}

export interface InsideCalls {
  imageFiles: string[];
  fileHeads: string[];
  /** Signals of the layer reads, to see them aborted. */
  signals: AbortSignal[];
  /** Reads of the layers wait until aborted (a big image). */
  hold?: boolean;
  /** The next read of the layers fails (the registry broke off). */
  failNext?: boolean;
}

export function insideServices(calls: InsideCalls): {
  imageFiles(t: InsideTarget, signal: AbortSignal, onLayer?: (p: LayerProgress) => void): Promise<ImageFiles>;
  fileHead(t: InsideTarget, path: string, signal: AbortSignal): Promise<FileHead>;
  imageConfig(t: InsideTarget): Promise<ImageConfigSummary>;
  referrers(t: InsideTarget): Promise<DiscoverResult>;
  requests: RequestRecorder;
} {
  const requests = createRequestRecorder();
  const log = (path: string, bytes: number) => requests.record({ method: 'GET', url: `http://a.test${path}`, status: 200, ms: 2, bytes });
  return {
    imageFiles: async (t, signal, onLayer) => {
      calls.imageFiles.push(t.tagOrDigest);
      calls.signals.push(signal);
      onLayer?.({ index: 0, count: 2, done: false });
      if (calls.failNext === true) {
        calls.failNext = false;
        throw new ContentError('a.test/r: layer 0 (sha256:1111) ended early');
      }
      if (calls.hold === true) {
        await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
      }
      log(`/v2/${t.repository}/blobs/${D('1')}`, 3000);
      return insideFiles();
    },
    fileHead: async (t, path) => {
      calls.fileHeads.push(path);
      if (path.endsWith('secret')) throw new ContentError(`a.test/${t.repository}: no file ${path} in the image`);
      return { content: Buffer.from(`first line of ${path}\nsecond line\n`), size: 40, truncated: false, layer: 1 };
    },
    imageConfig: async (t) => {
      log(`/v2/${t.repository}/manifests/${t.tagOrDigest}`, 400);
      return insideConfig(t.tagOrDigest);
    },
    referrers: async (t) => ({
      reference: `a.test/${t.repository}@${t.tagOrDigest}`,
      subject: { digest: D('a'), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 400 },
      api: false,
      referrers: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D('e'), size: 600, artifactType: 'application/spdx+json', source: 'fallback', referrers: [] }],
      notes: [],
    }),
    requests,
  };
}
