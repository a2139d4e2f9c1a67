// `lazyoci discover REF`: the referrers of REF, recursively, as a list, a tree or JSON.
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_DISCOVER_DEPTH, discover } from '../ops/discover.js';
import { isMediaType } from '../ops/push-files.js';
import { UsageError } from '../errors/index.js';
import { parseReference } from '../ref/reference.js';
import { renderOutput } from '../ui/output.js';
import { discoverData, discoverText, discoverTree } from '../ui/referrers-text.js';
import { runCancellable } from './cancellation.js';
import { globalOptions, openRegistryClient, type CommandIO } from './context.js';

function parseDepth(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 100) throw new InvalidArgumentError('must be a whole number from 1 to 100');
  return n;
}

export function discoverCommand(io: CommandIO, version: string): Command {
  return new Command('discover')
    .description('list the referrers of REF (signatures, SBOMs, attestations) and theirs: from the referrers API, the <alg>-<hex> fallback tag, and legacy cosign tags')
    .argument('<reference>', 'host[:port]/repository:tag or @digest (oci:// allowed)')
    .option('--artifact-type <type>', 'only referrers of this artifact type (at the first level)')
    .option('--depth <n>', `levels of referrers to follow (default ${DEFAULT_DISCOVER_DEPTH})`, parseDepth)
    .addHelpText('after', '\nOutput: -o text (a list, the default), -o tree, -o json or -o yaml.')
    .action(async function (this: Command, refInput: string) {
      const opts = this.opts<{ artifactType?: string; depth?: number }>();
      const g = globalOptions(this);
      const reference = parseReference(refInput, { defaultTag: 'latest' });
      if (opts.artifactType !== undefined && !isMediaType(opts.artifactType)) {
        throw new UsageError(`--artifact-type "${opts.artifactType}" is not a media type (type/subtype)`);
      }
      const result = await runCancellable(async (signal) => {
        const client = await openRegistryClient(g, io, version, signal, reference.registry);
        try {
          return await discover(client.repository(reference, 'pull'), {
            reference,
            ...(opts.artifactType === undefined ? {} : { artifactType: opts.artifactType }),
            ...(opts.depth === undefined ? {} : { depth: opts.depth }),
          });
        } finally {
          await client.close();
        }
      });
      io.stdout(renderOutput(g.output, discoverData(result), g.outputTree === true ? discoverTree : discoverText));
    });
}
