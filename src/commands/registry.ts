// `lazyoci registry add|list|remove|test`: registries saved in the user settings file,
// with their credentials and per-registry insecure flag, and a connectivity check.
import { Command } from 'commander';
import { UsageError } from '../errors/index.js';
import type { RegistryProbe } from '../registry/client/registry-http.js';
import { removeRegistry, saveRegistry } from '../ops/save-registry.js';
import { loadSettings, type SavedRegistry } from '../settings/index.js';
import { renderOutput } from '../ui/output.js';
import { runCancellable } from './cancellation.js';
import { normaliseRegistryName } from '../ref/registry-name.js';
import { globalOptions, openRegistryClient, type CommandIO } from './context.js';

/** A saved registry as listed: never the password, not even its presence. */
export interface ListedRegistry {
  name: string;
  label?: string;
  username?: string;
  insecure: boolean;
  caFile?: string;
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function listed(r: SavedRegistry): ListedRegistry {
  return { name: r.name, ...(r.label === undefined ? {} : { label: r.label }), ...(r.username === undefined ? {} : { username: r.username }), insecure: r.insecure === true, ...(r.caFile === undefined ? {} : { caFile: r.caFile }) };
}

function probeText(p: RegistryProbe): string {
  const lines = [
    `${p.registry} is reachable at ${p.endpoint}`,
    `API version:  ${p.apiVersion ?? 'not reported'}`,
    `auth scheme:  ${p.authScheme}`,
    `credentials:  ${p.credentials === 'none' ? 'none (anonymous)' : p.credentials}`,
  ];
  if (p.detail !== undefined) lines.push(`detail:       ${p.detail}`);
  return lines.join('\n');
}

export function registryCommand(io: CommandIO, version: string): Command {
  const registry = new Command('registry').description('save registries with their credentials, list them, test them');

  registry
    .command('add')
    .description('save a registry (or update a saved one) with credentials, the insecure flag, and/or a CA file to trust for it (--ca-file FILE)')
    .argument('<registry>', 'registry host[:port] (a URL is accepted), or host[:port]/path for the repositories under that path')
    .option('-n, --name <label>', 'a label for this registry, accepted by remove and test (the Go lazyoci\'s form: registry add URL -n NAME)')
    .option('-u, --user <name>', 'user name to log in with')
    .option('-p, --pass <secret>', 'password or token (prefer --pass-stdin: arguments are visible to other users)')
    .option('--pass-stdin', 'read the password or token from standard input')
    .option('--insecure', 'allow plain HTTP and skip TLS verification for this registry')
    .option('--no-insecure', 'verify TLS for this registry again')
    .action(async function (this: Command, given: string) {
      const opts = this.opts<{ name?: string; user?: string; pass?: string; passStdin?: boolean; insecure?: boolean }>();
      const g = globalOptions(this);
      if (opts.pass !== undefined && opts.passStdin === true) throw new UsageError('give the password with --pass or --pass-stdin, not both');
      // The global --username/--password are accepted as spellings of --user/--pass here.
      const user = opts.user ?? g.username;
      let pass = opts.pass ?? (opts.passStdin === true ? undefined : g.password);
      if (opts.passStdin === true) {
        pass = await readStdin(io.stdin);
        if (pass === '') throw new UsageError('--pass-stdin: standard input was empty');
      }
      // The program also defines --insecure and may have taken it before this command saw it.
      const insecure = g.insecure ? true : opts.insecure;
      const { entry, created } = await saveRegistry(io.env, {
        name: given,
        ...(opts.name === undefined ? {} : { label: opts.name }),
        ...(user === undefined ? {} : { username: user }),
        ...(pass === undefined ? {} : { password: pass }),
        ...(insecure === undefined ? {} : { insecure }),
        ...(g.caFile === undefined ? {} : { caFile: g.caFile }),
        cwd: io.cwd,
      });
      const host = entry.name;

      const details = [
        entry.username === undefined ? 'no credentials' : `user ${entry.username}`,
        ...(entry.insecure === true ? ['insecure'] : []),
        ...(entry.caFile === undefined ? [] : [`CA ${entry.caFile}`]),
      ];
      const named = entry.label === undefined ? host : `${host} as "${entry.label}"`;
      if (!g.quiet || g.output !== 'text') {
        io.stdout(
          renderOutput(g.output, listed(entry), () => `${created ? 'saved' : 'updated'} registry ${named} (${details.join(', ')})`),
        );
      }
    });

  registry
    .command('list')
    .description('list saved registries (passwords are never shown)')
    .action(async function (this: Command) {
      const g = globalOptions(this);
      const settings = await loadSettings(io.env);
      const rows = settings.registries.map(listed);
      io.stdout(
        renderOutput(g.output, rows, (rs) =>
          rs.length === 0
            ? 'no saved registries (add one with: lazyoci registry add HOST --user NAME --pass-stdin)'
            : rs.some((r) => r.label !== undefined)
              ? table(
                  ['NAME', 'LABEL', 'USER', 'INSECURE'],
                  rs.map((r) => [r.name, r.label ?? '-', r.username ?? '-', r.insecure ? 'yes' : 'no']),
                )
              : table(
                  ['NAME', 'USER', 'INSECURE'],
                  rs.map((r) => [r.name, r.username ?? '-', r.insecure ? 'yes' : 'no']),
                ),
        ),
      );
    });

  registry
    .command('remove')
    .alias('rm')
    .description('forget a saved registry and its credentials')
    .argument('<name>', 'registry host[:port][/path] as saved, or its label')
    .action(async function (this: Command, name: string) {
      const g = globalOptions(this);
      const existing = await removeRegistry(io.env, name);
      if (!g.quiet || g.output !== 'text') {
        io.stdout(renderOutput(g.output, { removed: existing.name }, () => `removed registry ${existing.name}`));
      }
    });

  registry
    .command('test')
    .description('check a registry: reachable, API version, auth scheme, whether the credentials work')
    .argument('<name>', 'registry host[:port], or the label of a saved one')
    .action(async function (this: Command, name: string) {
      const g = globalOptions(this);
      const labelled = (await loadSettings(io.env)).registries.find((r) => r.label === name);
      // A labelled host/path entry is tested at its host: the API check is per registry.
      const host = labelled === undefined ? normaliseRegistryName(name) : labelled.name.split('/')[0]!;
      const probe = await runCancellable(async (signal) => {
        const client = await openRegistryClient(g, io, version, signal, host);
        try {
          return await client.registry(host).probe();
        } finally {
          await client.close();
        }
      });
      io.stdout(renderOutput(g.output, probe, probeText));
      if (probe.credentials === 'rejected') io.setExitCode(1);
    });

  return registry;
}
