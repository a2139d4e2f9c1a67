// The shape of the CLI as completion sees it, read from the commander definitions
// themselves, so completion cannot drift from the commands.
import type { Argument, Command, Option } from 'commander';

export interface OptionSpec {
  /** Every spelling: `-o`, `--output`. */
  flags: string[];
  /** The long name without dashes, or the short one when there is none: `output`. */
  name: string;
  value: 'none' | 'required' | 'optional';
  choices?: string[];
}

export interface ArgumentSpec {
  name: string;
  variadic: boolean;
  choices?: string[];
}

export interface CommandSpec {
  name: string;
  aliases: string[];
  options: OptionSpec[];
  arguments: ArgumentSpec[];
  commands: CommandSpec[];
}

function optionSpec(o: Option): OptionSpec {
  const flags = [o.short, o.long].filter((f): f is string => f !== undefined);
  return {
    flags,
    name: (o.long ?? o.short ?? '').replace(/^-+/, ''),
    value: o.required ? 'required' : o.optional ? 'optional' : 'none',
    ...(o.argChoices === undefined ? {} : { choices: [...o.argChoices] }),
  };
}

function argumentSpec(a: Argument): ArgumentSpec {
  return { name: a.name(), variadic: a.variadic, ...(a.argChoices === undefined ? {} : { choices: [...a.argChoices] }) };
}

/** Hidden commands and options (like `__complete`) are left out, as help leaves them out. */
export function commandSpec(cmd: Command): CommandSpec {
  const hidden = (c: Command): boolean => (c as unknown as { _hidden?: boolean })._hidden === true;
  const options = cmd.options.filter((o) => !o.hidden).map(optionSpec);
  // commander answers --help itself on every command; --version on the program.
  options.push({ flags: ['-h', '--help'], name: 'help', value: 'none' });
  return {
    name: cmd.name(),
    aliases: cmd.aliases(),
    options,
    arguments: cmd.registeredArguments.map(argumentSpec),
    commands: cmd.commands.filter((c) => !hidden(c)).map(commandSpec),
  };
}
