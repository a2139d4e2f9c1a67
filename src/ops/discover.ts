// `lazyoci discover REF`: the referrers of REF's manifest and, to a depth, theirs (a
// signature of an SBOM), each marked with where it was found: the referrers API, the
// `<alg>-<hex>` fallback tag, or a legacy cosign `sha256-<hex>.sig|.att|.sbom` tag.
import { RegistryError } from '../errors/index.js';
import { isIndexMediaType } from '../oci/media-types.js';
import type { Descriptor, Digest } from '../oci/types.js';
import { parseManifestDocument } from '../oci/validate-manifest.js';
import { formatReference, type Reference } from '../ref/reference.js';
import type { FetchedManifest } from '../registry/client/manifests.js';
import { COSIGN_SUFFIXES, cosignTag } from '../registry/client/referrers.js';
import type { ReferrerReader } from './index-referrer.js';

export type ReferrerSource = 'api' | 'fallback' | 'cosign';

export interface ReferrerNode {
  mediaType: string;
  digest: Digest;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  source: ReferrerSource;
  /** The tag it was found under (fallback index tag, or the cosign tag). */
  tag?: string;
  referrers: ReferrerNode[];
  /** Seen earlier in the tree: not expanded again. */
  cycle?: true;
  /** The depth limit stopped here: its own referrers were not asked for. */
  depthLimited?: true;
}

export interface DiscoverResult {
  reference: string;
  subject: { digest: Digest; mediaType: string; size: number };
  /** Whether the registry serves the referrers API. */
  api: boolean;
  referrers: ReferrerNode[];
  /** Things found and left alone (a fallback tag that is not an index). */
  notes: string[];
}

export type DiscoverSource = ReferrerReader & { fetchManifest(reference: string): Promise<FetchedManifest> };

export const DEFAULT_DISCOVER_DEPTH = 10;

export interface DiscoverOptions {
  reference: Reference;
  /** Only referrers of this artifact type, at the first level. */
  artifactType?: string;
  /** Levels of referrers: 1 lists only REF's own. */
  depth?: number;
}

type Entry = Omit<ReferrerNode, 'referrers'>;

function entryOf(d: Descriptor, source: ReferrerSource, tag?: string): Entry {
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...(d.artifactType === undefined ? {} : { artifactType: d.artifactType }),
    ...(d.annotations === undefined ? {} : { annotations: d.annotations }),
    source,
    ...(tag === undefined ? {} : { tag }),
  };
}

async function cosignEntries(source: DiscoverSource, digest: Digest): Promise<Entry[]> {
  const found: Entry[] = [];
  for (const suffix of COSIGN_SUFFIXES) {
    const tag = cosignTag(digest, suffix);
    let fetched: FetchedManifest;
    try {
      fetched = await source.fetchManifest(tag);
    } catch (err) {
      if (err instanceof RegistryError && err.status === 404) continue;
      throw err;
    }
    const doc = parseManifestDocument(fetched.descriptor, fetched.bytes) as { artifactType?: string; config?: Descriptor; annotations?: Record<string, string> };
    const artifactType = doc.artifactType ?? (isIndexMediaType(fetched.descriptor.mediaType) ? undefined : doc.config?.mediaType);
    found.push(
      entryOf(
        { ...fetched.descriptor, ...(artifactType === undefined ? {} : { artifactType }), ...(doc.annotations === undefined ? {} : { annotations: doc.annotations }) },
        'cosign',
        tag,
      ),
    );
  }
  return found;
}

/** The direct referrers of one digest, from every source, each digest once. */
async function referrersOf(source: DiscoverSource, digest: Digest, artifactType: string | undefined, state: { api: boolean; notes: string[] }): Promise<Entry[]> {
  const entries: Entry[] = [];
  const listing = await source.referrers(digest, artifactType);
  let filtered = false;
  if (listing.api) {
    state.api = true;
    filtered = listing.filtersApplied.includes('artifactType');
    entries.push(...listing.manifests.map((d) => entryOf(d, 'api')));
  } else {
    const index = await source.fallbackIndex(digest);
    if (index.state === 'index') entries.push(...index.manifests.map((d) => entryOf(d, 'fallback', index.tag)));
    else if (index.state === 'not-index') {
      state.notes.push(`${source.name}:${index.tag} holds a ${index.descriptor.mediaType} (${index.descriptor.digest}), not an index of referrers; left alone`);
    }
  }
  entries.push(...(await cosignEntries(source, digest)));
  const unique = entries.filter((e, i) => entries.findIndex((o) => o.digest === e.digest) === i);
  // The registry filters when it says so (OCI-Filters-Applied); otherwise lazyoci does.
  if (artifactType === undefined) return unique;
  return unique.filter((e) => (e.source === 'api' && filtered) || e.artifactType === artifactType);
}

export async function discover(source: DiscoverSource, opts: DiscoverOptions): Promise<DiscoverResult> {
  const depth = opts.depth ?? DEFAULT_DISCOVER_DEPTH;
  const fetched = await source.fetchManifest(opts.reference.digest ?? opts.reference.tag ?? 'latest');
  const root = fetched.descriptor;
  const state = { api: false, notes: [] as string[] };
  const seen = new Set<string>([root.digest]);

  const expand = async (digest: Digest, level: number, artifactType?: string): Promise<ReferrerNode[]> => {
    const nodes: ReferrerNode[] = [];
    for (const entry of await referrersOf(source, digest, artifactType, state)) {
      if (seen.has(entry.digest)) {
        nodes.push({ ...entry, referrers: [], cycle: true });
        continue;
      }
      seen.add(entry.digest);
      if (level >= depth) nodes.push({ ...entry, referrers: [], depthLimited: true });
      else nodes.push({ ...entry, referrers: await expand(entry.digest, level + 1) });
    }
    return nodes;
  };

  const referrers = depth < 1 ? [] : await expand(root.digest, 1, opts.artifactType);
  return {
    reference: formatReference(opts.reference),
    subject: { digest: root.digest, mediaType: root.mediaType, size: root.size },
    api: state.api,
    referrers,
    notes: state.notes,
  };
}

/** Every node of a tree, parents before children, with the digest each refers to. */
export function walkReferrers(nodes: readonly ReferrerNode[], subject: Digest): { node: ReferrerNode; subject: Digest }[] {
  const out: { node: ReferrerNode; subject: Digest }[] = [];
  for (const node of nodes) {
    out.push({ node, subject });
    if (node.cycle !== true) out.push(...walkReferrers(node.referrers, node.digest));
  }
  return out;
}
