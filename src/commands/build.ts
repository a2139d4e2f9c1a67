// `lazyoci build`: validate, render, package and push every artifact/target/tag.
import { Command } from 'commander';
import { RegistryClient } from '../registry/client/registry-client.js';
import { loadSettings } from '../settings/index.js';
import { formatPlatform, parsePlatform } from '../oci/platform.js';
import { runBuild, type DryRun } from '../ops/build.js';
import { UsageError } from '../errors/index.js';
import { buildSummaryText } from '../ui/build-text.js';
import { renderOutput } from '../ui/output.js';
import { closingProgress, startBuildProgress } from '../ui/progress-reporter.js';
import { runCancellable } from './cancellation.js';
import { globalOptions, registryOptions, type CommandIO } from './context.js';

export function buildCommand(io: CommandIO, version: string): Command {
  return new Command('build')
    .description('validate the .lazy file, package every artifact and push it to every target and tag')
    .argument('[path]', '.lazy file or the directory holding it (default ./.lazy)')
    .option('-f, --file <file>', '.lazy file to use (overrides [path])')
    .option('-t, --tag <tag>', 'value of {{ .Tag }}; a semver tag also sets {{ .Version }} (default $LAZYOCI_TAG)')
    .option(
      '--dry-run [build]',
      'resolve and package, print references and digests, send nothing; image builds and daemon images are listed without a digest unless --dry-run=build',
    )
    .option('--push', 'push to every target (the default; the Go lazyoci\'s spelling)')
    .option('--no-push', 'package but do not push')
    .option('-a, --artifact <selector>', 'only this artifact: a name, else a type, else a zero-based index (repeatable: several artifacts)', collectSelector, [] as string[])
    .option('--platform <os/arch>', 'build image artifacts for this platform instead of their own (repeatable)', collect, [] as string[])
    .action(async function (this: Command, given: string | undefined) {
      const opts = this.opts<{ file?: string; tag?: string; dryRun?: boolean | string; push?: boolean; artifact: string[]; platform: string[] }>();
      // --push and --no-push both defined: unset means the default, pushing.
      const noPush = opts.push === false;
      const { dryRun, path: positional } = dryRunMode(opts.dryRun, given);
      const g = globalOptions(this);
      // Started before runCancellable, so the view's own exit hook is not the last SIGINT listener.
      const progress = await startBuildProgress({ stream: process.stderr, write: io.stderr, env: io.env, quiet: g.quiet });
      const results = await closingProgress(progress, () =>
        runCancellable((signal) =>
          runBuild({
            ...(opts.file === undefined ? {} : { file: opts.file }),
            ...(positional === undefined ? {} : { positional }),
            ...(opts.tag === undefined ? {} : { tag: opts.tag }),
            ...(opts.artifact.length === 0 ? {} : { artifact: opts.artifact }),
            ...(opts.platform.length === 0 ? {} : { platforms: opts.platform }),
            cwd: io.cwd,
            env: io.env,
            ...(dryRun === undefined ? {} : { dryRun }),
            noPush,
            registry: registryOptions(g, io.env, version),
            // Settings are read only when something is pushed, so a dry run touches no file.
            openClient: async (o) => RegistryClient.create({ ...o, settings: await loadSettings(io.env), signal }),
            signal,
            ...(g.concurrency === undefined ? {} : { concurrency: g.concurrency }),
            onEvent: progress.onEvent,
          }),
        ),
      );
      const failed = results.some((a) => a.targets.some((t) => t.error !== undefined));
      if (!(g.quiet && g.output === 'text')) {
        io.stdout(renderOutput(g.output, results, (r) => buildSummaryText(r, { dryRun: dryRun !== undefined, noPush })));
      }
      if (failed) io.setExitCode(1);
    });
}

/**
 * `--dry-run` takes an optional value, so commander hands it the word after it:
 * `build --dry-run examples/` means the path, not a mode. Only `build` is a mode.
 */
function dryRunMode(value: boolean | string | undefined, positional: string | undefined): { dryRun?: DryRun; path?: string } {
  const path = positional === undefined ? {} : { path: positional };
  if (value === undefined || value === false) return path;
  if (value === true) return { dryRun: 'plan', ...path };
  if (value === 'build') return { dryRun: 'build', ...path };
  if (positional === undefined && !value.startsWith('-')) return { dryRun: 'plan', path: value };
  throw new UsageError(`--dry-run=${value}: the only mode is --dry-run=build (build images and read daemon images too)`);
}

/** `-a` is repeatable: each one adds the artifacts it selects. */
function collectSelector(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Repeatable and comma-separated; each checked and written the canonical way (linux/arm64). */
function collect(value: string, previous: string[]): string[] {
  const given = value.split(',').map((p) => p.trim()).filter(Boolean);
  return [...previous, ...given.map((p) => formatPlatform(parsePlatform(p)))];
}
