// `lazyoci browse repos|tags|manifest`: look at what a registry holds.
import { Command, InvalidArgumentError } from 'commander';
import { inspectManifest } from '../ops/inspect-manifest.js';
import { DOCKER_HUB, formatReference, parseReference, parseRepository } from '../ref/reference.js';
import { listRepositories } from '../registry/client/catalog.js';
import { DOCKER_HUB_SEARCH_URL } from '../registry/client/docker-hub-search.js';
import { QUAY_SEARCH_URL } from '../registry/client/quay-search.js';
import { SearchCache, searchCachePath } from '../registry/client/search-cache.js';
import { DEFAULT_SEARCH_LIMIT, GHCR, MAX_SEARCH_LIMIT, searchRepositories } from '../registry/client/search.js';
import { searchText } from '../ui/search-text.js';
import { terminalSafe } from '../ui/terminal-safe.js';
import { manifestData, manifestText } from '../ui/manifest-text.js';
import { listText, renderOutput } from '../ui/output.js';
import { UsageError } from '../errors/index.js';
import type { RegistryClient } from '../registry/client/registry-client.js';
import { addInsideCommands } from './browse-inside.js';
import { runCancellable } from './cancellation.js';
import { globalOptions, openRegistryClient, type CommandIO, type GlobalOptions } from './context.js';

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number of 0 or more');
  return n;
}

function pageNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more');
  return n;
}

function searchLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_SEARCH_LIMIT) throw new InvalidArgumentError(`must be a whole number from 1 to ${MAX_SEARCH_LIMIT}`);
  return n;
}

/** A search API's base URL: the public one, or a stand-in named by a testing knob. */
function searchApiUrl(env: NodeJS.ProcessEnv, name: string, fallback: string): URL {
  const value = env[name];
  if (value === undefined || value === '') return new URL(fallback);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${name}: "${value}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`${name}: "${value}" is not an http(s) URL`);
  return url;
}

/** A registry as `host[:port]`; `oci://` and a trailing slash are tolerated. */
export function parseRegistry(input: string): string {
  const host = input.trim().replace(/^oci:\/\//, '').replace(/\/+$/, '');
  if (host === '' || host.includes('/')) {
    throw new UsageError(`invalid registry "${input}": expected host[:port], e.g. ghcr.io or localhost:5000`);
  }
  // Reuse the reference grammar (and Docker Hub's normalisation) on a placeholder
  // repository; a dotless single name would read as a Docker Hub user, so force it.
  const ref = parseRepository(host.includes('.') || host.includes(':') ? `${host}/x` : `${host}:443/x`);
  return host.includes('.') || host.includes(':') ? ref.registry : host;
}

/** Registries known to serve no catalog: name what works there rather than ask. */
function refuseKnownCatalogless(host: string): void {
  if (host === DOCKER_HUB) throw new UsageError('Docker Hub offers no catalog', { hint: 'browse search docker.io QUERY uses its search API' });
  if (host === GHCR) throw new UsageError('GHCR offers no catalog', { hint: 'browse tags ghcr.io/OWNER/REPO' });
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
  const browse = new Command('browse')
    .description('look at what a registry holds; with no subcommand, in a terminal: the interactive browser')
    .argument('[place]', 'HOST[/REPO[:TAG|@DIGEST]]: where the browser opens')
    .option('--read-only', 'the browser refuses to delete')
    .action(async function (this: Command, place: string | undefined) {
      const { isInteractive, openBrowser, parsePlace } = await import('./browse-app.js');
      if (!isInteractive(io.stdin, process.stdout)) {
        if (place === undefined) return this.outputHelp();
        throw new UsageError(`browse ${place}: the interactive browser needs a terminal`, { hint: 'browse repos|tags|manifest print lists and manifests' });
      }
      const opts = this.opts<{ readOnly?: boolean }>();
      await openBrowser(io, version, globalOptions(this), {
        ...(place === undefined ? {} : { place: parsePlace(place, parseRegistry) }),
        readOnly: opts.readOnly === true,
      });
    });

  browse
    .command('repos')
    .description("list a registry's repositories (its catalog)")
    .argument('<registry>', 'host[:port]')
    .action(async function (this: Command, registry: string) {
      const g = globalOptions(this);
      const host = parseRegistry(registry);
      refuseKnownCatalogless(host);
      const repos = await withClient(g, io, version, host, (client) => listRepositories(client.registry(host)));
      io.stdout(renderOutput(g.output, repos, listText));
    });

  browse
    .command('search')
    .description('find repositories by name: the catalog filtered, or the Docker Hub and Quay search APIs')
    .argument('<registry>', 'host[:port] (docker.io and quay.io use their search APIs)')
    .argument('<query>', 'text the repository name contains (case-insensitive for a catalog)')
    .option('--limit <n>', `results a page, 1 to ${MAX_SEARCH_LIMIT} (default ${DEFAULT_SEARCH_LIMIT})`, searchLimit)
    .option('--page <n>', 'which page of --limit results (default 1)', pageNumber)
    .action(async function (this: Command, registry: string, query: string) {
      const opts = this.opts<{ limit?: number; page?: number }>();
      const g = globalOptions(this);
      const host = parseRegistry(registry);
      if (query.trim() === '') throw new UsageError('browse search: the query is empty', { hint: `browse repos ${host} lists every repository` });
      const req = { registry: host, query: query.trim(), limit: opts.limit ?? DEFAULT_SEARCH_LIMIT, page: opts.page ?? 1 };
      const dockerHubUrl = searchApiUrl(io.env, 'LAZYOCI_DOCKERHUB_SEARCH_URL', DOCKER_HUB_SEARCH_URL);
      const quayUrl = searchApiUrl(io.env, 'LAZYOCI_QUAY_SEARCH_URL', QUAY_SEARCH_URL);
      const cache = await SearchCache.open(searchCachePath(io.env));
      const outcome = await withClient(g, io, version, host, (client) =>
        searchRepositories(req, { registry: () => client.registry(host), api: client.publicApi(), cache, dockerHubUrl, quayUrl }),
      );
      await cache.save();
      io.stdout(renderOutput(g.output, outcome.results, searchText));
      if (g.output === 'text' && !g.quiet) {
        if (outcome.results.length === 0) io.stderr(`no repositories on ${host} match "${terminalSafe(req.query)}"${req.page > 1 ? ` on page ${req.page}` : ''}\n`);
        if (outcome.hasMore) io.stderr(`more: lazyoci browse search ${host} ${terminalSafe(JSON.stringify(req.query))} --page ${req.page + 1}${opts.limit === undefined ? '' : ` --limit ${req.limit}`}\n`);
      }
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

  addInsideCommands(browse, io, version);
  return browse;
}
