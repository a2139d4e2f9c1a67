// `lazyoci logout HOST`: remove the credentials `login` (or docker, helm, podman) stored
// for HOST from the Docker config's `auths` and its credential helper (`erase`).
import { Command } from 'commander';
import { eraseLogin } from '../registry/auth/docker-config-store.js';
import { renderOutput } from '../ui/output.js';
import { globalOptions, type CommandIO } from './context.js';
import { parseLoginScope, scopeLabel } from './login-scope.js';

export interface LogoutResult {
  registry: string;
  /** False when there were no credentials to remove (not an error, as with docker). */
  removed: boolean;
  configFile: string;
  helper?: string;
}

function logoutText(r: LogoutResult): string {
  if (!r.removed) return `not logged in to ${r.registry}`;
  return `removed the credentials for ${r.registry} from ${r.helper === undefined ? r.configFile : `${r.helper} and ${r.configFile}`}`;
}

export function logoutCommand(io: CommandIO): Command {
  return new Command('logout')
    .description('remove the credentials stored for a registry from the Docker config and its credential helper')
    .argument('<host>', 'registry host[:port] (or host[:port]/namespace), as given to login')
    .action(async function (this: Command, host: string) {
      const g = globalOptions(this);
      const scope = parseLoginScope(host);
      const erased = await eraseLogin(scope, io.env);
      const result: LogoutResult = {
        registry: scopeLabel(scope),
        removed: erased.removed,
        configFile: erased.file,
        ...(erased.helper === undefined ? {} : { helper: erased.helper }),
      };
      if (!g.quiet || g.output !== 'text') io.stdout(renderOutput(g.output, result, logoutText));
    });
}
