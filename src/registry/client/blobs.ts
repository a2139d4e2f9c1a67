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

/**
 * Ask the registry to link a blob from another repository on it (`POST …?mount=&from=`).
 * 201 means mounted. A 202 is a registry declining — the blob is not in `from`, or
 * mounting is off — and opens an upload session we cancel; 401/403 (no read access to
 * `from`) and other refusals also mean "upload instead" (spec §5). `scopes` must cover
 * push here and pull on `from` in one token.
 */
export async function mountBlob(
  http: RegistryHttp,
  repository: string,
  desc: Descriptor,
  fromRepository: string,
  scopes: readonly string[],
): Promise<boolean> {
  const what = `mount blob ${desc.digest} from ${http.registry}/${fromRepository} into ${repository}`;
  const query = new URLSearchParams({ mount: desc.digest, from: fromRepository });
  let res: Awaited<ReturnType<RegistryHttp['send']>>;
  try {
    res = await http.send({
      method: 'POST',
      url: `/v2/${repository}/blobs/uploads/?${query.toString()}`,
      scopes,
      headers: { 'content-length': '0' },
      expect: [201, 202],
      what,
    });
  } catch (err) {
    // A refusal is an answer (fall back to upload); a transport or server failure is not.
    if (err instanceof RegistryError && err.status !== undefined && err.status >= 400 && err.status < 500) return false;
    throw err;
  }
  await res.body.dump();
  if (res.statusCode === 201) {
    const stored = header(res, 'docker-content-digest');
    return stored === undefined || stored === desc.digest;
  }
  await cancelUpload(http, header(res, 'location'), scopes, what);
  return false;
}

/** Best effort: an abandoned session would otherwise linger until the registry's purge. */
async function cancelUpload(http: RegistryHttp, location: string | undefined, scopes: readonly string[], what: string): Promise<void> {
  if (location === undefined) return;
  try {
    const url = await http.resolve(location, what);
    const res = await http.send({ method: 'DELETE', url: url.toString(), scopes, expect: [200, 202, 204, 404], what: `cancel ${what}` });
    await res.body.dump();
  } catch {
    // ignored: the upload falls back to a fresh session either way
  }
}
