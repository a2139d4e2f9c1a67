// Progress of one transfer (a build target, a pull, a copy, a push): a reducer over the
// copy engine's events that turns them into bytes, blob counts, rate, ETA and outcome.
import type { CopyEvent } from '../copy/events.js';
import { isManifestMediaType } from '../oci/media-types.js';
import { RateMeter } from './rate-meter.js';

export type TransferState = 'waiting' | 'pushing' | 'done' | 'exists' | 'failed';

export interface BlobCounts {
  /** Moved byte by byte. */
  transferred: number;
  /** Already at the destination. */
  skipped: number;
  /** Linked from another repository of the same registry. */
  mounted: number;
  /** Distinct blobs the engine has reported on so far. */
  seen: number;
  /** How many there are in all, once known. */
  total?: number;
}

export interface TransferSnapshot {
  state: TransferState;
  /** Nothing more will change: done (tags written), already there, or failed. */
  final: boolean;
  /** Bytes accounted for: finished descriptors in full, running uploads as far as they got. */
  doneBytes: number;
  /** Bytes of blobs and manifests in the whole graph, once known. */
  totalBytes?: number;
  /** Sizes of the descriptors seen so far: a lower bound while the total is unknown. */
  seenBytes: number;
  /** Bytes per second over the last few seconds. */
  rate?: number;
  etaSeconds?: number;
  blobs: BlobCounts;
  tagged: string[];
  digest?: string;
  error?: string;
  hint?: string;
  elapsedMs: number;
}

export interface TransferTotal {
  bytes: number;
  blobs: number;
}

interface Entry {
  size: number;
  blob: boolean;
  /** Latest byte count of the current attempt. */
  bytes: number;
  finished: boolean;
}

export class TransferProgress {
  readonly #entries = new Map<string, Entry>();
  readonly #meter = new RateMeter();
  readonly #tagged: string[] = [];
  #state: TransferState = 'waiting';
  #sent = 0;
  readonly #counts = { transferred: 0, skipped: 0, mounted: 0 };
  #total: TransferTotal | undefined;
  #digest: string | undefined;
  #error: { message: string; hint?: string } | undefined;
  #started: number | undefined;
  #ended: number | undefined;

  setTotal(total: TransferTotal): void {
    this.#total = total;
  }

  /** Finished one way or another: later events change nothing. */
  get final(): boolean {
    return this.#ended !== undefined;
  }

  apply(event: CopyEvent, now: number): void {
    if (this.final) return;
    this.#started ??= now;
    if (this.#state === 'waiting') this.#state = 'pushing';
    const d = event.descriptor;
    let entry = this.#entries.get(d.digest);
    if (entry === undefined) {
      entry = { size: d.size, blob: !isManifestMediaType(d.mediaType), bytes: 0, finished: false };
      this.#entries.set(d.digest, entry);
    }
    switch (event.type) {
      case 'started':
        this.#meter.record(now, this.#sent);
        break;
      case 'progress':
        // A restarted attempt counts from 0 again: every byte of it crossed the wire.
        this.#send(event.bytes >= entry.bytes ? event.bytes - entry.bytes : event.bytes, now);
        entry.bytes = event.bytes;
        break;
      case 'copied':
        this.#send(Math.max(0, entry.size - entry.bytes), now);
        this.#finish(entry, 'transferred');
        break;
      case 'skipped':
        this.#finish(entry, 'skipped');
        break;
      case 'mounted':
        this.#finish(entry, 'mounted');
        break;
      case 'exists':
        this.#state = 'exists';
        this.#digest = d.digest;
        entry.finished = true;
        break;
      case 'tagged':
        // The root is written with its first tag.
        if (!entry.finished) this.#send(entry.size, now);
        entry.finished = true;
        this.#digest = d.digest;
        if (!this.#tagged.includes(event.tag)) this.#tagged.push(event.tag);
        break;
    }
  }

  /** The transfer ended well (tags written too); `digest` is the root, when the caller knows it. */
  finish(now: number, digest?: string): void {
    if (this.final) return;
    if (this.#state !== 'exists') this.#state = 'done';
    this.#end(now);
    if (digest !== undefined) this.#digest = digest;
  }

  fail(now: number, message: string, hint?: string): void {
    if (this.final) return;
    this.#state = 'failed';
    this.#end(now);
    this.#error = hint === undefined ? { message } : { message, hint };
  }

  snapshot(now: number): TransferSnapshot {
    let doneBytes = 0;
    let seenBytes = 0;
    let seenBlobs = 0;
    for (const e of this.#entries.values()) {
      seenBytes += e.size;
      doneBytes += e.finished ? e.size : Math.min(e.bytes, e.size);
      if (e.blob) seenBlobs++;
    }
    const total = this.#total;
    const complete = this.final && this.#state !== 'failed';
    // A subtree the destination had is skipped whole, so its blobs are never reported:
    // once the transfer is complete, everything not moved or mounted was already there.
    if (complete && total !== undefined) doneBytes = total.bytes;
    const counts = { ...this.#counts };
    if (complete && total !== undefined) counts.skipped = Math.max(counts.skipped, total.blobs - counts.transferred - counts.mounted);

    const rate = this.#state === 'pushing' ? this.#meter.rate(now) : undefined;
    const remaining = total === undefined ? undefined : Math.max(0, total.bytes - doneBytes);
    const eta = rate !== undefined && rate > 0 && remaining !== undefined ? remaining / rate : undefined;
    return {
      state: this.#state,
      final: this.final,
      doneBytes,
      ...(total === undefined ? {} : { totalBytes: total.bytes }),
      seenBytes,
      ...(rate === undefined ? {} : { rate }),
      ...(eta === undefined ? {} : { etaSeconds: eta }),
      blobs: { ...counts, seen: seenBlobs, ...(total === undefined ? {} : { total: total.blobs }) },
      tagged: [...this.#tagged],
      ...(this.#digest === undefined ? {} : { digest: this.#digest }),
      ...(this.#error === undefined ? {} : this.#error.hint === undefined ? { error: this.#error.message } : { error: this.#error.message, hint: this.#error.hint }),
      elapsedMs: this.#started === undefined ? 0 : (this.#ended ?? now) - this.#started,
    };
  }

  #send(bytes: number, now: number): void {
    if (bytes <= 0) return;
    this.#sent += bytes;
    this.#meter.record(now, this.#sent);
  }

  #finish(entry: Entry, how: 'transferred' | 'skipped' | 'mounted'): void {
    if (entry.finished) return;
    entry.finished = true;
    if (entry.blob) this.#counts[how]++;
  }

  #end(now: number): void {
    this.#ended = now;
    this.#started ??= now;
  }
}
