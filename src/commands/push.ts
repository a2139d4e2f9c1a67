// `lazyoci push FILE[:MEDIATYPE]… REF`: a Helm chart .tgz, an OCI layout or a docker archive
// as its own graph, or any files as one artifact with a titled layer each.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { UsageError } from '../errors/index.js';
import { pushFile } from '../ops/push-file.js';
import { parseAnnotations, parseFileArgument, pushFiles, type PushFilesInput } from '../ops/push-files.js';
import { choosePushRoute } from '../ops/push-input.js';
import { formatReference, parseReference } from '../ref/reference.js';
import { renderOutput } from '../ui/output.js';
import { closingProgress, startTransferProgress } from '../ui/progress-reporter.js';
import { pushFileData, pushFilesData, pushFilesText, pushFileText } from '../ui/push-file-text.js';
import { runCancellable } from './cancellation.js';
import { globalOptions, openRegistryClient, type CommandIO } from './context.js';

interface PushFlags {
  refName?: string;
  artifactType?: string;
  annotation: string[];
}

export function pushCommand(io: CommandIO, version: string): Command {
  return new Command('push')
    .description(
      'push a Helm chart .tgz, an OCI image layout (directory or tar) or a docker-archive tar; ' +
        'or any files as one OCI artifact, one layer per file titled with its name',
    )
    .usage('[options] <file[:mediatype]...> <reference>')
    .argument(
      '<file...>',
      'chart .tgz, layout directory, layout .tar/.tar.gz, docker save .tar — or any files, each optionally FILE:MEDIATYPE',
    )
    .addHelpText(
      'after',
      '\nThe last argument is the reference: oci://host[:port]/repository[:tag] (oci:// optional; a chart defaults to its version).\n' +
        'A single chart, layout or docker archive keeps its own manifest; several files, a :MEDIATYPE, --artifact-type,\n' +
        'or a file that is none of those is pushed as a files artifact (empty config, artifactType, titled layers).',
    )
    .option('--ref-name <name>', "which image to push: a layout's org.opencontainers.image.ref.name or one of a docker archive's RepoTags")
    .option('--artifact-type <type>', 'push the files as an artifact of this type (default application/vnd.unknown.artifact.v1)')
    .option('--annotation <key=value>', 'a manifest annotation of a files artifact (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .action(async function (this: Command, args: string[]) {
      const opts = this.opts<PushFlags>();
      const g = globalOptions(this);
      // Check what the user typed before anything is read or sent.
      if (args.length < 2) throw new UsageError('push needs at least one FILE and a REFERENCE (the last argument)');
      const reference = parseReference(args[args.length - 1]!);
      const files: PushFilesInput[] = args.slice(0, -1).map((arg) => {
        const file = parseFileArgument(arg, existsSync(resolve(io.cwd, arg)));
        return { file, path: resolve(io.cwd, file.file) };
      });
      const annotations = parseAnnotations(opts.annotation);
      const route = await choosePushRoute(files, opts.artifactType);
      const display = files.map((f) => f.file.file).join(', ');
      if (route.route === 'archive' && Object.keys(annotations).length > 0) {
        throw new UsageError(
          `--annotation sets a files artifact's annotations; ${display} is a ${route.kind}: add --artifact-type to push it as a file, or use copy --annotation`,
        );
      }
      if (route.route === 'files' && opts.refName !== undefined) {
        throw new UsageError(`--ref-name picks an image in a layout or docker archive; ${display} is pushed as files`);
      }
      // Started before runCancellable, so the view's own exit hook is not the last SIGINT listener.
      const progress = await startTransferProgress(
        { stream: process.stderr, write: io.stderr, env: io.env, quiet: g.quiet },
        { title: `${display} → ${formatReference(reference)}`, verb: 'uploaded' },
      );
      const common = {
        signal: undefined as AbortSignal | undefined,
        ...(g.concurrency === undefined ? {} : { concurrency: g.concurrency }),
        onEvent: progress.onEvent,
        ...(progress.onTotal === undefined ? {} : { onTotal: progress.onTotal }),
      };
      const output = await closingProgress(progress, () => runCancellable(async (signal) => {
        const client = await openRegistryClient(g, io, version, signal, reference.registry);
        try {
          const target = client.repository(reference, 'push');
          if (route.route === 'files') {
            const result = await pushFiles(target, {
              ...common,
              signal,
              files,
              reference,
              annotations,
              ...(opts.artifactType === undefined ? {} : { artifactType: opts.artifactType }),
            });
            return renderOutput(g.output, pushFilesData(result), pushFilesText(display));
          }
          const result = await pushFile(target, {
            ...common,
            signal,
            file: files[0]!.path,
            display,
            kind: route.kind,
            reference,
            ...(opts.refName === undefined ? {} : { refName: opts.refName }),
          });
          return renderOutput(g.output, pushFileData(result), pushFileText(display));
        } finally {
          await client.close();
        }
      }));
      io.stdout(output);
    });
}
