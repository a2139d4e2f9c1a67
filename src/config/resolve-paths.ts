// Resolves the path fields of a .lazy file against its directory and checks that each
// exists, has the right kind, and stays inside that directory (symlinks included).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ConfigProblem, SourceLocation } from '../errors/index.js';

export interface ProjectDir {
  /** Absolute directory holding the .lazy file. */
  dir: string;
  /** Its real path, symlinks resolved, to compare real paths against. */
  realDir: string;
}

/** `file`: a regular file; `directory`: any directory; `chart`: a directory holding Chart.yaml. */
export type PathKind = 'file' | 'directory' | 'chart';

export interface PathRequest {
  /** The path as written in the .lazy file (or its default). */
  value: string;
  kind: PathKind;
  /** Readable field name for messages, e.g. `artifacts[0].files[1].path`. */
  field: string;
  /** Where to report problems: the scalar, or the artifact mapping for a defaulted field. */
  loc: SourceLocation;
}

export type PathResult = { ok: true; absPath: string } | { ok: false; problem: ConfigProblem };

export async function projectDir(dir: string): Promise<ProjectDir> {
  const abs = path.resolve(dir);
  let realDir = abs;
  try {
    realDir = await fs.realpath(abs);
  } catch {
    // The directory of a file we just read exists; keep the lexical path if realpath fails anyway.
  }
  return { dir: abs, realDir };
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

export async function resolveProjectPath(project: ProjectDir, req: PathRequest): Promise<PathResult> {
  const fail = (message: string): PathResult => ({
    ok: false,
    problem: { ...req.loc, message: `${req.field}: ${message}` },
  });
  const shown = JSON.stringify(req.value);

  if (path.isAbsolute(req.value)) {
    return isInside(project.dir, req.value)
      ? fail(`path ${shown} is absolute; write it relative to the project directory ${project.dir}`)
      : fail(`path ${shown} leaves the project directory ${project.dir}`);
  }
  const absPath = path.resolve(project.dir, req.value);
  if (!isInside(project.dir, absPath)) return fail(`path ${shown} leaves the project directory ${project.dir}`);

  const noun = req.kind === 'file' ? 'file' : req.kind === 'chart' ? 'chart directory' : 'directory';
  let real: string;
  try {
    real = await fs.realpath(absPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return fail(`${noun} not found: ${req.value}`);
    return fail(`cannot read ${req.value} (${code ?? 'unknown error'})`);
  }
  if (!isInside(project.realDir, real)) {
    return fail(`path ${shown} leaves the project directory ${project.dir} (it resolves to ${real})`);
  }

  const stat = await fs.stat(real);
  if (req.kind === 'file') {
    if (!stat.isFile()) return fail(`${req.value} is not a regular file`);
    return { ok: true, absPath };
  }
  if (!stat.isDirectory()) return fail(`${req.value} is not a directory`);
  if (req.kind === 'chart') {
    const chartYaml = await fs.stat(path.join(real, 'Chart.yaml')).catch(() => undefined);
    if (!chartYaml?.isFile()) return fail(`no Chart.yaml in chart directory ${req.value}`);
  }
  return { ok: true, absPath };
}
