// Remembers the digests of files lazyoci has hashed, so pushing unchanged files again
// reads nothing: $XDG_CACHE_HOME/lazyoci/digests.json (~/.cache when unset).
import type { BigIntStats } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { digestFile, isDigest } from '../oci/digest.js';
import type { Digest } from '../oci/types.js';

export interface FileDigest {
  digest: Digest;
  size: number;
}

/**
 * What must be unchanged for a remembered digest to hold. Beyond path, size and mtime,
 * ctime and the inode are compared: tools that put an old mtime back (touch -r,
 * rsync -t, tar -x) cannot put the ctime back, and a file replaced by rename has a new
 * inode. Nanosecond times, since a file rewritten within one second keeps its second.
 */
interface Entry {
  size: number;
  mtimeNs: string;
  ctimeNs: string;
  ino: string;
  dev: string;
  digest: Digest;
  /** When the entry was last used (ms since the epoch), to drop the stalest first. */
  used: number;
}

const FORMAT_VERSION = 1;
/** Enough for any project; the file stays small (about 250 bytes an entry). */
const MAX_ENTRIES = 5000;
const USED_REFRESH_MS = 24 * 60 * 60 * 1000;

export function digestCachePath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(env.HOME ?? homedir(), '.cache');
  return join(base, 'lazyoci', 'digests.json');
}

function entryMatches(entry: Entry, st: BigIntStats): boolean {
  return (
    BigInt(entry.size) === st.size &&
    entry.mtimeNs === String(st.mtimeNs) &&
    entry.ctimeNs === String(st.ctimeNs) &&
    entry.ino === String(st.ino) &&
    entry.dev === String(st.dev)
  );
}

function isEntry(value: unknown): value is Entry {
  const e = value as Partial<Entry> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    Number.isSafeInteger(e.size) &&
    typeof e.mtimeNs === 'string' &&
    typeof e.ctimeNs === 'string' &&
    typeof e.ino === 'string' &&
    typeof e.dev === 'string' &&
    typeof e.digest === 'string' &&
    isDigest(e.digest) &&
    typeof e.used === 'number'
  );
}

export class DigestCache {
  readonly #file: string | undefined;
  readonly #entries: Map<string, Entry>;
  #changed = false;

  private constructor(file: string | undefined, entries: Map<string, Entry>) {
    this.#file = file;
    this.#entries = entries;
  }

  /** A cache kept in this process only (tests, or when nothing should be written). */
  static inMemory(): DigestCache {
    return new DigestCache(undefined, new Map());
  }

  /** Load the cache file; a missing, unreadable or foreign file is an empty cache. */
  static async open(file: string): Promise<DigestCache> {
    const entries = new Map<string, Entry>();
    try {
      const doc = JSON.parse(await readFile(file, 'utf8')) as { version?: unknown; files?: unknown };
      if (doc.version === FORMAT_VERSION && typeof doc.files === 'object' && doc.files !== null) {
        for (const [path, entry] of Object.entries(doc.files)) if (isEntry(entry)) entries.set(path, entry);
      }
    } catch {
      // A cache is only ever a shortcut: any trouble reading it means hashing again.
    }
    return new DigestCache(file, entries);
  }

  /**
   * The file's digest and size: remembered when the file is unchanged, else hashed in
   * one streamed read and remembered. `hashed` says which, so a caller can tell when the
   * work took time (and overlap something with it).
   */
  async digest(path: string, signal?: AbortSignal): Promise<FileDigest & { hashed: boolean }> {
    const before = await stat(path, { bigint: true });
    const known = this.#entries.get(path);
    if (known !== undefined && entryMatches(known, before)) {
      // Refreshed at most daily, so a push of unchanged files usually writes nothing.
      if (Date.now() - known.used > USED_REFRESH_MS) {
        known.used = Date.now();
        this.#changed = true;
      }
      return { digest: known.digest, size: known.size, hashed: false };
    }
    const result = await digestFile(path, signal);
    const after = await stat(path, { bigint: true });
    // A file written while it was read is hashed again next time rather than trusted.
    const steady = after.size === before.size && after.mtimeNs === before.mtimeNs && after.ctimeNs === before.ctimeNs && BigInt(result.size) === after.size;
    if (steady) {
      this.#entries.set(path, {
        size: result.size,
        mtimeNs: String(after.mtimeNs),
        ctimeNs: String(after.ctimeNs),
        ino: String(after.ino),
        dev: String(after.dev),
        digest: result.digest,
        used: Date.now(),
      });
      this.#changed = true;
    }
    return { ...result, hashed: true };
  }

  /** Write the cache back when it changed: beside and renamed, so readers never see half. */
  async save(): Promise<void> {
    if (this.#file === undefined || !this.#changed) return;
    const kept = [...this.#entries].sort((a, b) => b[1].used - a[1].used).slice(0, MAX_ENTRIES);
    const body = JSON.stringify({ version: FORMAT_VERSION, files: Object.fromEntries(kept) });
    await mkdir(dirname(this.#file), { recursive: true });
    const temp = `${this.#file}.${process.pid}.tmp`;
    await writeFile(temp, body);
    await rename(temp, this.#file);
    this.#changed = false;
  }
}
