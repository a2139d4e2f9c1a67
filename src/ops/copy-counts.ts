// copyGraph for the use cases that report how much they wrote: the blobs and manifests
// copied (or mounted) into the destination, and those it already had.
import type { Fetcher, Target } from '../content/store.js';
import { copyGraph, type CopyOptions } from '../copy/copy-graph.js';
import type { Descriptor } from '../oci/types.js';

export interface CopyCounts {
  copied: number;
  skipped: number;
}

export async function copyGraphCounting(src: Fetcher, root: Descriptor, dst: Target, tags: readonly string[], opts: CopyOptions = {}): Promise<CopyCounts> {
  const counts: CopyCounts = { copied: 0, skipped: 0 };
  await copyGraph(src, root, dst, tags, {
    ...opts,
    onEvent: (event) => {
      if (event.type === 'copied' || event.type === 'mounted') counts.copied++;
      else if (event.type === 'skipped' || event.type === 'exists') counts.skipped++;
      opts.onEvent?.(event);
    },
  });
  return counts;
}
