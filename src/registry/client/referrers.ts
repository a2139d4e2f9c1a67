// OCI 1.1 referrers, read side: the referrers API (`GET /v2/<name>/referrers/<digest>`,
// paged through `Link`, filtered where the registry says so) and the name of the
// fallback tag (distribution-spec "Referrers Tag Schema"). Whether a registry has the
// API is learnt once per registry and kept on its RegistryHttp.
import { ContentError, RegistryError } from '../../errors/index.js';
import { MediaType } from '../../oci/media-types.js';
import type { Descriptor } from '../../oci/types.js';
import { parseManifestDocument } from '../../oci/validate-manifest.js';
import { BODY_LIMITS, readResponse } from '../transport/read-response.js';
import { redactUrl } from '../transport/redact.js';
import { nextLink } from './paged-list.js';
import { header, type RegistryHttp } from './registry-http.js';

/**
 * The tag holding the referrers index of `digest` where there is no API: the algorithm
 * cut to 32 characters, `-`, the encoded part cut to 64, and any character a tag may
 * not hold replaced with `-` (distribution-spec, "Referrers Tag Schema").
 */
export function referrersTag(digest: string): string {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon).slice(0, 32);
  const encoded = digest.slice(colon + 1).slice(0, 64);
  return `${algorithm}-${encoded}`.replace(/[^A-Za-z0-9_.-]/g, '-');
}

/** The legacy cosign tags beside a subject: signature, attestation, SBOM. */
export const COSIGN_SUFFIXES = ['sig', 'att', 'sbom'] as const;

export function cosignTag(digest: string, suffix: (typeof COSIGN_SUFFIXES)[number]): string {
  return `${referrersTag(digest)}.${suffix}`;
}

export type ReferrersListing =
  | { api: false }
  | {
      api: true;
      manifests: Descriptor[];
      /** What the registry filtered on (`OCI-Filters-Applied`), e.g. ["artifactType"]. */
      filtersApplied: string[];
    };

/** A registry that pages its referrers forever is stopped here. */
const MAX_PAGES = 1000;

/** A body is an index, or the registry does not serve the API: HTML, text, other JSON. */
function indexFrom(bytes: Buffer, contentType: string | undefined): Record<string, unknown> | undefined {
  if (contentType !== undefined && /html|text\/plain/i.test(contentType)) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const obj = doc as Record<string, unknown>;
  if (!Array.isArray(obj.manifests)) return undefined;
  if (obj.mediaType !== undefined && obj.mediaType !== MediaType.imageIndex) return undefined;
  return obj;
}

/**
 * The referrers of `digest` from the API, or `{api: false}` when the registry has none:
 * it answers 404 (spec: "MUST NOT return a 404" when it has the API), or something that
 * is not an image index (a web page, a proxy's error text). Known absence sends nothing.
 */
export async function listReferrersApi(
  http: RegistryHttp,
  repository: string,
  digest: string,
  scopes: readonly string[],
  artifactType?: string,
): Promise<ReferrersListing> {
  if (http.referrersApi === false) return { api: false };
  const what = `list referrers of ${http.registry}/${repository}@${digest}`;
  let next: string | undefined = `/v2/${repository}/referrers/${digest}${artifactType === undefined ? '' : `?artifactType=${encodeURIComponent(artifactType)}`}`;
  const seen = new Set<string>();
  const manifests: Descriptor[] = [];
  let filtersApplied: string[] = [];
  for (let page = 0; next !== undefined; page++) {
    const url = await http.resolve(next, what);
    if (seen.has(next) || page >= MAX_PAGES) {
      throw new RegistryError(`${what}: the registry's pagination does not end`, { method: 'GET', url: redactUrl(url) });
    }
    seen.add(next);
    const res = await http.send({ method: 'GET', url: next, scopes, expect: [200, 404], what, headers: { accept: MediaType.imageIndex } });
    if (res.statusCode === 404) {
      await res.body.dump();
      if (page > 0) throw new RegistryError(`${what}: page ${page + 1} answered 404`, { method: 'GET', url: redactUrl(url), status: 404 });
      http.referrersApi = false;
      return { api: false };
    }
    const bytes = await readResponse(res, BODY_LIMITS.page, { method: 'GET', url, what, kind: 'referrers page' });
    const doc = indexFrom(bytes, header(res, 'content-type'));
    if (doc === undefined) {
      if (page > 0) throw new ContentError(`${what}: page ${page + 1} is not an image index`);
      http.referrersApi = false;
      return { api: false };
    }
    http.referrersApi = true;
    const index = parseManifestDocument({ digest: digest as Descriptor['digest'], mediaType: MediaType.imageIndex }, bytes);
    manifests.push(...(index as { manifests: Descriptor[] }).manifests);
    if (page === 0) {
      filtersApplied = (header(res, 'oci-filters-applied') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    }
    next = nextLink(header(res, 'link'));
  }
  return { api: true, manifests, filtersApplied };
}

/** Whether the registry serves the referrers API, asked (with `digest`) only once per registry. */
export async function hasReferrersApi(http: RegistryHttp, repository: string, digest: string, scopes: readonly string[]): Promise<boolean> {
  if (http.referrersApi !== undefined) return http.referrersApi;
  return (await listReferrersApi(http, repository, digest, scopes)).api;
}
