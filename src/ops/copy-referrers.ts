// `copy --referrers`: after the graph, every referrer of its manifests (recursively)
// follows it, by digest, and is made discoverable at the destination by whatever that
// registry supports (API or fallback index), whatever the source used. Legacy cosign
// tags are copied as the same tags: the digests they name do not change in a copy.
import type { Fetcher, Target } from '../content/store.js';
import { readAll } from '../content/store.js';
import { copyGraph, MANIFEST_LIMIT } from '../copy/copy-graph.js';
import type { CopyEventHandler } from '../copy/events.js';
import type { Descriptor, Digest } from '../oci/types.js';
import { parseReference } from '../ref/reference.js';
import { discover, walkReferrers, type DiscoverSource } from './discover.js';
import { indexReferrer, type ReferrerStore } from './index-referrer.js';

export interface CopiedReferrer {
  digest: Digest;
  subject: Digest;
  artifactType?: string;
  /** How the destination lists it: API, fallback index, or a cosign tag. */
  via: 'api' | 'fallback' | 'cosign-tag';
}

export interface CopyReferrersOptions {
  concurrency?: number;
  signal?: AbortSignal;
  onEvent?: CopyEventHandler;
  onWarning?: (message: string) => void;
  settleMs?: number;
}

export async function copyReferrers(
  source: DiscoverSource & Fetcher,
  dest: Target & ReferrerStore,
  subjects: readonly Digest[],
  opts: CopyReferrersOptions = {},
): Promise<CopiedReferrer[]> {
  const copied: CopiedReferrer[] = [];
  const done = new Set<string>();
  for (const subject of subjects) {
    // discover wants a reference; a digest of the same repository names the subject.
    const tree = await discover(source, { reference: parseReference(`${source.name}@${subject}`) });
    for (const { node, subject: parent } of walkReferrers(tree.referrers, subject)) {
      if (done.has(`${parent}>${node.digest}`)) continue;
      done.add(`${parent}>${node.digest}`);
      const desc: Descriptor = { mediaType: node.mediaType, digest: node.digest, size: node.size };
      let existed = false;
      const tags = node.source === 'cosign' && node.tag !== undefined ? [node.tag] : [];
      await copyGraph(source, desc, dest, tags, {
        ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
        onEvent: (event) => {
          if (event.type === 'exists') existed = true;
          opts.onEvent?.(event);
        },
      });
      const base = { digest: node.digest, subject: parent, ...(node.artifactType === undefined ? {} : { artifactType: node.artifactType }) };
      if (node.source === 'cosign') {
        copied.push({ ...base, via: 'cosign-tag' });
        continue;
      }
      const manifest = await readAll(await source.fetch(desc), MANIFEST_LIMIT);
      const indexed = await indexReferrer(dest, parent, desc, manifest, {
        existed,
        ...(opts.onWarning === undefined ? {} : { onWarning: opts.onWarning }),
        ...(opts.settleMs === undefined ? {} : { settleMs: opts.settleMs }),
      });
      copied.push({ ...base, via: indexed.via });
    }
  }
  return copied;
}
