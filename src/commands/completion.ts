// `lazyoci completion bash|zsh|fish` prints a completion script; the hidden
// `lazyoci __complete SHELL -- WORDS…` answers it, one candidate a line.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Argument, Command } from 'commander';
import { UsageError } from '../errors/index.js';
import { completeWords } from '../completion/candidates.js';
import { commandSpec, type CommandSpec } from '../completion/command-tree.js';
import { joinBashWords } from '../completion/complete-words.js';
import { completionScript, SHELLS, type Shell } from '../completion/shell-scripts.js';
import type { CommandIO } from './context.js';

type CommandFactory = (io: CommandIO, version: string) => Command;

/** Written beside the bundle by scripts/build.mjs. */
export const TREE_FILE = 'completion-tree.json';

export function completionCommand(io: CommandIO): Command {
  return new Command('completion')
    .description('print a shell completion script (bash: source <(lazyoci completion bash))')
    .addArgument(new Argument('<shell>', 'the shell to complete for').choices(SHELLS))
    .action((shell: Shell) => {
      io.stdout(completionScript(shell));
    });
}

/**
 * The command tree: the snapshot `npm run build` writes beside the bundle (made by
 * `__complete --print-tree` from these same definitions), else every command loaded
 * now. cli.ts loads only the command named, so `__complete` stays quick on every TAB.
 */
async function commandTree(program: Command, loaders: Record<string, () => Promise<CommandFactory>>, io: CommandIO, version: string): Promise<CommandSpec> {
  try {
    return JSON.parse(readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), TREE_FILE), 'utf8')) as CommandSpec;
  } catch {
    return liveCommandTree(program, loaders, io, version);
  }
}

async function liveCommandTree(program: Command, loaders: Record<string, () => Promise<CommandFactory>>, io: CommandIO, version: string): Promise<CommandSpec> {
  const full = new Command(program.name());
  for (const option of program.options) full.addOption(option);
  const names = Object.keys(loaders).filter((name) => name !== '__complete');
  for (const factory of await Promise.all(names.map((name) => loaders[name]!()))) full.addCommand(factory(io, version));
  return commandSpec(full);
}

export function completeCommand(loaders: Record<string, () => Promise<CommandFactory>>): CommandFactory {
  return (io, version) => {
    const cmd = new Command('__complete')
      .description('complete the words given (used by the completion scripts)')
      .addArgument(new Argument('[shell]').choices(SHELLS))
      .argument('[words...]')
      .option('--print-tree', 'print the command tree as JSON, from the command definitions (npm run build keeps it)')
      .allowUnknownOption()
      .action(async function (this: Command, shell: Shell | undefined, given: string[]) {
        if (this.opts<{ printTree?: boolean }>().printTree === true) {
          io.stdout(`${JSON.stringify(await liveCommandTree(this.parent!, loaders, io, version))}\n`);
          return;
        }
        if (shell === undefined) throw new UsageError('__complete needs a shell: bash, zsh or fish');
        const tree = await commandTree(this.parent!, loaders, io, version);
        const pieces = given.length === 0 ? [''] : given;
        const { words, lastPiece } = shell === 'bash' ? joinBashWords(pieces) : { words: pieces, lastPiece: pieces.at(-1)! };
        const current = words.at(-1)!;
        const found = await completeWords(tree, words, { cwd: io.cwd, env: io.env });
        // bash puts back only the last piece of a word split at ':' or '='.
        const cut = current.length - lastPiece.length;
        if (found.length > 0) io.stdout(`${found.map((c) => c.slice(cut)).join('\n')}\n`);
      });
    // Hidden from help as commander's own `{ hidden: true }` would (cli.ts adds commands plainly).
    (cmd as unknown as { _hidden: boolean })._hidden = true;
    return cmd;
  };
}
