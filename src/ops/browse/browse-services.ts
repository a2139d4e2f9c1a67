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

export type PullFormat = 'layout' | 'files';

export interface PullProgress {
  onEvent: CopyEventHandler;
  onTotal: (total: GraphTotal) => void;
}

export interface BrowseServices {
  registries(): Promise<KnownRegistry[]>;
  catalog(registry: string): CatalogReader;
  /** Every tag, a page at a time. */
  tags(registry: string, repository: string): AsyncIterable<string[]>;
  summary(registry: string, repository: string, tag: string): Promise<TagSummary>;
  details(registry: string, repository: string, tagOrDigest: string): Promise<TagDetails>;
  /** Pull with the pull use cases; resolves to where it went. `signal` cancels it. */
  pull(ref: Reference, format: PullFormat, progress: PullProgress, signal: AbortSignal): Promise<string>;
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
