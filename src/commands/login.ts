// `lazyoci login HOST [-u USER] [-p PASS | --password-stdin]`: check the credentials
// against the registry, then store them where docker, oras, helm, skopeo and podman
// find them too (the Docker config, or its credential helper).
import { Command } from 'commander';
import { RegistryError, UsageError } from '../errors/index.js';
import { renderOutput } from '../ui/output.js';
import { runCancellable } from './cancellation.js';
import { globalOptions, openRegistryClient, type CommandIO } from './context.js';
import { parseLoginScope, scopeLabel } from './login-scope.js';

export interface LoginResult {
  registry: string;
  username: string;
  /** The Docker config file read (and written unless a helper holds everything). */
  configFile: string;
  /** `docker-credential-<name>` when the credentials went to a helper. */
  helper?: string;
  /** False when the registry asks for no credentials: they were stored unchecked. */
  checked: boolean;
}

function loginText(r: LoginResult): string {
  const where = r.helper === undefined ? r.configFile : `${r.helper} (configured in ${r.configFile})`;
  const note = r.checked ? '' : `\nnote: ${r.registry} asks for no credentials; they were stored without a check`;
  return `Login Succeeded: ${r.username} at ${r.registry}, stored in ${where}${note}`;
}

export function loginCommand(io: CommandIO, version: string): Command {
  return new Command('login')
    .description('check credentials against a registry and store them in the Docker config (or its credential helper), shared with docker, helm, oras, skopeo, podman')
    .argument('<host>', 'registry host[:port], or host[:port]/namespace for credentials used only under it')
    .option('-u, --username <name>', 'user name (default $LAZYOCI_USERNAME)')
    .option('-p, --password <secret>', 'password or token (prefer --password-stdin: arguments are visible to other users)')
    .option('--password-stdin', 'read the password or token from standard input')
    .action(async function (this: Command, host: string) {
      const g = globalOptions(this);
      const o = this.optsWithGlobals<{ username?: string; password?: string; passwordStdin?: boolean }>();
      const scope = parseLoginScope(host);
      const username = o.username ?? io.env.LAZYOCI_USERNAME;
      const password = o.password ?? io.env.LAZYOCI_PASSWORD;
      if (username === undefined || username === '') {
        throw new UsageError('login needs a user name: give -u NAME (or set LAZYOCI_USERNAME)');
      }
      if (password === undefined || password === '') {
        throw new UsageError('login needs a password or token', { hint: `pipe it in: lazyoci login ${host} -u ${username} --password-stdin < FILE` });
      }
      if (o.password !== undefined && o.passwordStdin !== true) {
        io.stderr('warning: a password on the command line is visible to other users (ps, shell history); prefer --password-stdin\n');
      }

      const probe = await runCancellable(async (signal) => {
        const client = await openRegistryClient({ ...g, username, password, registry: scope.registry }, io, version, signal, scope.registry);
        try {
          return await client.registry(scope.registry).probe();
        } finally {
          await client.close();
        }
      });
      if (probe.credentials === 'rejected') {
        throw new RegistryError(`login to ${scope.registry} failed: the registry rejected the user name or password; nothing was stored`, {
          method: 'GET',
          url: probe.endpoint,
          status: 401,
        });
      }

      const { storeLogin } = await import('../registry/auth/docker-config-store.js');
      const stored = await storeLogin(scope, { username, password }, io.env);
      const result: LoginResult = {
        registry: scopeLabel(scope),
        username,
        configFile: stored.file,
        ...(stored.helper === undefined ? {} : { helper: stored.helper }),
        checked: probe.authScheme !== 'none',
      };
      if (!g.quiet || g.output !== 'text') io.stdout(renderOutput(g.output, result, loginText));
    });
}
