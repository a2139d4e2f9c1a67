// The browser's use cases in one place, over one registry client: what the screen may
// ask for. The UI holds an object of this shape and makes no registry call itself;
// component tests hand it a stand-in.
import type { CopyEventHandler } from '../../copy/events.js';
import type { GraphTotal } from '../graph-total.js';
import type { Reference } from '../../ref/reference.js';
import type { CatalogReader } from './catalog-reader.js';
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
  /** One tag list row; `signal` aborts its request (the row left the screen). */
  summary(registry: string, repository: string, tag: string, signal?: AbortSignal): Promise<TagSummary>;
  details(registry: string, repository: string, tagOrDigest: string): Promise<TagDetails>;
  /** Pull with the pull use cases; resolves to where it went. `signal` cancels it. */
  pull(ref: Reference, format: PullFormat, progress: PullProgress, signal: AbortSignal): Promise<string>;
  /** Forget cached answers of the registry client's token cache etc.; nothing by default. */
  close(): Promise<void>;
}
