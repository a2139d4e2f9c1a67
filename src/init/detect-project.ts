// What a directory holds that `lazyoci init` can turn into artifacts: a Dockerfile (or
// Containerfile), Helm charts (Chart.yaml at the top, one level down, or in charts/*),
// and files the user named.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../errors/index.js';

export interface ProjectContents {
  /** `Dockerfile` or `Containerfile`, relative to the directory. */
  dockerfile?: string;
  /** Chart directories relative to the directory (`.` for the top) and their names. */
  charts: Array<{ path: string; name?: string }>;
  /** Named files, relative to the directory, with `/` separators. */
  files: string[];
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

async function subdirectories(dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules').map((e) => e.name).sort();
  } catch {
    return [];
  }
}

async function chartName(chartYaml: string): Promise<string | undefined> {
  try {
    const doc = parse(await fs.readFile(chartYaml, 'utf8')) as { name?: unknown } | null;
    return typeof doc?.name === 'string' && doc.name !== '' ? doc.name : undefined;
  } catch {
    return undefined;
  }
}

async function findCharts(dir: string): Promise<ProjectContents['charts']> {
  const candidates = ['.', ...(await subdirectories(dir))];
  for (const sub of await subdirectories(path.join(dir, 'charts'))) candidates.push(`charts/${sub}`);
  const charts: ProjectContents['charts'] = [];
  for (const rel of [...new Set(candidates)]) {
    const chartYaml = path.join(dir, rel, 'Chart.yaml');
    if (!(await isFile(chartYaml))) continue;
    const name = await chartName(chartYaml);
    charts.push({ path: rel, ...(name === undefined ? {} : { name }) });
  }
  return charts;
}

/** Files named on the command line (relative to `cwd`), which must be regular files inside `dir`. */
async function namedFiles(dir: string, cwd: string, given: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const name of given) {
    const abs = path.resolve(cwd, name);
    const rel = path.relative(dir, abs);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new UsageError(`${name} is not inside ${dir}: a .lazy file may only name files below its own directory`);
    }
    if (!(await isFile(abs))) throw new UsageError(`${name}: no such file (init takes a directory, then files to push)`);
    if (rel === '.lazy') throw new UsageError(`${name} is the .lazy file itself`);
    out.push(rel.split(path.sep).join('/'));
  }
  return [...new Set(out)];
}

export async function detectProject(dir: string, cwd: string, files: string[]): Promise<ProjectContents> {
  const dockerfile = (await isFile(path.join(dir, 'Dockerfile'))) ? 'Dockerfile' : (await isFile(path.join(dir, 'Containerfile'))) ? 'Containerfile' : undefined;
  return {
    ...(dockerfile === undefined ? {} : { dockerfile }),
    charts: await findCharts(dir),
    files: await namedFiles(dir, cwd, files),
  };
}
