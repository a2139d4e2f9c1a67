// `lazyoci attach REF FILE[:MEDIATYPE]… --artifact-type T`: files as an OCI 1.1 referrer of
// REF (or of its platform manifests), listed by the referrers API or the fallback tag.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { UsageError } from '../errors/index.js';
import { attach } from '../ops/attach.js';
import { parseAnnotations, parseFileArgument, type PushFilesInput } from '../ops/push-files.js';
import { formatReference, parseReference } from '../ref/reference.js';
import { renderOutput } from '../ui/output.js';
import { closingProgress, startTransferProgress } from '../ui/progress-reporter.js';
import { attachData, attachText } from '../ui/referrers-text.js';
import { terminalSafe } from '../ui/terminal-safe.js';
import { runCancellable } from './cancellation.js';
import { globalOptions, openRegistryClient, type CommandIO } from './context.js';

interface AttachFlags {
  artifactType?: string;
  annotation: string[];
  platform?: string;
  allPlatforms?: boolean;
}

export function attachCommand(io: CommandIO, version: string): Command {
  return new Command('attach')
    .description("push files as an artifact that refers to REF's manifest (OCI 1.1 subject): found through the referrers API, or the <alg>-<hex> fallback tag")
    .usage('[options] <reference> <file[:mediatype]...>')
    .argument('<reference>', 'the subject: host[:port]/repository:tag or @digest (oci:// allowed)')
    .argument('<file...>', 'files, each optionally FILE:MEDIATYPE; one titled layer each')
    .option('--artifact-type <type>', 'the artifact type, e.g. application/spdx+json (required)')
    .option('--annotation <key=value>', 'a manifest annotation (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('--platform <os/arch[/variant]>', "attach to this platform's manifest of an index")
    .option('--all-platforms', "attach to every platform's manifest of an index (one artifact each)")
    .action(async function (this: Command, refInput: string, fileArgs: string[]) {
      const opts = this.opts<AttachFlags>();
      const g = globalOptions(this);
      if (opts.artifactType === undefined) throw new UsageError('attach needs --artifact-type TYPE (for example application/spdx+json)');
      if (opts.platform !== undefined && opts.allPlatforms === true) throw new UsageError('--platform and --all-platforms exclude each other');
      const reference = parseReference(refInput, { defaultTag: 'latest' });
      const files: PushFilesInput[] = fileArgs.map((arg) => {
        const file = parseFileArgument(arg, existsSync(resolve(io.cwd, arg)));
        return { file, path: resolve(io.cwd, file.file) };
      });
      const annotations = parseAnnotations(opts.annotation);
      const progress = await startTransferProgress(
        { stream: process.stderr, write: io.stderr, env: io.env, quiet: g.quiet },
        { title: `${fileArgs.join(', ')} → ${formatReference(reference)}`, verb: 'uploaded' },
      );
      const warnings: string[] = [];
      const result = await closingProgress(progress, () =>
        runCancellable(async (signal) => {
          const client = await openRegistryClient(g, io, version, signal, reference.registry);
          try {
            return await attach(client.repository(reference, 'push'), {
              reference,
              files,
              artifactType: opts.artifactType!,
              annotations,
              ...(opts.platform === undefined ? {} : { platform: opts.platform }),
              ...(opts.allPlatforms === true ? { allPlatforms: true } : {}),
              signal,
              ...(g.concurrency === undefined ? {} : { concurrency: g.concurrency }),
              onCopyEvent: progress.onEvent,
              onEvent: (event) => {
                if (event.type === 'warning') warnings.push(event.message);
              },
            });
          } finally {
            await client.close();
          }
        }),
      );
      for (const w of warnings) io.stderr(`warning: ${terminalSafe(w)}\n`);
      io.stdout(renderOutput(g.output, attachData(result), attachText));
    });
}
