// What the copy engine reports while it works; the UI decides how to show it.
import type { Descriptor } from '../oci/types.js';

export type CopyEvent =
  | { type: 'exists'; target: string; descriptor: Descriptor }
  | { type: 'skipped'; target: string; descriptor: Descriptor }
  | { type: 'copied'; target: string; descriptor: Descriptor }
  /** A blob linked from another repository of the same registry; `from` is `registry/repository`. */
  | { type: 'mounted'; target: string; descriptor: Descriptor; from: string }
  | { type: 'tagged'; target: string; descriptor: Descriptor; tag: string };

export type CopyEventHandler = (event: CopyEvent) => void;
