// `lazyoci schema`: print the JSON Schema of the .lazy format (for editors and CI linters).
import { Command } from 'commander';
import { readSchema } from '../config/index.js';
import type { CommandIO } from './context.js';

export function schemaCommand(io: CommandIO): Command {
  return new Command('schema').description('print the JSON Schema of the .lazy format').action(() => {
    const text = readSchema();
    io.stdout(text.endsWith('\n') ? text : `${text}\n`);
  });
}
