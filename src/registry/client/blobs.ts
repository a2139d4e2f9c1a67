// Blob existence and upload: POST to open an upload session, then one streamed PUT
// with Content-Length — the form every major registry accepts (spec §5).
import { RegistryError } from '../../errors/index.js';
import type { ContentOpener } from '../../content/store.js';
import type { Descriptor } from '../../oci/types.js';
import { redactUrl } from '../transport/redact.js';
import { header, type RegistryHttp } from './registry-http.js';

export async function blobExists(http: RegistryHttp, repository: string, desc: Descriptor, scopes: readonly string[]): Promise<boolean> {
  const res = await http.send({
    method: 'HEAD',
    url: `/v2/${repository}/blobs/${desc.digest}`,
    scopes,
    expect: [200, 404],
    what: `check blob ${desc.digest}`,
  });
  await res.body.dump();
  return res.statusCode === 200;
}

export async function uploadBlob(
  http: RegistryHttp,
  repository: string,
  desc: Descriptor,
  open: ContentOpener,
  scopes: readonly string[],
): Promise<void> {
  const what = `upload blob ${desc.digest} to ${http.registry}/${repository}`;
  const started = await http.send({
    method: 'POST',
    url: `/v2/${repository}/blobs/uploads/`,
    scopes,
    headers: { 'content-length': '0' },
    expect: [202],
    what,
  });
  await started.body.dump();
  const location = header(started, 'location');
  if (location === undefined) {
    throw new RegistryError(`${what}: registry gave no upload location`, { method: 'POST', url: redactUrl(await http.endpoint()), status: 202 });
  }
  const url = await http.resolve(location, what);
  url.searchParams.set('digest', desc.digest);
  const done = await http.send({
    method: 'PUT',
    url: url.toString(),
    scopes,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) },
    body: open,
    expect: [201],
    what,
  });
  await done.body.dump();
  const stored = header(done, 'docker-content-digest');
  if (stored !== undefined && stored !== desc.digest) {
    throw new RegistryError(`${what}: registry stored ${stored}, expected ${desc.digest}`, { method: 'PUT', url: redactUrl(url), status: 201 });
  }
}

export async function fetchBlob(http: RegistryHttp, repository: string, desc: Descriptor, scopes: readonly string[]) {
  const res = await http.send({
    method: 'GET',
    url: `/v2/${repository}/blobs/${desc.digest}`,
    scopes,
    expect: [200],
    what: `fetch blob ${desc.digest}`,
    followRedirects: true,
  });
  return res.body;
}
