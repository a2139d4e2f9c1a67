// The build service: .lazy → plan → packaged graphs → each target through the copy
// engine. Reports progress as events and returns one result per artifact; a failed
// target is recorded and the rest go on.
import { findLazyFile, inspectLazyFile } from '../config/index.js';
import { OciLayoutStore } from '../content/oci-layout-store.js';
import type { Target } from '../content/store.js';
import { copyGraph } from '../copy/copy-graph.js';
import type { CopyEvent } from '../copy/events.js';
import { LazyOciError } from '../errors/index.js';
import type { RegistryClient, RegistryClientOptions } from '../registry/client/registry-client.js';
import { resolveVariables } from '../template/index.js';
import { packageArtifact, type PackagedArtifact } from './package-artifact.js';
import { planBuild, type PlannedArtifact, type PlannedTarget } from './plan.js';

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

export type BuildEvent =
  | { type: 'packaged'; artifact: string; digest: string; size: number; blobs: number }
  | { type: 'copy'; artifact: string; event: CopyEvent }
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

export function referencesOf(target: PlannedTarget): string[] {
  return target.tags.map((tag) => `${target.display}:${tag}`);
}

function failAll(artifact: PlannedArtifact, digest: string, message: string): ArtifactResult {
  return {
    name: artifact.name,
    type: artifact.type,
    targets: artifact.targets.flatMap((t) => referencesOf(t).map((reference) => ({ reference, digest, pushed: false, error: message }))),
  };
}

async function pushTarget(
  packaged: PackagedArtifact,
  artifact: PlannedArtifact,
  target: PlannedTarget,
  destination: Target,
  opts: BuildOptions,
): Promise<TargetResult[]> {
  const digest = packaged.root.digest;
  const tagged = new Set<string>();
  try {
    await copyGraph(packaged.store, packaged.root, destination, target.tags, {
      ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      onEvent: (event) => {
        if (event.type === 'tagged') tagged.add(event.tag);
        opts.onEvent?.({ type: 'copy', artifact: artifact.name, event });
      },
    });
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

/** Load and plan only: what `lazyoci validate` runs, and the first half of a build. */
export async function planFromOptions(
  opts: Pick<BuildOptions, 'file' | 'positional' | 'cwd' | 'env' | 'tag' | 'artifact' | 'platforms' | 'now'>,
) {
  const path = await findLazyFile({ file: opts.file, positional: opts.positional, cwd: opts.cwd });
  const inspected = await inspectLazyFile(path, { cwd: opts.cwd });
  const vars = await resolveVariables({
    dir: inspected.lazy.dir,
    tag: opts.tag,
    env: opts.env,
    ...(opts.now ? { now: opts.now } : {}),
  });
  return planBuild(inspected, vars, {
    ...(opts.artifact === undefined ? {} : { selector: opts.artifact }),
    ...(opts.platforms === undefined ? {} : { platforms: opts.platforms }),
  });
}

export async function runBuild(opts: BuildOptions): Promise<ArtifactResult[]> {
  const plan = await planFromOptions(opts);
  const results: ArtifactResult[] = [];
  let client: RegistryClient | undefined;
  try {
    for (const artifact of plan.artifacts) {
      let packaged: PackagedArtifact;
      try {
        packaged = await packageArtifact(artifact, { env: opts.env, ...(opts.signal === undefined ? {} : { signal: opts.signal }) });
      } catch (err) {
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
        for (const target of artifact.targets) {
          if (opts.dryRun === true || opts.noPush === true) {
            targets.push(...referencesOf(target).map((reference) => ({ reference, digest: packaged.root.digest, pushed: false })));
            continue;
          }
          let destination: Target;
          if (target.kind === 'layout') destination = new OciLayoutStore(target.path, target.display);
          else {
            client ??= await opts.openClient(opts.registry);
            destination = client.repository(target.repository, 'push');
          }
          targets.push(...(await pushTarget(packaged, artifact, target, destination, opts)));
        }
      } finally {
        await packaged.cleanup?.();
      }
      results.push({ name: artifact.name, type: artifact.type, targets });
    }
  } finally {
    await client?.close();
  }
  return results;
}
