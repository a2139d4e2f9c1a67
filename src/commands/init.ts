// `lazyoci init [DIR] [FILE…]`: write a starting .lazy from what the directory holds.
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { UsageError } from '../errors/index.js';
import { detectProject } from '../init/detect-project.js';
import { lazyDocumentText, planArtifacts, repositoryComponent } from '../init/lazy-document.js';
import { formatPlatform, parsePlatform } from '../oci/platform.js';
import { packageRoot } from '../package-root.js';
import { parseRepository } from '../ref/reference.js';
import { renderOutput } from '../ui/output.js';
import { globalOptions, type CommandIO } from './context.js';

function collectPlatforms(value: string, previous: string[]): string[] {
  const given = value.split(',').map((p) => p.trim()).filter(Boolean);
  return [...previous, ...given.map((p) => formatPlatform(parsePlatform(p)))];
}

/** The published schema's address, its `$id`: it works on every machine that opens the file. */
function schemaUrl(): string {
  const schema = JSON.parse(readFileSync(path.join(packageRoot(import.meta.url), 'schemas', 'lazy.schema.json'), 'utf8')) as { $id: string };
  return schema.$id;
}

function checkTarget(target: string): void {
  if (target.includes('{{') || target.includes('<<') || target.startsWith('oci-layout:')) return;
  try {
    parseRepository(target);
  } catch (err) {
    throw new UsageError(`--target ${target}: ${(err as Error).message}`, { hint: 'give host[:port]/repository, e.g. ghcr.io/acme/app' });
  }
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Written beside and linked into place, so an existing file is never replaced without --force. */
async function writeLazy(file: string, text: string, force: boolean): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, text, { flag: 'wx' });
  try {
    if (force) await fs.rename(temp, file);
    else await fs.link(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${file} already exists`, { hint: 'pass --force to replace it' });
    throw new UsageError(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  } finally {
    await fs.rm(temp, { force: true });
  }
}

export function initCommand(io: CommandIO): Command {
  return new Command('init')
    .description('write a starting .lazy from what DIR holds: a Dockerfile, Helm charts, the files named')
    .argument('[dir]', 'the project directory (default: the current one); when it is not a directory, it is the first FILE')
    .argument('[files...]', 'files to push as one generic artifact, one layer each')
    .option('--target <repository>', 'repository of the first artifact; others get -chart, -files… appended (default {{ .Registry }}/<dir name>)')
    .option('--platform <os/arch>', 'platforms of the image artifact (repeatable, or comma-separated)', collectPlatforms, [] as string[])
    .option('--force', 'replace an existing .lazy')
    .action(async function (this: Command, first: string | undefined, rest: string[]) {
      const opts = this.opts<{ target?: string; platform: string[]; force?: boolean }>();
      // The global --registry names the registry credentials are for; init writes no
      // credentials and sends nothing, so a --registry here is a mistake for --target.
      if (this.optsWithGlobals<{ registry?: string }>().registry !== undefined) {
        throw new UsageError('init does not take --registry (it names the registry credentials are for)', {
          hint: 'set the repository to push to with --target REGISTRY/REPOSITORY',
        });
      }
      const g = globalOptions(this);
      const firstIsDir = first !== undefined && (await isDirectory(path.resolve(io.cwd, first)));
      const dir = path.resolve(io.cwd, firstIsDir ? first : '.');
      const files = first === undefined || firstIsDir ? rest : [first, ...rest];
      const found = await detectProject(dir, io.cwd, files);
      if (found.dockerfile === undefined && found.charts.length === 0 && found.files.length === 0) {
        throw new UsageError(`nothing to put in a .lazy: ${dir} holds no Dockerfile, Containerfile or Chart.yaml, and no files were named`, {
          hint: 'name the files to push: lazyoci init DIR FILE…',
        });
      }
      const dirName = path.basename(dir);
      const target = opts.target ?? `{{ .Registry }}/${repositoryComponent(dirName)}`;
      checkTarget(target);
      const options = { target, platforms: opts.platform, schemaUrl: schemaUrl() };
      const artifacts = planArtifacts(found, dirName, options);
      const file = path.join(dir, '.lazy');
      await writeLazy(file, lazyDocumentText(artifacts, options), opts.force === true);

      const shown = path.relative(io.cwd, file) || file;
      const result = { file: shown, artifacts: artifacts.map((a) => ({ name: a.name, type: a.type, registry: a.repository })) };
      if (g.quiet && g.output === 'text') return;
      io.stdout(
        renderOutput(g.output, result, (r) =>
          [`wrote ${r.file}`, ...r.artifacts.map((a) => `  ${a.name} (${a.type}) → ${a.registry}`), `check it with: lazyoci validate ${path.dirname(r.file)}`].join('\n'),
        ),
      );
    });
}
