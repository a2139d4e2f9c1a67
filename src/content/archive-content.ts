// What every archive reader hands the copy engine: a store to read from and the root to copy.
import type { Descriptor } from '../oci/types.js';
import type { Fetcher } from './store.js';

export interface ArchiveContent {
  source: Fetcher;
  root: Descriptor;
  /** Removes any temporary files; safe to call more than once. */
  close(): Promise<void>;
}
