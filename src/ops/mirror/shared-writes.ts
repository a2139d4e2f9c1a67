// One mirror run copies many items that share blobs (tags of one image, an index and a
// platform subset of it) into one destination at once. Each copy session only knows its
// own work, so this layer lets them share: a blob being written for one item is waited
// for by the others instead of being fetched and written again.
import type { ContentOpener, Mounter, MountSource, Target } from '../../content/store.js';
import { isMounter } from '../../copy/mount.js';
import type { Descriptor } from '../../oci/types.js';

export class SharedWrites {
  /** Writes started in this run, by destination store and digest. */
  readonly #writes = new Map<string, Promise<void>>();

  /** `target` seen through the run's shared writes; it keeps the mount capability when it has one. */
  wrap(target: Target): Target {
    const writes = this.#writes;
    const key = (desc: Descriptor): string => `${target.name}\u0000${desc.digest}`;
    const wrapped: Target & Partial<Mounter> = {
      name: target.name,
      ...(target.graphsMayBeIncomplete === undefined ? {} : { graphsMayBeIncomplete: target.graphsMayBeIncomplete }),
      ...(target.prepare === undefined ? {} : { prepare: () => target.prepare!() }),
      fetch: (desc) => target.fetch(desc),
      exists: async (desc) => {
        const pending = writes.get(key(desc));
        if (pending !== undefined) {
          // Written by another item of this run: present once that write succeeds.
          if (await pending.then(() => true, () => false)) return true;
        }
        return target.exists(desc);
      },
      push: (desc: Descriptor, open: ContentOpener) => {
        const k = key(desc);
        const pending = writes.get(k);
        if (pending !== undefined) return pending.catch(() => target.push(desc, open));
        const write = target.push(desc, open);
        writes.set(k, write);
        // A failed write is not kept: the next item tries again.
        write.catch(() => writes.delete(k));
        return write;
      },
      pushReference: (desc, manifest, reference) => target.pushReference(desc, manifest, reference),
    };
    if (isMounter(target)) {
      wrapped.canMountFrom = (from: MountSource) => target.canMountFrom(from);
      wrapped.mount = async (desc: Descriptor, from: MountSource) => {
        const mounted = await target.mount(desc, from);
        if (mounted) writes.set(key(desc), Promise.resolve());
        return mounted;
      };
    }
    return wrapped;
  }
}
