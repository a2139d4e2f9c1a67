// `lazyoci pull REF`: write what a reference names into an OCI image layout.
import { resolve } from 'node:path';
import { Command } from 'commander';
import type { TagMove } from '../content/oci-layout-store.js';
import { parsePlatform } from '../oci/platform.js';
import { defaultPullDest, pullToLayout } from '../ops/pull.js';
import { formatReference, parseReference } from '../ref/reference.js';
import { loadSettings } from '../settings/index.js';
import { renderOutput } from '../ui/output.js';
import { RegistryClient } from '../registry/client/registry-client.js';
import { closingProgress, startTransferProgress } from '../ui/progress-reporter.js';
import { pullData, pullSummaryLine, pullText, tagMovedWarning } from '../ui/pull-text.js';
import { UsageError } from '../errors/index.js';
import { runPullFiles } from './pull-files-action.js';
import { runCancellable } from './cancellation.js';
import { globalOptions, registryOptions, type CommandIO } from './context.js';

export function pullCommand(io: CommandIO, version: string): Command {
  return new Command('pull')
    .description('download an image, index or artifact into an OCI image layout directory')
    .argument('<reference>', 'host[:port]/repository[:tag][@digest] (oci:// allowed; the tag defaults to latest)')
    .option('-d, --dest <dir>', 'layout directory (default <artifactDir>/<registry>/<repository>)')
    .option('--platform <os/arch[/variant]>', 'from a multi-platform index, pull only this platform')
    .option(
      '--format <layout|files>',
      'layout: an OCI image layout (default); files: a Helm chart as <name>-<version>.tgz, other layers named by their title (dest defaults to the current directory)',
      'layout',
    )
    .action(async function (this: Command, input: string) {
      const opts = this.opts<{ dest?: string; platform?: string; format: string }>();
      if (opts.format !== 'layout' && opts.format !== 'files') {
        throw new UsageError(`--format "${opts.format}": expected layout or files`);
      }
      const g = globalOptions(this);
      // Check everything the user typed before anything is sent.
      const ref = parseReference(input, { defaultTag: 'latest' });
      const platform = opts.platform === undefined ? undefined : parsePlatform(opts.platform);
      const settings = await loadSettings(io.env);
      if (opts.format === 'files') return runPullFiles(io, version, g, { ref, platform, dest: opts.dest, settings });
      const root = g.artifactDir === undefined ? settings : { ...settings, artifactDir: g.artifactDir };
      const dest = opts.dest === undefined ? defaultPullDest(ref, root, io.env, io.cwd) : resolve(io.cwd, opts.dest);
      // Started before runCancellable, so the view's own exit hook is not the last SIGINT listener.
      const progress = await startTransferProgress(
        { stream: process.stderr, write: io.stderr, env: io.env, quiet: g.quiet },
        { title: `${formatReference(ref)} → ${dest}`, verb: 'pulled' },
      );
      // Printed after the live view has closed, so they are not drawn over.
      const moved: TagMove[] = [];
      const result = await closingProgress(progress, () => runCancellable(async (signal) => {
        const client = await RegistryClient.create({ ...registryOptions(g, io.env, version, settings, ref.registry), signal });
        try {
          return await pullToLayout(client.repository(ref, 'pull'), {
            reference: ref,
            dest,
            ...(platform === undefined ? {} : { platform }),
            signal,
            ...(g.concurrency === undefined ? {} : { concurrency: g.concurrency }),
            onEvent: progress.onEvent,
            ...(progress.onTotal === undefined ? {} : { onTotal: progress.onTotal }),
            onTagMoved: (move) => moved.push(move),
          });
        } finally {
          await client.close();
        }
      }));
      // A warning, even with -q: a tag another pull wrote now names something else.
      for (const move of moved) io.stderr(`${tagMovedWarning(move)}\n`);
      if (!g.quiet) io.stderr(`${pullSummaryLine(result)}\n`);
      io.stdout(renderOutput(g.output, pullData(result), pullText));
    });
}
