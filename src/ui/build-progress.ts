// Progress of a whole build: a reducer over BuildEvents that keeps, per artifact, its
// packaging outcome and one TransferProgress per target. Pure: the clock is handed in.
import type { ArtifactType } from '../config/types.js';
import { LazyOciError } from '../errors/index.js';
import type { BuildEvent } from '../ops/build.js';
import { TransferProgress, type TransferSnapshot } from './transfer-progress.js';

/** `not-packaged`: a dry run listed it without packaging it (an image build, a daemon image). */
export type ArtifactState = 'packaging' | 'packaged' | 'not-packaged' | 'failed';

export interface TargetSnapshot extends TransferSnapshot {
  name: string;
  tags: string[];
}

export interface ArtifactSnapshot {
  name: string;
  artifactType: ArtifactType;
  state: ArtifactState;
  /** False for --dry-run and --no-push: targets are listed but never sent to. */
  push: boolean;
  digest?: string;
  size?: number;
  blobs?: number;
  error?: string;
  hint?: string;
  /** Why a dry run has no digest for it (state `not-packaged`). */
  note?: string;
  targets: TargetSnapshot[];
}

/** The target name build.ts reports when packaging, not a target, failed. */
const PACKAGING = '(packaging)';

interface TargetEntry {
  name: string;
  tags: string[];
  progress: TransferProgress;
}

interface ArtifactEntry {
  name: string;
  artifactType: ArtifactType;
  state: ArtifactState;
  push: boolean;
  packaged?: { digest: string; size: number; blobs: number };
  error?: { message: string; hint?: string };
  note?: string;
  targets: TargetEntry[];
}

function describe(error: Error): { message: string; hint?: string } {
  return error instanceof LazyOciError && error.hint !== undefined ? { message: error.message, hint: error.hint } : { message: error.message };
}

export class BuildProgressModel {
  readonly #clock: () => number;
  readonly #artifacts: ArtifactEntry[] = [];

  constructor(clock: () => number = () => performance.now()) {
    this.#clock = clock;
  }

  apply(event: BuildEvent): void {
    const now = this.#clock();
    if (event.type === 'packaging') {
      this.#artifacts.push({
        name: event.artifact,
        artifactType: event.artifactType,
        state: 'packaging',
        push: event.push,
        targets: event.targets.map((t) => ({ name: t.target, tags: [...t.tags], progress: new TransferProgress() })),
      });
      return;
    }
    const artifact = this.#artifact(event.artifact);
    if (artifact === undefined) return;
    switch (event.type) {
      case 'packaged':
        artifact.state = 'packaged';
        artifact.packaged = { digest: event.digest, size: event.size, blobs: event.blobs };
        for (const t of artifact.targets) t.progress.setTotal({ bytes: event.size, blobs: event.blobs });
        break;
      case 'not-packaged':
        artifact.state = 'not-packaged';
        artifact.note = event.note;
        break;
      case 'copy':
        this.#target(artifact, event.target)?.progress.apply(event.event, now);
        break;
      case 'target-done':
        this.#target(artifact, event.target)?.progress.finish(now, event.digest);
        break;
      case 'target-failed': {
        const { message, hint } = describe(event.error);
        if (event.target === PACKAGING) {
          artifact.state = 'failed';
          artifact.error = hint === undefined ? { message } : { message, hint };
        } else this.#target(artifact, event.target)?.progress.fail(now, message, hint);
        break;
      }
    }
  }

  /**
   * The run stopped (Ctrl-C, an error that ends the build): whatever had not finished
   * is marked failed with `reason`, so the last frame does not show a transfer running.
   */
  interrupt(reason: string): void {
    const now = this.#clock();
    for (const a of this.#artifacts) {
      if (a.state === 'failed' || !a.push) continue;
      if (a.state === 'packaging') {
        a.state = 'failed';
        a.error = { message: reason };
      }
      for (const t of a.targets) t.progress.fail(now, reason);
    }
  }

  snapshot(): ArtifactSnapshot[] {
    const now = this.#clock();
    return this.#artifacts.map((a) => ({
      name: a.name,
      artifactType: a.artifactType,
      state: a.state,
      push: a.push,
      ...(a.packaged === undefined ? {} : a.packaged),
      ...(a.note === undefined ? {} : { note: a.note }),
      ...(a.error === undefined ? {} : a.error.hint === undefined ? { error: a.error.message } : { error: a.error.message, hint: a.error.hint }),
      targets: a.targets.map((t) => ({ ...t.progress.snapshot(now), name: t.name, tags: [...t.tags] })),
    }));
  }

  /** Events of one artifact arrive in order, so the latest of that name is the one meant. */
  #artifact(name: string): ArtifactEntry | undefined {
    for (let i = this.#artifacts.length - 1; i >= 0; i--) if (this.#artifacts[i]!.name === name) return this.#artifacts[i];
    return undefined;
  }

  /** A target listed twice is pushed twice, one after the other: the first unfinished one. */
  #target(artifact: ArtifactEntry, name: string): TargetEntry | undefined {
    const matches = artifact.targets.filter((t) => t.name === name);
    return matches.find((t) => !t.progress.final) ?? matches.at(-1);
  }
}
