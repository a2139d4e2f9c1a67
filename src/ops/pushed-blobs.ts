// Which repository of a registry holds each blob a build has pushed so far, so a later
// target (or artifact) on the same registry mounts the blob instead of uploading it again.
import type { MountSource } from '../content/store.js';

export class PushedBlobs {
  /** registry → digest → the repositories known to hold it, first one first. */
  readonly #byRegistry = new Map<string, Map<string, MountSource[]>>();

  /** `repository` now holds `digest` (uploaded, mounted or already there). */
  record(digest: string, repository: MountSource): void {
    let digests = this.#byRegistry.get(repository.registry);
    if (digests === undefined) {
      digests = new Map();
      this.#byRegistry.set(repository.registry, digests);
    }
    const holders = digests.get(digest) ?? [];
    // Kept as plain data rather than the client's repository object.
    if (!holders.some((h) => h.repository === repository.repository)) holders.push({ registry: repository.registry, repository: repository.repository });
    digests.set(digest, holders);
  }

  /** A repository of `into`'s registry, other than `into` itself, that holds `digest`. */
  sourceFor(digest: string, into: MountSource): MountSource | undefined {
    return this.#byRegistry
      .get(into.registry)
      ?.get(digest)
      ?.find((h) => h.repository !== into.repository);
  }
}
