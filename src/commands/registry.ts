// `lazyoci registry add|list|remove|test`: registries saved in the user settings file,
// with their credentials and per-registry insecure flag, and a connectivity check.
import { Command } from 'commander';
import { UsageError } from '../errors/index.js';
import type { RegistryProbe } from '../registry/client/registry-http.js';
import { findSavedRegistry, loadSettings, saveSettings, type SavedRegistry } from '../settings/index.js';
import { renderOutput } from '../ui/output.js';
import { runCancellable } from './cancellation.js';
import { normaliseRegistryName } from './registry-name.js';
import { globalOptions, openRegistryClient, type CommandIO } from './context.js';

/** A saved registry as listed: never the password, not even its presence. */
export interface ListedRegistry {
  name: string;
  username?: string;
  insecure: boolean;
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
  return { name: r.name, ...(r.username === undefined ? {} : { username: r.username }), insecure: r.insecure === true };
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
    .description('save a registry (or update a saved one) with credentials and/or the insecure flag')
    .argument('<name>', 'registry host[:port], e.g. ghcr.io')
    .option('--user <name>', 'user name to log in with')
    .option('--pass <secret>', 'password or token (prefer --pass-stdin: arguments are visible to other users)')
    .option('--pass-stdin', 'read the password or token from standard input')
    .option('--insecure', 'allow plain HTTP and skip TLS verification for this registry')
    .option('--no-insecure', 'verify TLS for this registry again')
    .action(async function (this: Command, name: string) {
      const opts = this.opts<{ user?: string; pass?: string; passStdin?: boolean; insecure?: boolean }>();
      const g = globalOptions(this);
      const host = normaliseRegistryName(name);
      if (opts.pass !== undefined && opts.passStdin === true) throw new UsageError('give the password with --pass or --pass-stdin, not both');
      // The global --username/--password are accepted as spellings of --user/--pass here.
      const user = opts.user ?? g.username;
      let pass = opts.pass ?? (opts.passStdin === true ? undefined : g.password);
      if (opts.passStdin === true) {
        pass = await readStdin(io.stdin);
        if (pass === '') throw new UsageError('--pass-stdin: standard input was empty');
      }
      if (user !== undefined && (pass === undefined || pass === '')) {
        throw new UsageError(`--user needs a password too: add --pass-stdin (or --pass)`);
      }
      if (pass !== undefined && (user === undefined || user === '')) throw new UsageError('a password needs --user too');

      // The program also defines --insecure and may have taken it before this command saw it.
      const insecureFlag = g.insecure ? true : opts.insecure;
      const settings = await loadSettings(io.env);
      const existing = findSavedRegistry(settings, host);
      const entry: SavedRegistry = existing ?? { name: host };
      if (user !== undefined && pass !== undefined) {
        entry.username = user;
        entry.password = pass;
      }
      if (insecureFlag === true) entry.insecure = true;
      else if (insecureFlag === false) delete entry.insecure;
      if (existing === undefined) settings.registries.push(entry);
      await saveSettings(io.env, settings);

      const details = [
        entry.username === undefined ? 'no credentials' : `user ${entry.username}`,
        ...(entry.insecure === true ? ['insecure'] : []),
      ];
      if (!g.quiet || g.output !== 'text') {
        io.stdout(
          renderOutput(g.output, listed(entry), () => `${existing === undefined ? 'saved' : 'updated'} registry ${host} (${details.join(', ')})`),
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
            : table(
                ['NAME', 'USER', 'INSECURE'],
                rs.map((r) => [r.name, r.username ?? '-', r.insecure ? 'yes' : 'no']),
              ),
        ),
      );
    });

  registry
    .command('remove')
    .description('forget a saved registry and its credentials')
    .argument('<name>', 'registry host[:port]')
    .action(async function (this: Command, name: string) {
      const g = globalOptions(this);
      const host = normaliseRegistryName(name);
      const settings = await loadSettings(io.env);
      const existing = findSavedRegistry(settings, host);
      if (existing === undefined) {
        throw new UsageError(`registry ${host} is not saved`, { hint: 'see the saved ones with: lazyoci registry list' });
      }
      settings.registries = settings.registries.filter((r) => r !== existing);
      await saveSettings(io.env, settings);
      if (!g.quiet || g.output !== 'text') {
        io.stdout(renderOutput(g.output, { removed: existing.name }, () => `removed registry ${existing.name}`));
      }
    });

  registry
    .command('test')
    .description('check a registry: reachable, API version, auth scheme, whether the credentials work')
    .argument('<name>', 'registry host[:port]')
    .action(async function (this: Command, name: string) {
      const g = globalOptions(this);
      const host = normaliseRegistryName(name);
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
