// The build service: .lazy → plan → packaged graphs → each target through the copy
// engine. Reports progress as events and returns one result per artifact; a failed
// target is recorded and the rest go on.
import { OciLayoutStore } from '../content/oci-layout-store.js';
import { DigestCache, digestCachePath } from '../content/digest-cache.js';
import type { Fetcher, MountSource, Target } from '../content/store.js';
import type { Descriptor } from '../oci/types.js';
import { CopySession } from '../copy/copy-graph.js';
import type { CopyEvent } from '../copy/events.js';
import { isGraphNode } from '../copy/manifest-children.js';
import { mountSourceOf } from '../copy/mount.js';
import { LazyOciError } from '../errors/index.js';
import type { ArtifactType } from '../config/types.js';
import type { RegistryClient, RegistryClientOptions } from '../registry/client/registry-client.js';
import type { BaseRegistryAccess } from '../build/builder.js';
import { externalPackagingReason, packageArtifact, type PackagedArtifact } from './package-artifact.js';
import { planFromOptions, referencesOf, type PlannedArtifact, type PlannedTarget } from './plan.js';
import { PushedBlobs } from './pushed-blobs.js';
import { indexReferrer, isReferrerStore } from './index-referrer.js';

/**
 * `--dry-run`: `plan` packages what lazyoci can on its own (files, charts, docker
 * archives) and lists image builds and daemon images without a digest; `build` runs
 * the builders too, so every digest is exact. Neither sends anything.
 */
export type DryRun = 'plan' | 'build';

export interface BuildOptions {
  file?: string;
  positional?: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  tag?: string;
  /** `-a`, repeatable. */
  artifact?: string | readonly string[];
  /** `--platform`, repeatable: overrides the platforms of image artifacts. */
  platforms?: string[];
  /** Unset: a real run. */
  dryRun?: DryRun;
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
  /** A dry run left this artifact unpackaged (it needs a builder or the daemon); `note` says so. */
  | { type: 'not-packaged'; artifact: string; note: string }
  | { type: 'copy'; artifact: string; target: string; event: CopyEvent }
  | { type: 'target-done'; artifact: string; target: string; digest: string; tags: string[] }
  | { type: 'target-failed'; artifact: string; target: string; error: LazyOciError | Error };

export interface TargetResult {
  reference: string;
  /** Null only in a dry run that did not compute it; `note` says why. */
  digest: string | null;
  pushed: boolean;
  error?: string;
  note?: string;
  /**
   * Blobs of this push to the target's repository (the same figures on each of its
   * tags): uploaded, mounted from another repository of the registry, already there.
   * Only for targets a push was attempted to.
   */
  uploaded?: number;
  mounted?: number;
  skipped?: number;
  /** A referrer (`subject:`): the subject's digest, and how the target lists the referrer. */
  subject?: string;
  listedBy?: 'api' | 'fallback';
}

export interface ArtifactResult {
  name: string;
  type: string;
  /** Bytes of the packaged graph (manifest, config, layers); absent when nothing was packaged. */
  size?: number;
  targets: TargetResult[];
}


/** The references a target's results name: one per tag, or the digest for a referrer (no tags). */
function rowsOf(target: PlannedTarget, digest: string | null): string[] {
  if (target.tags.length > 0) return referencesOf(target);
  return [digest === null || digest === '' ? target.display : `${target.display}@${digest}`];
}

function failAll(artifact: PlannedArtifact, digest: string, message: string): ArtifactResult {
  return {
    name: artifact.name,
    type: artifact.type,
    targets: artifact.targets.flatMap((t) => rowsOf(t, digest).map((reference) => ({ reference, digest, pushed: false, error: message }))),
  };
}

/** One push to one target: the copy session, what it has tagged and its blob counts. */
interface TargetPush {
  session: CopySession;
  tagged: Set<string>;
  /** The destination had the root already (nothing was PUT). */
  existed: boolean;
  uploaded: number;
  mounted: number;
}

/**
 * A push of `source` to `destination`. Every blob that lands there (or already was) is
 * remembered, and blobs the destination lacks are mounted from a repository of the same
 * registry that got them earlier in this build (issue: one upload per registry).
 */
function startPush(
  source: Fetcher,
  artifact: PlannedArtifact,
  target: PlannedTarget,
  destination: Target,
  opts: BuildOptions,
  pushed: PushedBlobs,
): TargetPush {
  const here: MountSource | undefined = mountSourceOf(destination);
  const push: TargetPush = {
    tagged: new Set<string>(),
    existed: false,
    uploaded: 0,
    mounted: 0,
    session: new CopySession(source, destination, {
      ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      ...(here === undefined ? {} : { mountFrom: (desc: Descriptor) => pushed.sourceFor(desc.digest, here) }),
      onEvent: (event) => {
        if (event.type === 'exists') push.existed = true;
        countEvent(push, event, here, pushed);
        opts.onEvent?.({ type: 'copy', artifact: artifact.name, target: target.display, event });
      },
    }),
  };
  return push;
}

function countEvent(push: TargetPush, event: CopyEvent, here: MountSource | undefined, pushed: PushedBlobs): void {
  if (event.type === 'tagged') push.tagged.add(event.tag);
  if (isGraphNode(event.descriptor)) return;
  if (event.type === 'copied') push.uploaded++;
  else if (event.type === 'mounted') push.mounted++;
  else if (event.type !== 'skipped') return;
  if (here !== undefined) pushed.record(event.descriptor.digest, here);
}

async function pushTarget(
  packaged: PackagedArtifact,
  artifact: PlannedArtifact,
  target: PlannedTarget,
  destination: Target,
  opts: BuildOptions,
  pushed: PushedBlobs,
  started?: TargetPush,
  subject?: Descriptor,
): Promise<TargetResult[]> {
  const digest = packaged.root.digest;
  const push = started ?? startPush(packaged.store, artifact, target, destination, opts, pushed);
  const counts = (): Pick<TargetResult, 'uploaded' | 'mounted' | 'skipped'> => ({
    uploaded: push.uploaded,
    mounted: push.mounted,
    // The registry had the rest: checked one by one, or all at once when it had the root.
    skipped: Math.max(0, packaged.blobs.length - push.uploaded - push.mounted),
  });
  try {
    await push.session.copy(packaged.root, target.tags);
    // Complete now, whether blob by blob or because the registry already had the root.
    const here = mountSourceOf(destination);
    if (here !== undefined) for (const blob of packaged.blobs) pushed.record(blob.digest, here);
    // A referrer is listed where its subject's readers look (an OCI layout has no such list).
    let listed: Pick<TargetResult, 'subject' | 'listedBy'> = {};
    if (subject !== undefined) {
      listed = { subject: subject.digest };
      if (isReferrerStore(destination)) {
        const indexed = await indexReferrer(destination, subject.digest, packaged.root, packaged.manifest, { existed: push.existed });
        listed.listedBy = indexed.via;
      }
    }
    opts.onEvent?.({ type: 'target-done', artifact: artifact.name, target: target.display, digest, tags: [...target.tags] });
    return rowsOf(target, digest).map((reference) => ({ reference, digest, pushed: true, ...counts(), ...listed }));
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    if (!(err instanceof LazyOciError) || err.exitCode === 130) throw err;
    opts.onEvent?.({ type: 'target-failed', artifact: artifact.name, target: target.display, error });
    const partial = { uploaded: push.uploaded, mounted: push.mounted };
    if (target.tags.length === 0) return [{ reference: `${target.display}@${digest}`, digest, pushed: false, error: error.message, ...partial }];
    return target.tags.map((tag) =>
      push.tagged.has(tag)
        ? { reference: `${target.display}:${tag}`, digest, pushed: true, ...partial }
        : { reference: `${target.display}:${tag}`, digest, pushed: false, error: error.message, ...partial },
    );
  }
}

/** A dry run's entry for an artifact it did not package: every reference, no digest. */
function notComputed(artifact: PlannedArtifact, note: string): ArtifactResult {
  return {
    name: artifact.name,
    type: artifact.type,
    targets: artifact.targets.flatMap((t) => rowsOf(t, null).map((reference) => ({ reference, digest: null, pushed: false, note }))),
  };
}

/** The registry client's answer in the form image builders take. */
function builderAccessFrom(access: Awaited<ReturnType<RegistryClient['builderAccess']>>): BaseRegistryAccess {
  const c = access.credential;
  if (c === undefined) return { insecure: access.insecure };
  return {
    insecure: access.insecure,
    credential:
      c.kind === 'basic'
        ? { username: c.username, password: c.password }
        : { identityToken: c.token, ...(c.username === undefined ? {} : { username: c.username }) },
  };
}

export async function runBuild(opts: BuildOptions): Promise<ArtifactResult[]> {
  const plan = await planFromOptions(opts);
  const results: ArtifactResult[] = [];
  const pushing = opts.dryRun === undefined && opts.noPush !== true;
  const pushed = new PushedBlobs();
  let client: RegistryClient | undefined;
  // Flag and env credentials go to one registry: the first registry target in plan order
  // unless the caller named one (--registry); the other targets use the rest of the chain.
  const firstRegistry = plan.artifacts.flatMap((a) => a.targets).find((t) => t.kind === 'registry')?.repository.registry;
  const credentialRegistry = opts.registry.credentialRegistry ?? firstRegistry;
  const destinationOf = async (target: PlannedTarget): Promise<Target> => {
    if (target.kind === 'layout') return new OciLayoutStore(target.path, { name: target.display, within: plan.lazy.dir });
    client ??= await opts.openClient({ ...opts.registry, ...(credentialRegistry === undefined ? {} : { credentialRegistry }) });
    return client.repository(target.repository, 'push');
  };
  const digests = plan.artifacts.some((a) => a.type === 'artifact') ? await DigestCache.open(digestCachePath(opts.env)) : undefined;
  /** Each packaged artifact's root, for the artifacts that name it as their subject. */
  const roots = new Map<string, Descriptor>();
  try {
    for (const artifact of plan.artifacts) {
      opts.onEvent?.({
        type: 'packaging',
        artifact: artifact.name,
        artifactType: artifact.type,
        targets: artifact.targets.map((t) => ({ target: t.display, tags: [...t.tags] })),
        push: pushing,
      });
      const subject = artifact.subject === undefined ? undefined : roots.get(artifact.subject);
      if (artifact.subject !== undefined && subject === undefined) {
        const why = `its subject ${artifact.subject} has no digest`;
        if (opts.dryRun === 'plan') {
          opts.onEvent?.({ type: 'not-packaged', artifact: artifact.name, note: `not computed: ${why} yet` });
          results.push(notComputed(artifact, `not computed: ${why} yet`));
        } else {
          results.push(failAll(artifact, '', `not pushed: ${why} (it was not built)`));
        }
        continue;
      }
      const note = opts.dryRun === 'plan' ? externalPackagingReason(artifact) : undefined;
      if (note !== undefined) {
        opts.onEvent?.({ type: 'not-packaged', artifact: artifact.name, note });
        results.push(notComputed(artifact, note));
        continue;
      }
      // Blobs the packager had to hash go to the first target while it hashes the rest.
      const first = pushing ? artifact.targets[0] : undefined;
      const firstDestination = first === undefined ? undefined : await destinationOf(first);
      // Connecting and logging in overlap the hashing of the first files.
      void firstDestination?.prepare?.();
      let early: TargetPush | undefined;
      let packaged: PackagedArtifact;
      try {
        packaged = await packageArtifact(artifact, {
          env: opts.env,
          baseRegistries: async (host) => {
            client ??= await opts.openClient(opts.registry);
            return builderAccessFrom(await client.builderAccess(host));
          },
          ...(opts.registry.caFile === undefined ? {} : { caFile: opts.registry.caFile }),
          ...(opts.signal === undefined ? {} : { signal: opts.signal }),
          ...(digests === undefined ? {} : { digests }),
          ...(subject === undefined ? {} : { subject }),
          ...(first === undefined || firstDestination === undefined
            ? {}
            : {
                onBlob: (desc: Descriptor, store: Fetcher) => {
                  early ??= startPush(store, artifact, first, firstDestination, opts, pushed);
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
      roots.set(artifact.name, packaged.root);
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
            targets.push(...rowsOf(target, packaged.root.digest).map((reference) => ({ reference, digest: packaged.root.digest, pushed: false })));
            continue;
          }
          const destination = i === 0 && firstDestination !== undefined ? firstDestination : await destinationOf(target);
          targets.push(...(await pushTarget(packaged, artifact, target, destination, opts, pushed, i === 0 ? early : undefined, subject)));
        }
      } finally {
        await packaged.cleanup?.();
      }
      results.push({ name: artifact.name, type: artifact.type, size: packaged.totalSize, targets });
    }
  } finally {
    await client?.close();
    // Best effort: a cache that cannot be written only means hashing again next time.
    await digests?.save().catch(() => undefined);
  }
  return results;
}
