// Checks a manifest or index fetched from anywhere (a registry, a layout, a builder)
// before any field of it is used: a digest becomes a file name and a URL path, a size a read limit.
import { ContentError } from '../errors/index.js';
import { isDigest } from './digest.js';
import { isIndexMediaType } from './media-types.js';
import type { Descriptor, ImageIndex, ImageManifest } from './types.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short, escaped rendering of a bad value: hostile input must not flood or corrupt a terminal. */
function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

class Checker {
  constructor(readonly digest: string) {}

  fail(field: string, problem: string): never {
    throw new ContentError(`manifest ${this.digest}: ${field} ${problem}`);
  }

  optionalString(obj: Json, key: string, field: string): void {
    if (obj[key] !== undefined && typeof obj[key] !== 'string') this.fail(`${field}.${key}`, `must be a string, got ${shown(obj[key])}`);
  }

  stringMap(obj: Json, key: string, field: string): void {
    const value = obj[key];
    if (value === undefined) return;
    if (!isObject(value)) this.fail(`${field}${key}`, `must be an object of strings, got ${shown(value)}`);
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') this.fail(`${field}${key}[${shown(k)}]`, `must be a string, got ${shown(v)}`);
    }
  }

  descriptor(value: unknown, field: string): Descriptor {
    if (!isObject(value)) this.fail(field, `must be a descriptor object, got ${shown(value)}`);
    const { mediaType, digest, size } = value;
    if (typeof mediaType !== 'string' || mediaType === '') this.fail(`${field}.mediaType`, `must be a non-empty string, got ${shown(mediaType)}`);
    if (typeof digest !== 'string' || !isDigest(digest)) this.fail(`${field}.digest`, `must be sha256:<64 lowercase hex>, got ${shown(digest)}`);
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      this.fail(`${field}.size`, `must be a whole number of bytes from 0 to 2^53-1, got ${shown(size)}`);
    }
    this.optionalString(value, 'artifactType', field);
    this.optionalString(value, 'data', field);
    this.stringMap(value, 'annotations', `${field}.`);
    if (value.urls !== undefined && (!Array.isArray(value.urls) || !value.urls.every((u) => typeof u === 'string'))) {
      this.fail(`${field}.urls`, 'must be a list of strings');
    }
    if (value.platform !== undefined) {
      const p = value.platform;
      if (!isObject(p) || typeof p.os !== 'string' || typeof p.architecture !== 'string') {
        this.fail(`${field}.platform`, `must have string os and architecture, got ${shown(p)}`);
      }
      this.optionalString(p, 'variant', `${field}.platform`);
      this.optionalString(p, 'os.version', `${field}.platform`);
    }
    return value as unknown as Descriptor;
  }

  descriptors(value: unknown, field: string): Descriptor[] {
    if (!Array.isArray(value)) this.fail(field, `must be a list of descriptors, got ${shown(value)}`);
    return value.map((d, i) => this.descriptor(d, `${field}[${i}]`));
  }
}

/**
 * Parse and check the bytes of the manifest or index `desc` names (the caller has
 * already capped their size). Whether it is an index comes from `desc.mediaType`.
 * Throws ContentError naming the manifest digest and the offending field.
 */
export function parseManifestDocument(desc: Pick<Descriptor, 'digest' | 'mediaType'>, bytes: Uint8Array): ImageManifest | ImageIndex {
  const check: Checker = new Checker(desc.digest);
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    check.fail('document', 'is not valid JSON');
  }
  if (!isObject(doc)) check.fail('document', `must be a JSON object, got ${shown(doc)}`);
  if (doc.schemaVersion !== 2) check.fail('schemaVersion', `must be 2, got ${shown(doc.schemaVersion)}`);
  check.optionalString(doc, 'mediaType', 'document');
  check.optionalString(doc, 'artifactType', 'document');
  check.stringMap(doc, 'annotations', '');
  if (doc.subject !== undefined) check.descriptor(doc.subject, 'subject');

  if (isIndexMediaType(desc.mediaType)) {
    check.descriptors(doc.manifests, 'manifests');
    return doc as unknown as ImageIndex;
  }
  check.descriptor(doc.config, 'config');
  // An artifact manifest may leave out an empty layer list; anything else must be a list.
  if (doc.layers !== undefined) check.descriptors(doc.layers, 'layers');
  return { ...doc, layers: doc.layers ?? [] } as unknown as ImageManifest;
}
