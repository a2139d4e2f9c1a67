// Delete what a tag or digest names: the tag is resolved to its manifest's digest, and
// that manifest is deleted (with it, every tag that points to it; registries delete by digest).
import { CancelledError, ContentError, UsageError } from '../errors/index.js';
import type { Descriptor, Digest } from '../oci/types.js';
import { formatReference, type Reference } from '../ref/reference.js';
import { refuseWhenReadOnly } from './read-only.js';

/** A remote repository opened for delete (RegistryClient.repository(ref, 'delete')). */
export interface ManifestDeleter {
  resolve(reference: string): Promise<Descriptor>;
  deleteManifest(digest: Digest): Promise<void>;
}

export interface DeleteManifestOptions {
  readOnly?: boolean;
  /** The digest shown when the user confirmed; with a tag, the delete is refused if the tag moved. */
  expectDigest?: Digest;
  signal?: AbortSignal;
}

export interface DeleteManifestResult {
  /** What was asked for, as given. */
  reference: string;
  digest: Digest;
  mediaType: string;
}

export async function deleteManifest(repository: ManifestDeleter, ref: Reference, opts: DeleteManifestOptions = {}): Promise<DeleteManifestResult> {
  const shown = formatReference(ref);
  refuseWhenReadOnly(opts.readOnly, `delete ${shown}`);
  const target = ref.tag ?? ref.digest;
  if (target === undefined) throw new UsageError(`delete ${shown}: name a tag or a digest`);
  const desc = await repository.resolve(target);
  // The digest the user confirmed: a tag moved since then is not deleted.
  const confirmed = opts.expectDigest ?? ref.digest;
  if (confirmed !== undefined && desc.digest !== confirmed) {
    throw new ContentError(`delete ${shown}: ${ref.tag ?? target} now points to ${desc.digest}, not ${confirmed}; nothing was deleted`);
  }
  if (opts.signal?.aborted === true) throw new CancelledError(`delete ${shown}: cancelled before anything was deleted`);
  await repository.deleteManifest(desc.digest);
  return { reference: shown, digest: desc.digest, mediaType: desc.mediaType };
}
