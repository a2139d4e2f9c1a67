// `lazyoci mirror`: charts and the images they use, and image sets by tag rules, into the
// target registry of a mirror.yaml — or into one OCI layout for an air gap, and from it later.
import path from 'node:path';
import { Command } from 'commander';
import { loadMirrorFile, MIRROR_FILE_NAME } from '../config/load-mirror-file.js';
import type { MirrorFile } from '../config/mirror-types.js';
import { UsageError } from '../errors/index.js';
import { mirrorToLayout, parseLayoutLocation, pushLayout } from '../ops/mirror/air-gap.js';
import { findHelm } from '../ops/mirror/helm-template.js';
import { lockFilePath, writeLockFile } from '../ops/mirror/lock-file.js';
import { planMirror, registryDestination, runMirror, type ImageItem, type MirrorOptions, type MirrorResult } from '../ops/mirror/mirror.js';
import { parseReference, type Reference } from '../ref/reference.js';
import type { RegistryClient } from '../registry/client/registry-client.js';
import { startMirrorProgress, type MirrorProgress } from '../ui/mirror-progress.js';
import { mirrorText, whyText } from '../ui/mirror-text.js';
import { closingProgress } from '../ui/progress-reporter.js';
import { renderOutput } from '../ui/output.js';
import { runCancellable } from './cancellation.js';
import { globalOptions, registryOptions, type CommandIO, type GlobalOptions } from './context.js';

interface MirrorFlags {
  config: string;
  chart?: string;
  all?: boolean;
  dryRun?: boolean;
  force?: boolean;
  chartsOnly?: boolean;
  imagesOnly?: boolean;
  to?: string;
  from?: string;
  why?: string;
}

/** Default copy engine concurrency (copy-graph.ts), kept here so --help loads no engine. */
const DEFAULT_CONCURRENCY = 4;

function checkFlags(f: MirrorFlags): void {
  const pairs: [keyof MirrorFlags, keyof MirrorFlags][] = [
    ['chart', 'all'],
    ['chartsOnly', 'imagesOnly'],
    ['to', 'from'],
    ['why', 'to'],
    ['why', 'from'],
    ['from', 'chart'],
  ];
  const flag = (k: string): string => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  for (const [a, b] of pairs) {
    if (f[a] !== undefined && f[a] !== false && f[b] !== undefined && f[b] !== false) throw new UsageError(`${flag(a)} and ${flag(b)} cannot be used together`);
  }
}

/** A registry client whose settings mark the target insecure when mirror.yaml says so (and only it). */
async function openClient(g: GlobalOptions, io: CommandIO, version: string, config: MirrorFile, signal: AbortSignal): Promise<RegistryClient> {
  const [{ RegistryClient }, { loadSettings }] = await Promise.all([import('../registry/client/registry-client.js'), import('../settings/index.js')]);
  const settings = await loadSettings(io.env);
  if (config.target.insecure) {
    const name = config.target.registry;
    const saved = settings.registries.find((r) => r.name === name);
    settings.registries = [...settings.registries.filter((r) => r !== saved), { ...(saved ?? {}), name, insecure: true }];
  }
  return RegistryClient.create({ ...registryOptions(g, io.env, version, settings, config.target.registry), signal });
}

/**
 * `--why host/repo` matches every tag of that repository, `--why host/repo:1.25` that tag;
 * a name without a host (`nginx`, `team/app`) matches that path on any registry.
 */
function whyMatches(text: string, images: ImageItem[]): ImageItem[] {
  let wanted: Reference;
  try {
    wanted = parseReference(text);
  } catch (err) {
    throw new UsageError(`--why: ${(err as Error).message}`);
  }
  return images.filter((i) =>
    [i.source, i.target].some((s) => {
      if (s === '') return false;
      const ref = parseReference(s);
      return (
        ref.registry === wanted.registry &&
        ref.repository === wanted.repository &&
        (wanted.tag === undefined || ref.tag === wanted.tag) &&
        (wanted.digest === undefined || ref.digest === wanted.digest)
      );
    }) || (!/^[^/]*[.:]/.test(text) && (i.source.endsWith(`/${text}`) || i.source.includes(`/${text}:`) || i.source.includes(`/${text}@`))),
  );
}

export function mirrorCommand(io: CommandIO, version: string): Command {
  return new Command('mirror')
    .description('mirror charts (Helm repository, OCI, local) and the images they use, and image sets by tag rules, into one registry or an air-gap OCI layout')
    .option('-c, --config <file>', 'the mirror file', MIRROR_FILE_NAME)
    .option('--chart <key>', 'only this upstream (its key under upstreams) and its images')
    .option('--all', 'every upstream and image set (the default)')
    .option('--dry-run', 'resolve everything from the sources and print the plan with digests; nothing is sent to the target')
    .option('--force', 'copy even what the target already holds at the same digest')
    .option('--charts-only', 'push the charts, not their images or image sets')
    .option('--images-only', 'copy the images, not the charts')
    .option('--to <oci-layout:DIR|FILE.tar>', 'write everything into one OCI layout instead of the target registry (air gap)')
    .option('--from <oci-layout:DIR|FILE.tar>', 'push a layout written by --to to the target registry')
    .option('--why <image>', 'print where each chart names IMAGE (nothing is sent to the target)')
    .action(async function (this: Command) {
      const f = this.opts<MirrorFlags>();
      const g = globalOptions(this);
      checkFlags(f);
      const config = await loadMirrorFile(f.config, { cwd: io.cwd });
      const to = f.to === undefined ? undefined : parseLayoutLocation(f.to, '--to');
      const from = f.from === undefined ? undefined : parseLayoutLocation(f.from, '--from');
      const dryRun = f.dryRun === true || f.why !== undefined;
      const where = to !== undefined ? `oci-layout:${to.path}` : from !== undefined ? `${config.target.url} from oci-layout:${from.path}` : config.target.url;
      // Started before runCancellable, so the view's own exit hook is not the last SIGINT listener.
      const progress: MirrorProgress =
        f.why === undefined
          ? await startMirrorProgress({ stream: process.stderr, write: io.stderr, env: io.env, quiet: g.quiet }, where)
          : { onEvent: () => undefined, close: async () => undefined };

      const result = await closingProgress(progress, () => runCancellable(async (signal): Promise<MirrorResult> => {
        const client = await openClient(g, io, version, config, signal);
        const opts: MirrorOptions = {
          config,
          ...(f.chart === undefined ? {} : { chart: f.chart }),
          dryRun,
          force: f.force === true,
          chartsOnly: f.chartsOnly === true,
          imagesOnly: f.imagesOnly === true,
          concurrency: g.concurrency ?? DEFAULT_CONCURRENCY,
          signal,
          onEvent: progress.onEvent,
        };
        const helm = from === undefined && f.chartsOnly !== true ? await findHelm(io.env) : undefined;
        if (helm !== undefined) opts.helm = helm;
        try {
          if (from !== undefined) return await pushLayout(client, { ...from, path: path.resolve(io.cwd, from.path) }, opts);
          const plan = await planMirror(client, opts);
          if (dryRun) return await runMirror(plan, undefined, opts);
          if (to !== undefined) return await mirrorToLayout(plan, { ...to, path: path.resolve(io.cwd, to.path) }, opts);
          return await runMirror(plan, registryDestination(client), opts);
        } finally {
          await client.close();
        }
      }));

      if (f.why !== undefined) {
        const matches = whyMatches(f.why, result.images);
        io.stdout(renderOutput(g.output, matches.map((m) => ({ source: m.source, target: m.target, foundIn: m.foundIn })), () => whyText(f.why!, matches)));
        if (matches.length === 0) io.setExitCode(1);
        return;
      }
      let lockFile: string | undefined;
      if (!result.dryRun) {
        lockFile = lockFilePath(config.file);
        await writeLockFile(lockFile, result);
      }
      const data = lockFile === undefined ? result : { ...result, lockFile };
      io.stdout(renderOutput(g.output, data, () => `${mirrorText(result)}${lockFile === undefined ? '' : `\nlock file: ${lockFile}`}`));
      const failed = result.summary.charts.failed + result.summary.images.failed;
      if (failed > 0) io.setExitCode(1);
    });
}
