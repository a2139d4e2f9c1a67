// `lazyoci browse repos|tags|manifest`: look at what a registry holds.
import { Command, InvalidArgumentError } from 'commander';
import { inspectManifest } from '../push/inspect-manifest.js';
import { formatReference, parseReference, parseRepository } from '../ref/reference.js';
import { listRepositories } from '../registry/client/catalog.js';
import { manifestData, manifestText } from '../ui/manifest-text.js';
import { listText, renderOutput } from '../ui/output.js';
import { UsageError } from '../errors/index.js';
import type { RegistryClient } from '../registry/client/registry-client.js';
import { runCancellable } from './cancellation.js';
import { globalOptions, openRegistryClient, type CommandIO, type GlobalOptions } from './context.js';

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number of 0 or more');
  return n;
}

/** A registry as `host[:port]`; `oci://` and a trailing slash are tolerated. */
function parseRegistry(input: string): string {
  const host = input.trim().replace(/^oci:\/\//, '').replace(/\/+$/, '');
  if (host === '' || host.includes('/')) {
    throw new UsageError(`invalid registry "${input}": expected host[:port], e.g. ghcr.io or localhost:5000`);
  }
  // Reuse the reference grammar (and Docker Hub's normalisation) on a placeholder
  // repository; a dotless single name would read as a Docker Hub user, so force it.
  const ref = parseRepository(host.includes('.') || host.includes(':') ? `${host}/x` : `${host}:443/x`);
  return host.includes('.') || host.includes(':') ? ref.registry : host;
}

/** One cancellable client for one look at a registry, closed afterwards. */
async function withClient<T>(
  g: GlobalOptions,
  io: CommandIO,
  version: string,
  registry: string,
  look: (client: RegistryClient) => Promise<T>,
): Promise<T> {
  return runCancellable(async (signal) => {
    const client = await openRegistryClient(g, io, version, signal, registry);
    try {
      return await look(client);
    } finally {
      await client.close();
    }
  });
}

export function browseCommand(io: CommandIO, version: string): Command {
  const browse = new Command('browse').description('look at what a registry holds');

  browse
    .command('repos')
    .description("list a registry's repositories (its catalog)")
    .argument('<registry>', 'host[:port]')
    .action(async function (this: Command, registry: string) {
      const g = globalOptions(this);
      const host = parseRegistry(registry);
      const repos = await withClient(g, io, version, host, (client) => listRepositories(client.registry(host)));
      io.stdout(renderOutput(g.output, repos, listText));
    });

  browse
    .command('tags')
    .description('list the tags of a repository')
    .argument('<repository>', 'host[:port]/repository')
    .option('--limit <n>', 'show at most N tags', nonNegative)
    .option('--offset <n>', 'skip the first N tags', nonNegative)
    .option('--filter <text>', 'only tags containing TEXT')
    .action(async function (this: Command, repository: string) {
      const opts = this.opts<{ limit?: number; offset?: number; filter?: string }>();
      const g = globalOptions(this);
      const ref = parseRepository(repository);
      const offset = opts.offset ?? 0;
      // With --limit, pages stop being fetched once offset+limit tags are known.
      const tags = await withClient(g, io, version, ref.registry, (client) =>
        client.repository(ref, 'pull').tags({
          ...(opts.limit === undefined ? {} : { limit: offset + opts.limit }),
          ...(opts.filter === undefined ? {} : { match: (t: string) => t.includes(opts.filter!) }),
        }),
      );
      const shown = tags.slice(offset, opts.limit === undefined ? undefined : offset + opts.limit);
      io.stdout(renderOutput(g.output, shown, listText));
    });

  browse
    .command('manifest')
    .description('show a manifest or index: config, layers, platforms, sizes, annotations and the kind of artifact')
    .argument('<reference>', 'host[:port]/repository[:tag][@digest] (oci:// allowed; the tag defaults to latest)')
    .action(async function (this: Command, input: string) {
      const g = globalOptions(this);
      const ref = parseReference(input, { defaultTag: 'latest' });
      const summary = await withClient(g, io, version, ref.registry, (client) =>
        inspectManifest(client.repository(ref, 'pull'), formatReference(ref), ref.digest ?? ref.tag ?? 'latest'),
      );
      io.stdout(g.output === 'text' ? renderOutput('text', summary, manifestText) : renderOutput(g.output, manifestData(summary), () => ''));
    });

  return browse;
}
