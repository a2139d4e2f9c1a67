// Finding the cross-repository mount capability (declared in content/store.ts) on a
// copy's source and destination, with the fallback of a plain upload when absent.
import type { Fetcher, Mounter, MountableFetcher, MountSource } from '../content/store.js';

export function isMounter(value: object): value is Mounter & object {
  const v = value as Partial<Mounter>;
  return typeof v.mount === 'function' && typeof v.canMountFrom === 'function';
}

export function mountSourceOf(src: Fetcher): MountSource | undefined {
  return (src as Partial<MountableFetcher>).mountSource;
}

/** The repository a copy from `src` to `dst` can mount blobs from, if any. */
export function mountPlan(src: Fetcher, dst: object): { mounter: Mounter; from: MountSource } | undefined {
  if (!isMounter(dst)) return undefined;
  const from = mountSourceOf(src);
  if (from === undefined || !dst.canMountFrom(from)) return undefined;
  return { mounter: dst, from };
}
