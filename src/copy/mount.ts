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
  return mountPlanFor(mountSourceOf(src), dst);
}

/** Mounting from `from` into `dst`, when `dst` can and `from` is another repository of its registry. */
export function mountPlanFor(from: MountSource | undefined, dst: object): { mounter: Mounter; from: MountSource } | undefined {
  if (from === undefined || !isMounter(dst) || !dst.canMountFrom(from)) return undefined;
  return { mounter: dst, from };
}
