// `lazyoci copy SRC DEST`: copy or retag an image, index or artifact between repositories.
import { Command } from 'commander';
import { copyArtifact, parseAnnotationFlags, parseSize } from '../ops/copy-artifact.js';
import { UsageError } from '../errors/index.js';
import { formatReference, parseReference } from '../ref/reference.js';
import { copyData, copyText } from '../ui/copy-text.js';
import { renderOutput } from '../ui/output.js';
import { terminalSafe } from '../ui/terminal-safe.js';
import { closingProgress, startTransferProgress } from '../ui/progress-reporter.js';
import { runCancellable } from './cancellation.js';
import { globalOptions, openRegistryClient, type CommandIO } from './context.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function copyCommand(io: CommandIO, version: string): Command {
  return new Command('copy')
    .description('copy or retag an image, index or artifact; a multi-platform index is copied in full')
    .argument('<source>', 'host[:port]/repository:tag or @digest (oci:// allowed)')
    .argument('<dest>', 'host[:port]/repository:tag (oci:// allowed); the same repository retags in place')
    .option(
      '--annotation <[index:|manifest:]key=value>',
      'set an annotation (repeatable); unscoped and manifest: keys go on the image manifest(s), index: keys on the index',
      collect,
      [] as string[],
    )
    .option('--referrers', 'copy the referrers (signatures, SBOMs, attestations) too, recursively; listed at the destination by its referrers API or the fallback tag')
    .option('--max-size <size>', 'refuse when config + layers exceed this (bytes, KB/MB/GB, KiB/MiB/GiB); not applied to a retag')
    .action(async function (this: Command, srcInput: string, destInput: string) {
      const opts = this.opts<{ annotation: string[]; maxSize?: string; referrers?: boolean }>();
      const g = globalOptions(this);
      // Check everything the user typed before anything is sent.
      const source = parseReference(srcInput, { defaultTag: 'latest' });
      const dest = parseReference(destInput);
      if (dest.tag === undefined) throw new UsageError(`destination "${destInput}" needs a tag (host/repository:tag)`);
      if (dest.digest !== undefined) throw new UsageError(`destination "${destInput}" takes a tag, not a digest`);
      const annotations = parseAnnotationFlags(opts.annotation);
      const maxSize = opts.maxSize === undefined ? undefined : parseSize(opts.maxSize);
      if (opts.referrers === true && opts.annotation.length > 0) {
        throw new UsageError('--referrers cannot be combined with --annotation: new annotations change the digests the referrers name as their subject');
      }
      const warnings: string[] = [];

      // Started before runCancellable, so the view's own exit hook is not the last SIGINT listener.
      const progress = await startTransferProgress(
        { stream: process.stderr, write: io.stderr, env: io.env, quiet: g.quiet },
        { title: `${formatReference(source)} → ${formatReference(dest)}`, verb: 'copied' },
      );
      const result = await closingProgress(progress, () => runCancellable(async (signal) => {
        // Flag and env credentials are for the registry written to, not the source (see --registry).
        const client = await openRegistryClient(g, io, version, signal, dest.registry);
        try {
          return await copyArtifact(client.repository(source, 'pull'), client.repository(dest, 'push'), {
            source,
            dest,
            annotations,
            ...(maxSize === undefined ? {} : { maxSize }),
            signal,
            ...(g.concurrency === undefined ? {} : { concurrency: g.concurrency }),
            onEvent: progress.onEvent,
            ...(opts.referrers === true ? { referrers: true, onWarning: (m: string) => warnings.push(m) } : {}),
            ...(progress.onTotal === undefined ? {} : { onTotal: progress.onTotal }),
          });
        } finally {
          await client.close();
        }
      }));
      if (!g.quiet && result.ignoredIndexAnnotations.length > 0) {
        io.stderr(
          `warning: ${formatReference(source)} is a single image, not an index; ignored index annotation${
            result.ignoredIndexAnnotations.length === 1 ? '' : 's'
          } ${result.ignoredIndexAnnotations.join(', ')}\n`,
        );
      }
      for (const w of warnings) io.stderr(`warning: ${terminalSafe(w)}\n`);
      io.stdout(renderOutput(g.output, copyData(result), () => copyText(result)));
    });
}
