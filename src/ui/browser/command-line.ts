// The `:` command line: what a typed line asks for.

export type BrowserCommand =
  | { kind: 'repo'; name: string }
  | { kind: 'tag'; tag: string }
  | { kind: 'registry'; host: string }
  | { kind: 'theme'; name?: string }
  | { kind: 'quit' }
  | { kind: 'invalid'; message: string };

export const COMMAND_HELP = [':repo NAME', ':tag TAG', ':registry HOST', ':theme [NAME]', ':q'];

export function parseCommand(line: string): BrowserCommand {
  const [word = '', ...rest] = line.trim().split(/\s+/);
  const arg = rest.join(' ');
  switch (word) {
    case 'q':
    case 'q!':
    case 'quit':
      return { kind: 'quit' };
    case 'repo':
    case 'r':
      return arg === '' ? { kind: 'invalid', message: ':repo needs a repository name' } : { kind: 'repo', name: arg.replace(/^\/+|\/+$/g, '') };
    case 'tag':
    case 't':
      return arg === '' ? { kind: 'invalid', message: ':tag needs a tag' } : { kind: 'tag', tag: arg };
    case 'registry':
    case 'reg':
      return arg === '' ? { kind: 'invalid', message: ':registry needs a host' } : { kind: 'registry', host: arg.replace(/^oci:\/\//, '').replace(/\/+$/, '') };
    case 'theme':
      return arg === '' ? { kind: 'theme' } : { kind: 'theme', name: arg };
    default:
      return { kind: 'invalid', message: `unknown command :${word} (${COMMAND_HELP.join(', ')})` };
  }
}
