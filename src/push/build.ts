// The build service: .lazy → plan → packaged graphs → each target through the copy
// engine. Reports progress as events and returns one result per artifact; a failed
// target is recorded and the rest go on.
import { OciLayoutStore } from '../content/oci-layout-store.js';
import { DigestCache, digestCachePath } from '../content/digest-cache.js';
import type { Fetcher, Target } from '../content/store.js';
import type { Descriptor } from '../oci/types.js';
import { CopySession } from '../copy/copy-graph.js';
import type { CopyEvent } from '../copy/events.js';
import { LazyOciError } from '../errors/index.js';
import type { ArtifactType } from '../config/types.js';
import type { RegistryClient, RegistryClientOptions } from '../registry/client/registry-client.js';
import { packageArtifact, type PackagedArtifact } from './package-artifact.js';
import { planFromOptions, referencesOf, type PlannedArtifact, type PlannedTarget } from './plan.js';

export interface BuildOptions {
  file?: string;
  positional?: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  tag?: string;
  artifact?: string;
  /** `--platform`, repeatable: overrides the platforms of image artifacts. */
  platforms?: string[];
  dryRun?: boolean;
  noPush?: boolean;
  concurrency?: number;
  registry: RegistryClientOptions;
  /** Opens a registry client on first use, so a dry run never makes one. */
  openClient: (opts: RegistryClientOptions) => Promise<RegistryClient>;
  onEvent?: (event: BuildEvent) => void;
  signal?: AbortSignal;
  now?: Date;
}

/**
 * A build's progress, in order per artifact: `packaging`, then `copy` events per target
 * (for the first registry target they may begin before `packaged`: uploads overlap the
 * hashing of the remaining files), `target-done` or `target-failed` per target.
 * `target` is always the planned target's display name (`host/repo`, `oci-layout:PATH`).
 */
export type BuildEvent =
  | { type: 'packaging'; artifact: string; artifactType: ArtifactType; targets: { target: string; tags: string[] }[]; push: boolean }
  | { type: 'packaged'; artifact: string; digest: string; size: number; blobs: number }
  | { type: 'copy'; artifact: string; target: string; event: CopyEvent }
  | { type: 'target-done'; artifact: string; target: string; digest: string; tags: string[] }
  | { type: 'target-failed'; artifact: string; target: string; error: LazyOciError | Error };

export interface TargetResult {
  reference: string;
  digest: string;
  pushed: boolean;
  error?: string;
}

export interface ArtifactResult {
  name: string;
  type: string;
  targets: TargetResult[];
}


function failAll(artifact: PlannedArtifact, digest: string, message: string): ArtifactResult {
  return {
    name: artifact.name,
    type: artifact.type,
    targets: artifact.targets.flatMap((t) => referencesOf(t).map((reference) => ({ reference, digest, pushed: false, error: message }))),
  };
}

function copySession(source: Fetcher, artifact: PlannedArtifact, target: PlannedTarget, destination: Target, opts: BuildOptions, tagged: Set<string>): CopySession {
  return new CopySession(source, destination, {
    ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    onEvent: (event) => {
      if (event.type === 'tagged') tagged.add(event.tag);
      opts.onEvent?.({ type: 'copy', artifact: artifact.name, target: target.display, event });
    },
  });
}

/** A session whose blobs may already be on their way (started while packaging). */
interface StartedPush {
  session: CopySession;
  tagged: Set<string>;
}

async function pushTarget(
  packaged: PackagedArtifact,
  artifact: PlannedArtifact,
  target: PlannedTarget,
  destination: Target,
  opts: BuildOptions,
  started?: StartedPush,
): Promise<TargetResult[]> {
  const digest = packaged.root.digest;
  const tagged = started?.tagged ?? new Set<string>();
  try {
    const session = started?.session ?? copySession(packaged.store, artifact, target, destination, opts, tagged);
    await session.copy(packaged.root, target.tags);
    opts.onEvent?.({ type: 'target-done', artifact: artifact.name, target: target.display, digest, tags: [...target.tags] });
    return target.tags.map((tag) => ({ reference: `${target.display}:${tag}`, digest, pushed: true }));
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    if (!(err instanceof LazyOciError) || err.exitCode === 130) throw err;
    opts.onEvent?.({ type: 'target-failed', artifact: artifact.name, target: target.display, error });
    return target.tags.map((tag) =>
      tagged.has(tag)
        ? { reference: `${target.display}:${tag}`, digest, pushed: true }
        : { reference: `${target.display}:${tag}`, digest, pushed: false, error: error.message },
    );
  }
}

export async function runBuild(opts: BuildOptions): Promise<ArtifactResult[]> {
  const plan = await planFromOptions(opts);
  const results: ArtifactResult[] = [];
  const pushing = opts.dryRun !== true && opts.noPush !== true;
  let client: RegistryClient | undefined;
  const destinationOf = async (target: PlannedTarget): Promise<Target> => {
    if (target.kind === 'layout') return new OciLayoutStore(target.path, { name: target.display, within: plan.lazy.dir });
    client ??= await opts.openClient(opts.registry);
    return client.repository(target.repository, 'push');
  };
  const digests = plan.artifacts.some((a) => a.type === 'artifact') ? await DigestCache.open(digestCachePath(opts.env)) : undefined;
  try {
    for (const artifact of plan.artifacts) {
      opts.onEvent?.({
        type: 'packaging',
        artifact: artifact.name,
        artifactType: artifact.type,
        targets: artifact.targets.map((t) => ({ target: t.display, tags: [...t.tags] })),
        push: pushing,
      });
      // Blobs the packager had to hash go to the first target while it hashes the rest.
      const first = pushing ? artifact.targets[0] : undefined;
      const firstDestination = first === undefined ? undefined : await destinationOf(first);
      // Connecting and logging in overlap the hashing of the first files.
      void firstDestination?.prepare?.();
      let early: StartedPush | undefined;
      let packaged: PackagedArtifact;
      try {
        packaged = await packageArtifact(artifact, {
          env: opts.env,
          ...(opts.signal === undefined ? {} : { signal: opts.signal }),
          ...(digests === undefined ? {} : { digests }),
          ...(first === undefined || firstDestination === undefined
            ? {}
            : {
                onBlob: (desc: Descriptor, store: Fetcher) => {
                  if (early === undefined) {
                    const tagged = new Set<string>();
                    early = { session: copySession(store, artifact, first, firstDestination, opts, tagged), tagged };
                  }
                  early.session.prefetch(desc);
                },
              }),
        });
      } catch (err) {
        await early?.session.settle();
        if (!(err instanceof LazyOciError) || err.exitCode === 130) throw err;
        opts.onEvent?.({ type: 'target-failed', artifact: artifact.name, target: '(packaging)', error: err });
        results.push(failAll(artifact, '', err.message));
        continue;
      }
      opts.onEvent?.({
        type: 'packaged',
        artifact: artifact.name,
        digest: packaged.root.digest,
        size: packaged.totalSize,
        blobs: packaged.blobs.length,
      });

      const targets: TargetResult[] = [];
      try {
        for (const [i, target] of artifact.targets.entries()) {
          if (!pushing) {
            targets.push(...referencesOf(target).map((reference) => ({ reference, digest: packaged.root.digest, pushed: false })));
            continue;
          }
          const destination = i === 0 && firstDestination !== undefined ? firstDestination : await destinationOf(target);
          targets.push(...(await pushTarget(packaged, artifact, target, destination, opts, i === 0 ? early : undefined)));
        }
      } finally {
        await packaged.cleanup?.();
      }
      results.push({ name: artifact.name, type: artifact.type, targets });
    }
  } finally {
    await client?.close();
    // Best effort: a cache that cannot be written only means hashing again next time.
    await digests?.save().catch(() => undefined);
  }
  return results;
}
