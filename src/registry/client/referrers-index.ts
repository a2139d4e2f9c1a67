// OCI 1.1 referrers, fallback side: the image index under the `<alg>-<hex>` tag that
// lists a subject's referrers on registries without the API. Writers append and never
// drop another writer's entry: a conditional PUT (If-Match) where the registry gives an
// ETag, and in every case a re-read after the write, merged and written again until it
// holds every entry (distribution 2.8 sends an ETag but ignores If-Match).
import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledError, ContentError, RegistryError } from '../../errors/index.js';
import { digestBytes } from '../../oci/digest.js';
import { isIndexMediaType, isManifestMediaType, MANIFEST_MEDIA_TYPES, MediaType } from '../../oci/media-types.js';
import type { Descriptor, Digest } from '../../oci/types.js';
import { parseManifestDocument } from '../../oci/validate-manifest.js';
import { BODY_LIMITS, readResponse } from '../transport/read-response.js';
import { redactUrl } from '../transport/redact.js';
import { referrersTag } from './referrers.js';
import { header, type RegistryHttp } from './registry-http.js';

export type FallbackIndex =
  | { state: 'missing'; tag: string }
  | { state: 'index'; tag: string; descriptor: Descriptor; manifests: Descriptor[]; doc: Record<string, unknown>; etag?: string }
  /** The tag holds something else (an image, another kind of index): reported, never overwritten. */
  | { state: 'not-index'; tag: string; descriptor: Descriptor };

function declaredMediaType(contentType: string | undefined, bytes: Buffer): string {
  const fromHeader = contentType?.split(';')[0]?.trim() ?? '';
  if (isManifestMediaType(fromHeader)) return fromHeader;
  try {
    const declared = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
    if (typeof declared === 'string') return declared;
  } catch {
    // not JSON: not an index either
  }
  return fromHeader || 'application/octet-stream';
}

/** What the fallback tag of `subject` holds: nothing (404), a referrers index, or something else. */
export async function readFallbackIndex(http: RegistryHttp, repository: string, subject: string, scopes: readonly string[]): Promise<FallbackIndex> {
  const tag = referrersTag(subject);
  const path = `/v2/${repository}/manifests/${tag}`;
  const what = `read referrers tag ${http.registry}/${repository}:${tag}`;
  const res = await http.send({ method: 'GET', url: path, scopes, headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') }, expect: [200, 404], what });
  if (res.statusCode === 404) {
    await res.body.dump();
    return { state: 'missing', tag };
  }
  const url = new URL(path, await http.endpoint());
  const bytes = await readResponse(res, BODY_LIMITS.manifest, { method: 'GET', url, what, kind: 'manifest' });
  const mediaType = declaredMediaType(header(res, 'content-type'), bytes);
  const descriptor: Descriptor = { mediaType, digest: digestBytes(bytes), size: bytes.length };
  if (mediaType !== MediaType.imageIndex) return { state: 'not-index', tag, descriptor };
  let doc: Record<string, unknown>;
  try {
    parseManifestDocument(descriptor, bytes);
    doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ContentError) return { state: 'not-index', tag, descriptor };
    throw err;
  }
  const etag = header(res, 'etag');
  return { state: 'index', tag, descriptor, manifests: doc.manifests as Descriptor[], doc, ...(etag === undefined ? {} : { etag }) };
}

export interface UpdateFallbackOptions {
  /** Entries to be in the index (descriptors of referrers, spec "Pushing Manifests with Subject"). */
  add: Descriptor[];
  /** Told about what went wrong but does not fail the update (a refused clean-up). */
  onWarning?: (message: string) => void;
  /** Rounds of read-merge-write before giving up. */
  attempts?: number;
  /**
   * The least wait after a write before reading it back, in ms. The wait grows with the
   * time a read and write took, so a writer that read before ours and writes after it
   * is still caught on a slow link.
   */
  settleMs?: number;
}

export interface UpdateFallbackResult {
  tag: string;
  /** The index the tag holds now (none when nothing was asked for and there is none). */
  digest?: Digest;
  /** False when every entry was there already. */
  written: boolean;
  /** Writes that found the index changed under them (412, or a re-read without our entry). */
  conflicts: number;
}

export const FALLBACK_ATTEMPTS = 10;
export const FALLBACK_SETTLE_MS = 100;

export async function updateFallbackIndex(
  http: RegistryHttp,
  repository: string,
  subject: string,
  scopes: readonly string[],
  opts: UpdateFallbackOptions,
): Promise<UpdateFallbackResult> {
  const tag = referrersTag(subject);
  const attempts = opts.attempts ?? FALLBACK_ATTEMPTS;
  const settleMs = opts.settleMs ?? FALLBACK_SETTLE_MS;
  const what = `update referrers tag ${http.registry}/${repository}:${tag}`;
  /** Indexes this run replaced (or wrote and saw replaced): garbage once the tag is settled. */
  const replaced = new Set<Digest>();
  let written = false;
  let conflicts = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const started = Date.now();
    const current = await readFallbackIndex(http, repository, subject, scopes);
    if (current.state === 'not-index') {
      throw new ContentError(
        `${http.registry}/${repository}:${tag} holds a ${current.descriptor.mediaType} (${current.descriptor.digest}), not the image index of referrers; lazyoci leaves it alone and did not list the new referrer there`,
        { hint: `the tag ${tag} is reserved for the referrers of ${subject} (OCI distribution-spec referrers tag schema)` },
      );
    }
    const existing = current.state === 'index' ? current.manifests : [];
    const missing = opts.add.filter((d) => !existing.some((e) => e.digest === d.digest));
    if (missing.length === 0) {
      if (current.state !== 'index') return { tag, written, conflicts };
      if (written) await cleanUp(http, repository, scopes, [...replaced].filter((d) => d !== current.descriptor.digest), opts.onWarning);
      return { tag, digest: current.descriptor.digest, written, conflicts };
    }
    if (written) conflicts++;
    const doc: Record<string, unknown> = current.state === 'index' ? { ...current.doc } : { schemaVersion: 2, mediaType: MediaType.imageIndex };
    doc.manifests = [...existing, ...missing];
    const bytes = Buffer.from(JSON.stringify(doc));
    const path = `/v2/${repository}/manifests/${tag}`;
    const res = await http.send({
      method: 'PUT',
      url: path,
      scopes,
      headers: {
        'content-type': MediaType.imageIndex,
        'content-length': String(bytes.length),
        ...(current.state === 'index' && current.etag !== undefined ? { 'if-match': current.etag } : {}),
      },
      body: bytes,
      expect: [201, 412],
      what,
    });
    await res.body.dump();
    if (res.statusCode === 412) {
      // Another writer got there between our read and write: read theirs and merge.
      conflicts++;
      await pause(http, 5 + Math.random() * 20);
      continue;
    }
    if (current.state === 'index') replaced.add(current.descriptor.digest);
    const mine = digestBytes(bytes);
    replaced.delete(mine);
    written = true;
    // Read it back after a while: a writer that read before this write may still overwrite it.
    const took = Date.now() - started;
    await pause(http, (settleMs + 3 * took) * (1 + Math.random() / 2));
    replaced.add(mine);
  }
  throw new RegistryError(`${what}: the index kept changing under other writers; gave up after ${attempts} attempts`, {
    method: 'PUT',
    url: redactUrl(new URL(`/v2/${repository}/manifests/${tag}`, await http.endpoint())),
    hint: 'run the command again; a registry with the referrers API avoids the race',
  });
}

async function pause(http: RegistryHttp, ms: number): Promise<void> {
  try {
    await sleep(ms, undefined, http.signal === undefined ? {} : { signal: http.signal });
  } catch {
    throw new CancelledError('cancelled');
  }
}

/**
 * Delete the indexes this update replaced (spec: clients MAY). A registry that does not
 * allow deletes (400/405, or no permission) keeps them until its garbage collection:
 * a warning, not a failure.
 */
async function cleanUp(http: RegistryHttp, repository: string, scopes: readonly string[], digests: Digest[], onWarning?: (m: string) => void): Promise<void> {
  for (const digest of digests) {
    try {
      const res = await http.send({
        method: 'DELETE',
        url: `/v2/${repository}/manifests/${digest}`,
        scopes,
        expect: [200, 202, 204, 404],
        what: `delete the replaced referrers index ${digest}`,
      });
      await res.body.dump();
    } catch (err) {
      if (err instanceof CancelledError || !(err instanceof RegistryError)) throw err;
      onWarning?.(
        `${http.registry}/${repository} did not delete the replaced referrers index ${digest}${err.status === undefined ? '' : ` (${err.status})`}; it stays until the registry collects garbage`,
      );
      if (err.status === 405 || err.status === 400) return;
    }
  }
}

/** The entry for a referrer in an index of referrers (spec "Pushing Manifests with Subject"). */
export function referrerEntry(desc: Descriptor, manifest: Buffer): Descriptor {
  const doc = parseManifestDocument(desc, manifest) as {
    artifactType?: string;
    config?: Descriptor;
    annotations?: Record<string, string>;
  };
  const artifactType = doc.artifactType ?? (isIndexMediaType(desc.mediaType) ? undefined : doc.config?.mediaType);
  return {
    mediaType: desc.mediaType,
    digest: desc.digest,
    size: desc.size,
    ...(artifactType === undefined || artifactType === '' ? {} : { artifactType }),
    ...(doc.annotations === undefined || Object.keys(doc.annotations).length === 0 ? {} : { annotations: doc.annotations }),
  };
}
