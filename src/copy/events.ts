// What the copy engine reports while it works; the UI decides how to show it.
import type { Descriptor } from '../oci/types.js';

export type CopyEvent =
  | { type: 'exists'; target: string; descriptor: Descriptor }
  | { type: 'skipped'; target: string; descriptor: Descriptor }
  /** A blob transfer began (after the existence check and any mount said no). */
  | { type: 'started'; target: string; descriptor: Descriptor }
  /**
   * Bytes of one blob moved so far in the current attempt. A restarted upload begins
   * again from 0, so a view shows the latest figure rather than adding them up.
   */
  | { type: 'progress'; target: string; descriptor: Descriptor; bytes: number }
  | { type: 'copied'; target: string; descriptor: Descriptor }
  /** A blob linked from another repository of the same registry; `from` is `registry/repository`. */
  | { type: 'mounted'; target: string; descriptor: Descriptor; from: string }
  | { type: 'tagged'; target: string; descriptor: Descriptor; tag: string };

export type CopyEventHandler = (event: CopyEvent) => void;
