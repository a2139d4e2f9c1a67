// What to offer for the word under the cursor: flag names, a flag's choices, subcommands,
// and values from local state for the flags and arguments that name artifacts,
// registries or references.
import { SETTING_KEYS } from '../settings/index.js';
import type { CommandSpec } from './command-tree.js';
import { analyseWords, flagsIn, type Analysis } from './complete-words.js';
import { lazyFileFor, readLazySummary, savedRegistryNames, type LazySummary } from './local-state.js';

export interface CompletionContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Platforms offered for --platform; any other os/arch is still accepted. */
export const COMMON_PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6', 'linux/386', 'linux/ppc64le', 'linux/s390x', 'linux/riscv64'];

function hostOf(repository: string): string {
  return repository.split('/')[0]!;
}

async function registriesAndHosts(ctx: CompletionContext, lazy: () => LazySummary): Promise<string[]> {
  return [...(await savedRegistryNames(ctx.env)), ...lazy().repositories.map(hostOf)];
}

async function operandValues(a: Analysis, ctx: CompletionContext, lazy: () => LazySummary): Promise<string[]> {
  const inner = a.path.at(-1)!;
  const subcommands = a.operands.length === 0 ? inner.commands.map((c) => c.name) : [];
  const argument = a.wanted.kind === 'operand' ? a.wanted.argument : undefined;
  if (argument === undefined) return subcommands;
  if (argument.choices !== undefined) return [...subcommands, ...argument.choices];
  const commandPath = a.path.slice(1).map((c) => c.name).join(' ');
  switch (argument.name) {
    case 'registry':
    case 'host':
      return [...subcommands, ...(await registriesAndHosts(ctx, lazy))];
    case 'name':
      // `registry add NAME` names a new one; remove and test name a saved one.
      return commandPath === 'registry add' ? subcommands : [...subcommands, ...(await savedRegistryNames(ctx.env))];
    case 'repository':
      return [...subcommands, ...lazy().repositories];
    case 'reference':
    case 'source':
    case 'dest':
    case 'subject':
      return [...subcommands, ...lazy().references, ...lazy().repositories];
    case 'key':
      return commandPath.startsWith('config') ? [...subcommands, ...SETTING_KEYS] : subcommands;
    default:
      return subcommands; // a path: the shell completes file names
  }
}

async function flagValues(a: Analysis, ctx: CompletionContext): Promise<string[]> {
  if (a.wanted.kind !== 'value') return [];
  const { option, prefix } = a.wanted;
  const values = await (async (): Promise<string[]> => {
    if (option.choices !== undefined) return option.choices;
    switch (option.name) {
      case 'artifact': {
        const file = a.given.get('file');
        const s = readLazySummary(lazyFileFor(ctx.cwd, typeof file === 'string' ? file : undefined, a.operands[0]));
        return [...s.names, ...s.types];
      }
      case 'registry':
        return registriesAndHosts(ctx, () => readLazySummary(lazyFileFor(ctx.cwd)));
      case 'platform':
        return COMMON_PLATFORMS;
      default:
        return []; // files, directories and free text: left to the shell
    }
  })();
  return values.map((v) => prefix + v);
}

/** Every candidate for the last of `words`, filtered by what is typed, in order, once each. */
export async function completeWords(root: CommandSpec, words: string[], ctx: CompletionContext): Promise<string[]> {
  const a = analyseWords(root, words);
  let lazySummary: LazySummary | undefined;
  const lazy = (): LazySummary => (lazySummary ??= readLazySummary(lazyFileFor(ctx.cwd)));
  let found: string[];
  if (a.wanted.kind === 'flag') found = flagsIn(a.path).flatMap((o) => o.flags.filter((f) => f.startsWith('--') || a.current.length <= 2));
  else if (a.wanted.kind === 'value') found = await flagValues(a, ctx);
  else {
    found = await operandValues(a, ctx, lazy);
    // Nothing left to name here (e.g. `lazyoci schema `): offer the flags rather than files.
    if (found.length === 0 && a.wanted.argument === undefined && a.current === '') {
      found = flagsIn(a.path).flatMap((o) => o.flags.filter((f) => f.startsWith('--')));
    }
  }
  return [...new Set(found.filter((c) => c.startsWith(a.current)))];
}
