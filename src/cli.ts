#!/usr/bin/env node
// Entry point: argv → command. The only catch-all and the only process.exit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { Command } from 'commander';
import type { CommandIO } from './commands/context.js';
import { CancelledError, ConfigError, formatProblem, LazyOciError } from './errors/index.js';
import { packageRoot } from './package-root.js';
import { OUTPUT_FORMATS, type OutputFormat } from './ui/output-formats.js';
import { terminalSafe, terminalSafeLines } from './ui/terminal-safe.js';

// undici parses HTTP with llhttp compiled to WebAssembly. V8's optimising tier would
// recompile that module in the background for about 30 MiB of memory and CPU a short
// run never earns back (lazyoci's responses are small; bodies are not parsed byte by
// byte), so the baseline compiler is kept. Set before undici is first loaded.
setFlagsFromString('--liftoff-only');

type CommandFactory = (io: CommandIO, version: string) => Command;

/**
 * commander, loaded with the command line it parses: `lazyoci` with no arguments at a
 * terminal opens the browser without it (its screen is up sooner).
 */
let commander: typeof import('commander') | undefined;
async function loadCommander(): Promise<typeof import('commander')> {
  commander ??= await import('commander');
  return commander;
}

/**
 * Each command is loaded only when it runs (or for help), so `--version` and a single
 * command do not pay for every other command's dependencies at start-up.
 */
const COMMANDS: Record<string, () => Promise<CommandFactory>> = {
  build: async () => (await import('./commands/build.js')).buildCommand,
  validate: async () => (await import('./commands/validate.js')).validateCommand,
  schema: async () => (await import('./commands/schema.js')).schemaCommand,
  browse: async () => (await import('./commands/browse.js')).browseCommand,
  pull: async () => (await import('./commands/pull.js')).pullCommand,
  copy: async () => (await import('./commands/copy.js')).copyCommand,
  push: async () => (await import('./commands/push.js')).pushCommand,
  attach: async () => (await import('./commands/attach.js')).attachCommand,
  discover: async () => (await import('./commands/discover.js')).discoverCommand,
  registry: async () => (await import('./commands/registry.js')).registryCommand,
  config: async () => (await import('./commands/config.js')).configCommand,
  version: async () => (await import('./commands/version.js')).versionCommand,
  login: async () => (await import('./commands/login.js')).loginCommand,
  logout: async () => (await import('./commands/logout.js')).logoutCommand,
  init: async () => (await import('./commands/init.js')).initCommand,
  completion: async () => (await import('./commands/completion.js')).completionCommand,
  mirror: async () => (await import('./commands/mirror.js')).mirrorCommand,
  __complete: async () => (await import('./commands/completion.js')).completeCommand(COMMANDS),
};

/** Global options that take a value, so the command name can be found after them. */
const GLOBAL_VALUE_OPTIONS = new Set(['-o', '--output', '--ca-file', '--username', '--password', '--registry', '--concurrency', '--timeout', '--artifact-dir']);

/** Same as the copy engine's DEFAULT_CONCURRENCY, kept here so --help loads no engine. */
const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 32;

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_CONCURRENCY) {
    throw new commander!.InvalidArgumentError(`must be a whole number from 1 to ${MAX_CONCURRENCY}`);
  }
  return n;
}

/** Seconds, as --timeout takes them: a whole or decimal number; 0 means no limit. */
function parseTimeout(value: string): number {
  if (!/^\d+(?:\.\d+)?$/.test(value)) throw new commander!.InvalidArgumentError('must be a number of seconds (0 for no limit)');
  return Number(value);
}

/** The commands to load for these arguments: the one named, none for --version, else all. */
function commandsFor(argv: string[]): string[] {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (GLOBAL_VALUE_OPTIONS.has(arg)) {
      i++;
      continue;
    }
    if (arg === '--version') return [];
    if (arg.startsWith('-')) continue;
    return arg in COMMANDS ? [arg] : Object.keys(COMMANDS);
  }
  return Object.keys(COMMANDS);
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(import.meta.url), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

async function createProgram(io: CommandIO, version: string, names: string[]): Promise<Command> {
  const { Command, Option } = await loadCommander();
  const program = new Command('lazyoci')
    .description('Build OCI artifacts from a declarative .lazy file and push them to any OCI registry')
    .version(version, '--version', 'print the version')
    .addOption(new Option('-o, --output <format>', 'output format (tree: discover only)').choices([...OUTPUT_FORMATS, 'tree']).default('text'))
    .option('-q, --quiet', 'print only results and errors')
    .option('--insecure', 'allow plain HTTP and skip TLS verification')
    .option('--ca-file <file>', 'trust this PEM CA bundle as well as the system roots')
    .option('--username <name>', 'registry user name (default $LAZYOCI_USERNAME, then docker login); for one registry, see --registry')
    .option('--password <secret>', 'registry password or token (default $LAZYOCI_PASSWORD); prefer --password-stdin, arguments are visible to other users')
    .option('--password-stdin', 'read the password or token from standard input')
    .option(
      '--registry <host>',
      'the registry --username/--password and $LAZYOCI_USERNAME/$LAZYOCI_PASSWORD are for (default: the one written to — a copy\'s destination, the first build target — or else read from)',
    )
    .option('--artifact-dir <dir>', 'where pull writes layouts when --dest is not given, for this run (overrides the artifactDir setting)')
    .option('--concurrency <n>', `requests at once (blob transfers and manifests) in build, push, pull, copy and mirror (1-${MAX_CONCURRENCY}, default ${DEFAULT_CONCURRENCY})`, parseConcurrency)
    .option(
      '--timeout <seconds>',
      'longest wait for a connection, for response headers, and for a stalled response body ' +
        '(default 30, 120 and 60 s; or $LAZYOCI_CONNECT_TIMEOUT, $LAZYOCI_HEADERS_TIMEOUT, $LAZYOCI_BODY_TIMEOUT)',
      parseTimeout,
    )
    .hook('preAction', async (_program, action) => (await import('./commands/context.js')).takePasswordFromStdin(action, io))
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  for (const factory of await Promise.all(names.map((name) => COMMANDS[name]!()))) {
    program.addCommand(factory(io, version));
  }
  // Every command reports bad usage through the same path (exit 2), not process.exit.
  const exitOverride = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
    cmd.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}

function outputFormat(argv: string[]): OutputFormat {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = a === '-o' || a === '--output' ? argv[i + 1] : a.startsWith('--output=') ? a.slice(9) : undefined;
    if (value === 'json' || value === 'yaml') return value;
  }
  return 'text';
}

/**
 * The text lines of a known error. Messages carry registry answers and values from
 * files, so each problem is made safe for the terminal and stays on its one line.
 */
function errorLines(err: LazyOciError): string[] {
  const lines = err instanceof ConfigError ? err.problems.map((p) => terminalSafe(formatProblem(p))) : [`error: ${terminalSafe(err.message)}`];
  if (err.hint !== undefined) lines.push(`hint: ${terminalSafe(err.hint)}`);
  return lines;
}

/** Render an error for the user: one line per problem, a hint, no stack for known kinds. */
function reportError(err: unknown, io: CommandIO, format: OutputFormat): number {
  if (commander !== undefined && err instanceof commander.CommanderError) {
    // commander already printed its message; help and version exit 0.
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof CancelledError) {
    // Ctrl-C is the user's choice, not a failure to explain: one line, no hint (spec §5).
    io.stderr('cancelled\n');
    if (format === 'json') io.stdout(`${JSON.stringify({ error: { code: err.code, message: 'cancelled' } }, null, 2)}\n`);
    return err.exitCode;
  }
  if (err instanceof LazyOciError) {
    io.stderr(`${errorLines(err).join('\n')}\n`);
    if (format === 'json') {
      const problems = err instanceof ConfigError ? { problems: err.problems } : {};
      io.stdout(`${JSON.stringify({ error: { code: err.code, message: err.message, ...problems } }, null, 2)}\n`);
    }
    return err.exitCode;
  }
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  io.stderr(`internal error (a bug in lazyoci, please report it):\n${terminalSafeLines(detail)}\n`);
  return 70;
}

async function main(): Promise<void> {
  let exitCode = 0;
  const io: CommandIO = {
    stdin: process.stdin,
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    setExitCode: (code) => {
      exitCode = Math.max(exitCode, code);
    },
  };
  const argv = process.argv.slice(2);
  try {
    // No arguments at a terminal: the interactive browser, straight away (no command
    // definitions to load first); piped or in CI: the help, as before.
    if (argv.length === 0 && process.stdin.isTTY === true && process.stdout.isTTY === true) {
      const { openBrowser } = await import('./commands/browse-app.js');
      await openBrowser(io, packageVersion(), { output: 'text', quiet: false, insecure: false }, { readOnly: false });
      return;
    }
    const program = await createProgram(io, packageVersion(), commandsFor(argv));
    if (argv.length === 0) {
      program.outputHelp();
    } else {
      await program.parseAsync(argv, { from: 'user' });
    }
  } catch (err) {
    exitCode = reportError(err, io, outputFormat(argv));
  }
  process.exitCode = exitCode;
  // An aborted upload can leave a socket or file stream closing in the background;
  // a cancelled run ends now rather than when they finish.
  if (exitCode === 130) process.exit(130);
}

await main();
