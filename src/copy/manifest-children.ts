// The descriptors a manifest or index points at, which must exist before it does.
import { ContentError } from '../errors/index.js';
import { isIndexMediaType, isManifestMediaType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/types.js';

export function manifestChildren(desc: Descriptor, bytes: Buffer): Descriptor[] {
  let doc: { config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[]; subject?: Descriptor };
  try {
    doc = JSON.parse(bytes.toString('utf8')) as typeof doc;
  } catch {
    throw new ContentError(`manifest ${desc.digest} is not valid JSON`);
  }
  if (isIndexMediaType(desc.mediaType)) return [...(doc.manifests ?? [])];
  const children: Descriptor[] = [];
  if (doc.config !== undefined) children.push(doc.config);
  children.push(...(doc.layers ?? []));
  return children;
}

export function isGraphNode(desc: Descriptor): boolean {
  return isManifestMediaType(desc.mediaType);
}
