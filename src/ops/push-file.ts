// `lazyoci push FILE REF` as a service: open a Helm chart .tgz, an OCI layout (dir or tar)
// or a docker archive, and copy its graph to the repository with the one copy engine.
import { readAll, type Target } from '../content/store.js';
import { detectArchive, openDetected, type ArchiveKind } from '../content/detect-archive.js';
import { MANIFEST_LIMIT } from '../copy/copy-graph.js';
import type { CopyEventHandler } from '../copy/events.js';
import { UsageError } from '../errors/index.js';
import type { Descriptor } from '../oci/types.js';
import { formatReference, isValidTag, type Reference } from '../ref/reference.js';
import { copyGraphCounting } from './copy-counts.js';
import { graphTotal, type GraphTotal } from './graph-total.js';

export interface PushFileOptions {
  /** The file or layout directory, resolved. */
  file: string;
  /** How the file is named in messages (as the user typed it). */
  display?: string;
  /** Where to push; without a tag only a Helm chart can push (under its version). */
  reference: Reference;
  /** Which image in a layout (ref.name) or docker archive (RepoTags). */
  refName?: string;
  /** What the caller already found the file to be (saves a second scan of a large tar). */
  kind?: ArchiveKind;
  concurrency?: number;
  signal?: AbortSignal;
  onEvent?: CopyEventHandler;
  /** The size of what is pushed, reported before the copy (read from the local archive). */
  onTotal?: (total: GraphTotal) => void;
}


export interface PushFileResult {
  reference: string;
  digest: string;
  mediaType: string;
  kind: ArchiveKind;
  tag: string;
  copied: number;
  skipped: number;
}

/**
 * Check the reference, open the archive (temp files removed afterwards) and copy.
 * `target` is where the graph goes; it is only used once the archive is known good.
 */
export async function pushFile(target: Target, opts: PushFileOptions): Promise<PushFileResult> {
  const display = opts.display ?? opts.file;
  if (opts.reference.digest !== undefined) {
    throw new UsageError(`push writes a tag, not a digest: drop "@${opts.reference.digest}" from the reference`);
  }
  // Cheap checks first, so a missing tag is reported before a large archive is unpacked.
  const kind = opts.kind ?? (await detectArchive(opts.file, display)).kind;
  if (kind !== 'helm-chart' && opts.reference.tag === undefined) {
    throw new UsageError(`${formatReference(opts.reference)} has no tag; add one (…:TAG) to push ${display} (only a Helm chart defaults to its version)`);
  }

  const opened = await openDetected(opts.file, kind, {
    display,
    ...(opts.refName === undefined ? {} : { refName: opts.refName }),
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
  });
  try {
    const tag = opts.reference.tag ?? (opened.kind === 'helm-chart' ? opened.content.defaultTag : undefined);
    if (tag === undefined || !isValidTag(tag)) {
      throw new UsageError(`cannot derive a valid tag for ${display}; give one in the reference`);
    }
    const reference = formatReference({ ...opts.reference, tag });
    if (opts.onTotal !== undefined) {
      const source = opened.content.source;
      const read = async (desc: Descriptor): Promise<Buffer> => readAll(await source.fetch(desc), MANIFEST_LIMIT);
      const total = await graphTotal(opened.content.root, await read(opened.content.root), read);
      if (total !== undefined) opts.onTotal(total);
    }
    const { copied, skipped } = await copyGraphCounting(opened.content.source, opened.content.root, target, [tag], {
      ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      ...(opts.onEvent === undefined ? {} : { onEvent: opts.onEvent }),
    });
    const root = opened.content.root;
    return { reference, digest: root.digest, mediaType: root.mediaType, kind, tag, copied, skipped };
  } finally {
    await opened.content.close();
  }
}
