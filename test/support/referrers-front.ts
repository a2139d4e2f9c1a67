// TEST-ONLY stand-in for a registry with the OCI 1.1 referrers API. No registry that has
// the API can be installed on the test bed (docker-registry 2.8 has none), so this front
// proxies everything to the real distribution registry and adds, on top of it:
//  - `GET /v2/<name>/referrers/<digest>[?artifactType=]`, computed from the registry's
//    real manifests: those PUT through the front with a `subject`, each read back from
//    the registry by digest; paged with `Link` (`pageSize`), filtered with
//    `OCI-Filters-Applied: artifactType`;
//  - `OCI-Subject` on the answer to a manifest PUT that carried a `subject`;
//  - optionally (`conditional`), If-Match on manifest PUTs, which distribution ignores:
//    a PUT whose If-Match is not the current digest's ETag gets 412.
// It is not a registry and is never used outside tests.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FrontRequest {
  method: string;
  path: string;
  status?: number;
  ifMatch?: string;
}

export interface ReferrersFrontOptions {
  /** Referrers per page; more give a `Link: <…>; rel="next"`. */
  pageSize?: number;
  /** Answer `OCI-Subject` on PUTs of manifests with a subject (default true). */
  ociSubject?: boolean;
  /** Serve the referrers API (default true); false leaves only OCI-Subject, a registry that lies. */
  serveApi?: boolean;
  /** Honour If-Match on manifest PUTs. */
  conditional?: boolean;
  /** Runs before a conditional PUT is checked (a test makes another writer win the race here). */
  beforeConditionalPut?: (repository: string, reference: string) => Promise<void>;
}

export interface ReferrersFront {
  host: string;
  seen: FrontRequest[];
  stop(): Promise<void>;
}

interface Remembered {
  repository: string;
  subject: string;
  referrer: string;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function upstreamFetch(upstream: URL, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(new URL(path, upstream), { method, headers, ...(body === undefined ? {} : { body }) });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

export async function startReferrersFront(target: string, opts: ReferrersFrontOptions = {}): Promise<ReferrersFront> {
  const upstream = new URL(target);
  const seen: FrontRequest[] = [];
  const remembered: Remembered[] = [];
  const pageSize = opts.pageSize ?? 100;

  const proxy = (req: http.IncomingMessage, res: http.ServerResponse, body?: Buffer, extraHeaders: Record<string, string> = {}, onStatus?: (s: number) => void): void => {
    const headers = { ...req.headers, host: upstream.host };
    const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (up) => {
      onStatus?.(up.statusCode ?? 502);
      const location = up.headers.location?.replace(upstream.origin, `http://${host}`);
      res.writeHead(up.statusCode ?? 502, { ...up.headers, ...(location === undefined ? {} : { location }), ...extraHeaders });
      up.pipe(res);
    });
    out.on('error', () => res.destroy());
    if (body === undefined) req.pipe(out);
    else out.end(body);
  };

  const referrers = async (repository: string, subject: string, artifactType: string | null, page: number, res: http.ServerResponse): Promise<void> => {
    const entries: Record<string, unknown>[] = [];
    for (const r of remembered.filter((x) => x.repository === repository && x.subject === subject)) {
      if (entries.some((e) => e.digest === r.referrer)) continue;
      // From the registry's own copy of the manifest: deleted ones drop out.
      const got = await upstreamFetch(upstream, 'GET', `/v2/${repository}/manifests/${r.referrer}`, { accept: ACCEPT });
      if (got.status !== 200) continue;
      const doc = JSON.parse(got.body.toString('utf8')) as { artifactType?: string; config?: { mediaType: string }; annotations?: Record<string, string> };
      const type = doc.artifactType ?? doc.config?.mediaType;
      entries.push({
        mediaType: got.headers.get('content-type') ?? 'application/vnd.oci.image.manifest.v1+json',
        digest: r.referrer,
        size: got.body.length,
        ...(type === undefined ? {} : { artifactType: type }),
        ...(doc.annotations === undefined ? {} : { annotations: doc.annotations }),
      });
    }
    const filtered = artifactType === null ? entries : entries.filter((e) => e.artifactType === artifactType);
    const slice = filtered.slice(page * pageSize, (page + 1) * pageSize);
    const headers: Record<string, string> = { 'content-type': 'application/vnd.oci.image.index.v1+json' };
    if (artifactType !== null) headers['oci-filters-applied'] = 'artifactType';
    if ((page + 1) * pageSize < filtered.length) {
      const q = new URLSearchParams({ page: String(page + 1), ...(artifactType === null ? {} : { artifactType }) });
      headers.link = `</v2/${repository}/referrers/${subject}?${q.toString()}>; rel="next"`;
    }
    res.writeHead(200, headers).end(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: slice }));
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, request: FrontRequest): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://front');
    const referrersPath = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && referrersPath !== null && opts.serveApi !== false) {
      request.status = 200;
      await referrers(referrersPath[1]!, referrersPath[2]!, url.searchParams.get('artifactType'), Number(url.searchParams.get('page') ?? '0'), res);
      return;
    }
    const manifestPath = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'PUT' && manifestPath !== null) {
      const [, repository, reference] = manifestPath as unknown as [string, string, string];
      const body = await readBody(req);
      const ifMatch = req.headers['if-match'];
      if (opts.conditional === true && typeof ifMatch === 'string') {
        request.ifMatch = ifMatch;
        await opts.beforeConditionalPut?.(repository, reference);
        const current = await upstreamFetch(upstream, 'HEAD', `/v2/${repository}/manifests/${reference}`, { accept: ACCEPT });
        const etag = current.status === 200 ? `"${current.headers.get('docker-content-digest')}"` : undefined;
        if (etag !== ifMatch) {
          request.status = 412;
          res.writeHead(412, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'PRECONDITION_FAILED', message: 'If-Match does not match' }] }));
          return;
        }
      }
      let subject: string | undefined;
      try {
        subject = (JSON.parse(body.toString('utf8')) as { subject?: { digest?: string } }).subject?.digest;
      } catch {
        subject = undefined;
      }
      const extra: Record<string, string> = subject !== undefined && opts.ociSubject !== false ? { 'oci-subject': subject } : {};
      proxy(req, res, body, extra, (status) => {
        request.status = status;
        if (status === 201 && subject !== undefined) {
          const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
          remembered.push({ repository, subject, referrer: digest });
        }
      });
      return;
    }
    proxy(req, res);
  };

  const server = http.createServer((req, res) => {
    const request: FrontRequest = { method: req.method ?? 'GET', path: req.url ?? '/' };
    seen.push(request);
    handle(req, res, request).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
