// The browser's use cases in one place, over one registry client: what the screen may
// ask for. The UI holds an object of this shape and makes no registry call itself;
// component tests hand it a stand-in.
import type { CopyEventHandler } from '../../copy/events.js';
import type { GraphTotal } from '../graph-total.js';
import type { Reference } from '../../ref/reference.js';
import type { DiscoverResult } from '../discover.js';
import type { ImageConfigSummary } from '../image-config.js';
import type { ImageFiles } from '../inspect-files.js';
import type { FileHead, InsideTarget, LayerProgress } from './browse-inside.js';
import type { CatalogReader } from './catalog-reader.js';
import type { RequestRecorder } from './request-recorder.js';
import type { KnownRegistry } from './known-registries.js';
import type { TagDetails } from './load-details.js';
import type { TagSummary } from './tag-summary.js';
import type { Digest } from '../../oci/types.js';
import type { RegistryEntryInput } from '../save-registry.js';
import type { ConnectionTestInput, ConnectionTestResult } from '../test-connection.js';
import type { SavedRegistry } from '../../settings/index.js';

export type PullFormat = 'layout' | 'files';

export interface PullProgress {
  onEvent: CopyEventHandler;
  onTotal: (total: GraphTotal) => void;
}

/** What a copy / retag did (the copy use case's result, in short). */
export interface CopyOutcome {
  image: string;
  digest: Digest;
  /** Source and destination are one repository: no blob moved. */
  retag: boolean;
}

export interface BrowseServices {
  registries(): Promise<KnownRegistry[]>;
  catalog(registry: string): CatalogReader;
  /** Every tag, a page at a time. */
  tags(registry: string, repository: string): AsyncIterable<string[]>;
  /** One tag list row; `signal` aborts its request (the row left the screen). */
  summary(registry: string, repository: string, tag: string, signal?: AbortSignal): Promise<TagSummary>;
  details(registry: string, repository: string, tagOrDigest: string): Promise<TagDetails>;
  /** Pull with the pull use cases; resolves to where it went. `signal` cancels it. */
  pull(ref: Reference, format: PullFormat, progress: PullProgress, signal: AbortSignal): Promise<string>;
  /** Copy or retag with the copy use case (`lazyoci copy`); refused under --read-only. */
  copy(source: Reference, dest: Reference, progress: PullProgress, signal: AbortSignal): Promise<CopyOutcome>;
  /** Delete the manifest a tag or digest names; `expectDigest` is what the user confirmed. Refused under --read-only. */
  deleteManifest(ref: Reference, expectDigest: Digest | undefined, signal: AbortSignal): Promise<{ digest: Digest }>;
  /** The saved entry (settings file) for a registry, by address or label; its password stays in the object, never drawn. */
  savedRegistry(name: string): Promise<SavedRegistry | undefined>;
  /** Add or update a saved registry (save-registry use case); registries() lists it afterwards. */
  saveRegistry(input: RegistryEntryInput): Promise<{ name: string; created: boolean }>;
  /** Forget a saved registry and its credentials; resolves to the name removed. */
  removeRegistry(name: string): Promise<string>;
  /** GET /v2/ with the values of the registry form. */
  testConnection(input: ConnectionTestInput): Promise<ConnectionTestResult>;
  /** Look inside an image (browse-inside.ts): its layers read, streamed; `signal` cancels. */
  imageFiles(target: InsideTarget, signal: AbortSignal, onLayer?: (p: LayerProgress) => void): Promise<ImageFiles>;
  /** The first bytes of one file of an image, from the topmost layer that has it. */
  fileHead(target: InsideTarget, path: string, signal: AbortSignal): Promise<FileHead>;
  imageConfig(target: InsideTarget): Promise<ImageConfigSummary>;
  referrers(target: InsideTarget): Promise<DiscoverResult>;
  /** Every request this session's clients made. */
  requests: RequestRecorder;
  /** Forget cached answers of the registry client's token cache etc.; nothing by default. */
  close(): Promise<void>;
}
