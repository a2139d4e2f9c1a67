// After a manifest with a `subject` is pushed: make it discoverable. A registry that
// answered the PUT with `OCI-Subject` and serves the referrers API has indexed it
// already; anywhere else the `<alg>-<hex>` fallback index gets an entry (distribution-spec
// "Pushing Manifests with Subject"). Used by attach, build (.lazy `subject:`) and copy --referrers.
import type { Target } from '../content/store.js';
import type { Descriptor, Digest } from '../oci/types.js';
import type { ReferrersListing } from '../registry/client/referrers.js';
import type { FallbackIndex, UpdateFallbackOptions, UpdateFallbackResult } from '../registry/client/referrers-index.js';
import { referrerEntry } from '../registry/client/referrers-index.js';

/** What reading referrers needs of a repository. */
export interface ReferrerReader {
  readonly name: string;
  referrers(digest: string, artifactType?: string): Promise<ReferrersListing>;
  fallbackIndex(subject: string): Promise<FallbackIndex>;
}

/** A target that can list referrers and keep a fallback index: a registry repository. */
export interface ReferrerStore extends ReferrerReader {
  subjectAccepted(digest: string): boolean;
  hasReferrersApi(digest: string): Promise<boolean>;
  addToFallbackIndex(subject: string, opts: UpdateFallbackOptions): Promise<UpdateFallbackResult>;
}

export function isReferrerStore(target: Target | object): target is Target & ReferrerStore {
  const t = target as Partial<ReferrerStore>;
  return typeof t.addToFallbackIndex === 'function' && typeof t.subjectAccepted === 'function' && typeof t.hasReferrersApi === 'function';
}

export interface Indexed {
  /** How the referrer can be found: the registry's API, or the fallback tag. */
  via: 'api' | 'fallback';
  /** The fallback tag written (fallback only). */
  tag?: string;
  /** The index that tag holds now. */
  index?: Digest;
  /** Times another writer changed the index under this one (fallback only). */
  conflicts?: number;
}

export interface IndexReferrerOptions {
  /** The destination had the referrer already (no PUT, so no `OCI-Subject` to go by). */
  existed?: boolean;
  onWarning?: (message: string) => void;
  settleMs?: number;
}

export async function indexReferrer(
  store: ReferrerStore,
  subject: Digest,
  referrer: Descriptor,
  manifest: Buffer,
  opts: IndexReferrerOptions = {},
): Promise<Indexed> {
  // OCI-Subject from a registry that does not serve the API is not trusted (issue 16).
  const maybeApi = store.subjectAccepted(referrer.digest) || opts.existed === true;
  if (maybeApi && (await store.hasReferrersApi(subject))) return { via: 'api' };
  const result = await store.addToFallbackIndex(subject, {
    add: [referrerEntry(referrer, manifest)],
    ...(opts.onWarning === undefined ? {} : { onWarning: opts.onWarning }),
    ...(opts.settleMs === undefined ? {} : { settleMs: opts.settleMs }),
  });
  return { via: 'fallback', tag: result.tag, ...(result.digest === undefined ? {} : { index: result.digest }), conflicts: result.conflicts };
}
