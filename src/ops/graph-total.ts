// Bytes and blobs under a root, for a progress view's total and ETA. Computed only from
// manifests the caller already holds or can read cheaply; otherwise there is no total.
import { isGraphNode, manifestChildren } from '../copy/manifest-children.js';
import type { Descriptor } from '../oci/types.js';

export interface GraphTotal {
  /** Every blob and manifest, each digest once. */
  bytes: number;
  blobs: number;
}

/** `read` gives a manifest's bytes, or undefined when getting them would cost a request. */
export type ManifestReader = (desc: Descriptor) => Promise<Buffer | undefined>;

/** Every digest under the root once: all bytes, the blob count, and the blobs' bytes. */
async function walk(root: Descriptor, rootBytes: Buffer, read: ManifestReader): Promise<(GraphTotal & { blobBytes: number }) | undefined> {
  const seen = new Set<string>([root.digest]);
  let bytes = root.size;
  let blobs = 0;
  let blobBytes = 0;
  const visit = async (desc: Descriptor, docBytes: Buffer): Promise<boolean> => {
    for (const child of manifestChildren(desc, docBytes)) {
      if (seen.has(child.digest)) continue;
      seen.add(child.digest);
      bytes += child.size;
      if (!isGraphNode(child)) {
        blobs++;
        blobBytes += child.size;
        continue;
      }
      const childBytes = await read(child);
      if (childBytes === undefined || !(await visit(child, childBytes))) return false;
    }
    return true;
  };
  return (await visit(root, rootBytes)) ? { bytes, blobs, blobBytes } : undefined;
}

export async function graphTotal(root: Descriptor, rootBytes: Buffer, read: ManifestReader): Promise<GraphTotal | undefined> {
  const total = await walk(root, rootBytes, read);
  return total === undefined ? undefined : { bytes: total.bytes, blobs: total.blobs };
}

/** Config and layer bytes under the root, each blob once (what --max-size limits). */
export async function graphBlobBytes(root: Descriptor, rootBytes: Buffer, read: ManifestReader): Promise<number | undefined> {
  return (await walk(root, rootBytes, read))?.blobBytes;
}
