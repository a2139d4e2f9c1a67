// `lazyoci push FILE oci://REF`: push a Helm chart .tgz, an OCI layout or a docker archive.
import { resolve } from 'node:path';
import { Command } from 'commander';
import { pushFile } from '../push/push-file.js';
import { formatReference, parseReference } from '../ref/reference.js';
import { renderOutput } from '../ui/output.js';
import { closingProgress, startTransferProgress } from '../ui/progress-reporter.js';
import { pushFileData, pushFileText } from '../ui/push-file-text.js';
import { runCancellable } from './cancellation.js';
import { globalOptions, openRegistryClient, type CommandIO } from './context.js';

export function pushCommand(io: CommandIO, version: string): Command {
  return new Command('push')
    .description('push a Helm chart .tgz, an OCI image layout (directory or tar) or a docker-archive tar')
    .argument('<file>', 'chart .tgz, layout directory, layout .tar/.tar.gz, or docker save / docker-archive .tar')
    .argument('<reference>', 'oci://host[:port]/repository[:tag] (oci:// optional; a chart defaults to its version)')
    .option('--ref-name <name>', "which image to push: a layout's org.opencontainers.image.ref.name or one of a docker archive's RepoTags")
    .action(async function (this: Command, file: string, input: string) {
      const opts = this.opts<{ refName?: string }>();
      const g = globalOptions(this);
      // Check what the user typed before anything is read or sent.
      const reference = parseReference(input);
      // Started before runCancellable, so the view's own exit hook is not the last SIGINT listener.
      const progress = await startTransferProgress(
        { stream: process.stderr, write: io.stderr, env: io.env, quiet: g.quiet },
        { title: `${file} → ${formatReference(reference)}`, verb: 'uploaded' },
      );
      const result = await closingProgress(progress, () => runCancellable(async (signal) => {
        const client = await openRegistryClient(g, io, version, signal, reference.registry);
        try {
          return await pushFile(client.repository(reference, 'push'), {
            file: resolve(io.cwd, file),
            display: file,
            reference,
            ...(opts.refName === undefined ? {} : { refName: opts.refName }),
            signal,
            ...(g.concurrency === undefined ? {} : { concurrency: g.concurrency }),
            onEvent: progress.onEvent,
            ...(progress.onTotal === undefined ? {} : { onTotal: progress.onTotal }),
          });
        } finally {
          await client.close();
        }
      }));
      io.stdout(renderOutput(g.output, pushFileData(result), pushFileText(file)));
    });
}
