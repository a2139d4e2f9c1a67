// A remote repository as a copy target: blobs and manifests by descriptor, tags by name.
import { Readable } from 'node:stream';
import { readAll, type ContentOpener, type Mounter, type MountSource, type Target } from '../../content/store.js';
import { isManifestMediaType } from '../../oci/media-types.js';
import type { Descriptor, Digest } from '../../oci/types.js';
import { blobExists, fetchBlob, mountBlob, uploadBlob } from './blobs.js';
import { deleteManifest, getManifest, manifestExists, putManifest, type FetchedManifest } from './manifests.js';
import { hasReferrersApi, listReferrersApi, type ReferrersListing } from './referrers.js';
import { readFallbackIndex, updateFallbackIndex, type FallbackIndex, type UpdateFallbackOptions, type UpdateFallbackResult } from './referrers-index.js';
import type { RegistryHttp } from './registry-http.js';
import { listTags, type ListTagsOptions } from './tags.js';

/** `delete` also reads: a tag is resolved to the digest that is deleted. */
export type Access = 'pull' | 'push' | 'delete';

export class Repository implements Target, Mounter, MountSource {
  readonly name: string;
  /** The registry as references normalise it, e.g. `ghcr.io` or `127.0.0.1:5000`. */
  readonly registry: string;
  readonly repository: string;
  readonly #http: RegistryHttp;
  readonly #repository: string;
  /** Callers declare what they will do up front, so one token covers the whole job. */
  readonly #scopes: readonly string[];
  /** Manifests whose PUT was answered with `OCI-Subject`: the registry indexed their subject. */
  readonly #subjectAccepted = new Set<string>();

  constructor(http: RegistryHttp, repository: string, access: Access) {
    this.#http = http;
    this.#repository = repository;
    this.registry = http.registry;
    this.repository = repository;
    this.name = `${http.registry}/${repository}`;
    const actions = access === 'push' ? 'pull,push' : access === 'delete' ? 'delete,pull' : 'pull';
    this.#scopes = [`repository:${repository}:${actions}`];
  }

  async prepare(): Promise<void> {
    try {
      await this.#http.endpoint();
      await this.#http.auth.authorization(this.#scopes);
    } catch {
      // The endpoint's failure is kept and thrown to the first request; a token is asked again.
    }
  }

  async exists(desc: Descriptor): Promise<boolean> {
    return isManifestMediaType(desc.mediaType)
      ? manifestExists(this.#http, this.#repository, desc.digest, this.#scopes)
      : blobExists(this.#http, this.#repository, desc, this.#scopes);
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    if (isManifestMediaType(desc.mediaType)) {
      const { bytes } = await getManifest(this.#http, this.#repository, desc.digest, this.#scopes);
      return Readable.from([bytes]);
    }
    return fetchBlob(this.#http, this.#repository, desc, this.#scopes);
  }

  async push(desc: Descriptor, open: ContentOpener): Promise<void> {
    if (isManifestMediaType(desc.mediaType)) {
      this.#noteSubject(desc, await putManifest(this.#http, this.#repository, desc.digest, desc, await readAll(open()), this.#scopes));
    } else {
      await uploadBlob(this.#http, this.#repository, desc, open, this.#scopes);
    }
  }

  async pushReference(desc: Descriptor, manifest: Buffer, reference: string): Promise<void> {
    this.#noteSubject(desc, await putManifest(this.#http, this.#repository, reference, desc, manifest, this.#scopes));
  }

  #noteSubject(desc: Descriptor, put: { subject?: string }): void {
    if (put.subject !== undefined) this.#subjectAccepted.add(desc.digest);
  }

  /** Whether a PUT of this manifest, in this run, was answered with `OCI-Subject`. */
  subjectAccepted(digest: string): boolean {
    return this.#subjectAccepted.has(digest);
  }

  /** The referrers API's answer for `digest`, or `{api: false}` (see client/referrers.ts). */
  async referrers(digest: string, artifactType?: string): Promise<ReferrersListing> {
    return listReferrersApi(this.#http, this.#repository, digest, this.#scopes, artifactType);
  }

  /** Whether the registry serves the referrers API (asked once per registry). */
  async hasReferrersApi(digest: string): Promise<boolean> {
    return hasReferrersApi(this.#http, this.#repository, digest, this.#scopes);
  }

  /** What the `<alg>-<hex>` fallback tag of `subject` holds. */
  async fallbackIndex(subject: string): Promise<FallbackIndex> {
    return readFallbackIndex(this.#http, this.#repository, subject, this.#scopes);
  }

  /** Add referrers to the fallback index of `subject`, keeping every other writer's entries. */
  async addToFallbackIndex(subject: string, opts: UpdateFallbackOptions): Promise<UpdateFallbackResult> {
    return updateFallbackIndex(this.#http, this.#repository, subject, this.#scopes, opts);
  }

  /** The copy engine mounts from the repository a fetch reads (see copy/mount.ts). */
  get mountSource(): MountSource {
    return this;
  }

  sameRegistry(other: Pick<MountSource, 'registry'>): boolean {
    return other.registry === this.registry;
  }

  canMountFrom(from: MountSource): boolean {
    return this.sameRegistry(from) && from.repository !== this.#repository;
  }

  /**
   * Link `desc` from `from` into this repository; false when the registry declined and
   * the blob must be uploaded. One token covers both repositories (design rule 6).
   */
  async mount(desc: Descriptor, from: MountSource): Promise<boolean> {
    if (!this.canMountFrom(from)) return false;
    const scopes = [`repository:${this.#repository}:pull,push`, `repository:${from.repository}:pull`];
    return mountBlob(this.#http, this.#repository, desc, from.repository, scopes);
  }

  async resolve(reference: string): Promise<Descriptor> {
    return (await this.fetchManifest(reference)).descriptor;
  }

  /** The manifest or index under a tag or digest, with its descriptor, in one request; `signal` aborts that request alone. */
  async fetchManifest(reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    return getManifest(this.#http, this.#repository, reference, this.#scopes, signal);
  }

  /** Remove the manifest with this digest, and so every tag that points to it. */
  async deleteManifest(digest: Digest): Promise<void> {
    await deleteManifest(this.#http, this.#repository, digest, this.#scopes);
  }

  async tags(options: ListTagsOptions = {}): Promise<string[]> {
    return listTags(this.#http, this.#repository, this.#scopes, options);
  }
}
