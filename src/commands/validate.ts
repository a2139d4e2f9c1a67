// `lazyoci validate`: load, check and render the .lazy file without packaging or sending.
import { Command } from 'commander';
import { planFromOptions, referencesOf } from '../ops/plan.js';
import { renderOutput } from '../ui/output.js';
import { globalOptions, type CommandIO } from './context.js';

export function validateCommand(io: CommandIO): Command {
  return new Command('validate')
    .description('check a .lazy file: schema, paths and templates; nothing is built or sent')
    .argument('[path]', '.lazy file or the directory holding it (default ./.lazy)')
    .option('-f, --file <file>', '.lazy file to use (overrides [path])')
    .option('-t, --tag <tag>', 'value of {{ .Tag }} to render templates with (default $LAZYOCI_TAG)')
    .action(async function (this: Command, positional: string | undefined) {
      const opts = this.opts<{ file?: string; tag?: string }>();
      const g = globalOptions(this);
      const plan = await planFromOptions({
        ...(opts.file === undefined ? {} : { file: opts.file }),
        ...(positional === undefined ? {} : { positional }),
        ...(opts.tag === undefined ? {} : { tag: opts.tag }),
        cwd: io.cwd,
        env: io.env,
      });
      const result = {
        file: plan.lazy.displayPath,
        valid: true,
        artifacts: plan.artifacts.map((a) => ({ name: a.name, type: a.type, references: a.targets.flatMap(referencesOf) })),
      };
      if (g.quiet && g.output === 'text') return;
      io.stdout(
        renderOutput(g.output, result, (r) =>
          [`${r.file}: valid, ${r.artifacts.length} artifact${r.artifacts.length === 1 ? '' : 's'}`,
            ...r.artifacts.flatMap((a) => [`${a.name} (${a.type})`, ...a.references.map((ref) => `  ${ref}`)])].join('\n'),
        ),
      );
    });
}
