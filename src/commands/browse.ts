// `lazyoci browse tags`: list what a repository holds.
import { Command, InvalidArgumentError } from 'commander';
import { parseRepository } from '../ref/reference.js';
import { renderOutput } from '../ui/output.js';
import { globalOptions, openRegistryClient, type CommandIO } from './context.js';

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number of 0 or more');
  return n;
}

export function browseCommand(io: CommandIO, version: string): Command {
  const browse = new Command('browse').description('look at what a registry holds');
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
      const client = await openRegistryClient(g, io, version);
      try {
        let tags = await client.repository(ref, 'pull').tags();
        if (opts.filter !== undefined) tags = tags.filter((t) => t.includes(opts.filter!));
        tags = tags.slice(opts.offset ?? 0, opts.limit === undefined ? undefined : (opts.offset ?? 0) + opts.limit);
        io.stdout(renderOutput(g.output, tags, (t) => t.join('\n')));
      } finally {
        await client.close();
      }
    });
  return browse;
}
