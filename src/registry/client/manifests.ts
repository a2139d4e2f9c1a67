// Manifests: HEAD to see what is there, GET with every accepted type, PUT by digest or tag.
import { RegistryError } from '../../errors/index.js';
import { digestBytes } from '../../oci/digest.js';
import { isManifestMediaType, MANIFEST_MEDIA_TYPES } from '../../oci/media-types.js';
import type { Descriptor, Digest } from '../../oci/types.js';
import { BODY_LIMITS, readResponse } from '../transport/read-response.js';
import { redactUrl } from '../transport/redact.js';
import { header, type RegistryHttp } from './registry-http.js';

const ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');

export async function manifestExists(http: RegistryHttp, repository: string, digest: Digest, scopes: readonly string[]): Promise<boolean> {
  const res = await http.send({
    method: 'HEAD',
    url: `/v2/${repository}/manifests/${digest}`,
    scopes,
    headers: { accept: ACCEPT },
    expect: [200, 404],
    what: `check manifest ${digest}`,
  });
  await res.body.dump();
  return res.statusCode === 200;
}

export interface FetchedManifest {
  descriptor: Descriptor;
  bytes: Buffer;
}

export async function getManifest(
  http: RegistryHttp,
  repository: string,
  reference: string,
  scopes: readonly string[],
  signal?: AbortSignal,
): Promise<FetchedManifest> {
  const what = `fetch manifest ${http.registry}/${repository}:${reference}`;
  const res = await http.send({
    method: 'GET',
    url: `/v2/${repository}/manifests/${reference}`,
    scopes,
    headers: { accept: ACCEPT },
    expect: [200],
    what,
    ...(signal === undefined ? {} : { signal }),
  });
  // Manifests are small; an unbounded answer is cut off, not buffered.
  const url = new URL(`/v2/${repository}/manifests/${reference}`, await http.endpoint());
  const bytes = await readResponse(res, BODY_LIMITS.manifest, { method: 'GET', url, what, kind: 'manifest' });
  const digest = digestBytes(bytes);
  if (reference.startsWith('sha256:') && digest !== reference) {
    throw new RegistryError(`${what}: content digest ${digest} does not match`, { method: 'GET', url: `/v2/${repository}/manifests/${reference}` });
  }
  // By tag there is nothing to check the bytes against but the registry's own claim.
  const claimed = header(res, 'docker-content-digest');
  if (claimed !== undefined && claimed.startsWith('sha256:') && claimed !== digest) {
    throw new RegistryError(`${what}: content digest ${digest} is not the ${claimed} the registry announced`, {
      method: 'GET',
      url: `/v2/${repository}/manifests/${reference}`,
    });
  }
  return { descriptor: { mediaType: manifestMediaType(header(res, 'content-type'), bytes), digest, size: bytes.length }, bytes };
}

/** The Content-Type, unless it is a generic one; then the document's own mediaType field. */
function manifestMediaType(contentType: string | undefined, bytes: Buffer): string {
  const fromHeader = contentType?.split(';')[0]?.trim() ?? '';
  if (isManifestMediaType(fromHeader)) return fromHeader;
  try {
    const declared = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
    if (typeof declared === 'string' && isManifestMediaType(declared)) return declared;
  } catch {
    // not JSON: keep what the header said
  }
  return fromHeader;
}

export async function putManifest(
  http: RegistryHttp,
  repository: string,
  reference: string,
  desc: Descriptor,
  bytes: Buffer,
  scopes: readonly string[],
): Promise<PutManifestResult> {
  const what = `push manifest ${http.registry}/${repository}:${reference}`;
  const res = await http.send({
    method: 'PUT',
    url: `/v2/${repository}/manifests/${reference}`,
    scopes,
    headers: { 'content-type': desc.mediaType, 'content-length': String(bytes.length) },
    body: bytes,
    expect: [201],
    what,
  });
  await res.body.dump();
  const stored = header(res, 'docker-content-digest');
  if (stored !== undefined && stored !== desc.digest) {
    throw new RegistryError(`${what}: registry stored ${stored}, expected ${desc.digest}`, {
      method: 'PUT',
      url: redactUrl(new URL(`/v2/${repository}/manifests/${reference}`, await http.endpoint())),
      status: res.statusCode,
    });
  }
  const subject = header(res, 'oci-subject');
  return subject === undefined ? {} : { subject };
}

export interface PutManifestResult {
  /** `OCI-Subject`: the registry says it processed the manifest's subject (OCI 1.1 referrers API). */
  subject?: string;
}

/**
 * DELETE a manifest by digest (registries refuse tags here). distribution answers 202;
 * one that keeps deletes off (its default) answers 405 UNSUPPORTED, said plainly.
 */
export async function deleteManifest(http: RegistryHttp, repository: string, digest: Digest, scopes: readonly string[]): Promise<void> {
  const what = `delete manifest ${http.registry}/${repository}@${digest}`;
  try {
    const res = await http.send({ method: 'DELETE', url: `/v2/${repository}/manifests/${digest}`, scopes, expect: [200, 202, 204], what });
    await res.body.dump();
  } catch (err) {
    if (err instanceof RegistryError && (err.status === 405 || err.codes.some((c) => c.code === 'UNSUPPORTED'))) {
      throw new RegistryError(`${what}: the registry does not allow deletes (REGISTRY_STORAGE_DELETE_ENABLED)`, {
        method: 'DELETE',
        url: err.url,
        ...(err.status === undefined ? {} : { status: err.status }),
        codes: err.codes,
        final: true,
        hint: 'a distribution registry deletes only with storage.delete.enabled: true in its config (or REGISTRY_STORAGE_DELETE_ENABLED=true); hosted registries may need a permission or their own UI',
      });
    }
    throw err;
  }
}
