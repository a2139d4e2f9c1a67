// Computes a run's template variables once: tag, registry, timestamp, git facts of the
// repository holding the .lazy file, and the semver family.

import { existsSync } from 'node:fs';
// semver's subpath modules: the package's index loads every range helper too.
import parseSemver from 'semver/functions/parse.js';
import type { SemVer } from 'semver';
import { VARIABLE_NAMES, type TemplateVariables, type VariableName } from './types.js';

export interface ResolveVariablesOptions {
  /** The directory of the .lazy file; git facts come from the repository holding it. */
  dir: string;
  /** The --tag flag; falls back to LAZYOCI_TAG. */
  tag?: string;
  env: NodeJS.ProcessEnv;
  now?: Date;
  /**
   * Whether the run can use a variable; git is asked only for what some template can
   * refer to. Default: every variable. (A template names a variable literally, so the
   * .lazy file's text answers this conservatively.)
   */
  uses?: (name: VariableName) => boolean;
}

/** The semver family: every variable named Version… comes from one version source. */
const SEMVER_NAMES: readonly VariableName[] = VARIABLE_NAMES.filter((name) => name.startsWith('Version'));

type GitResult = { ok: true; value: string } | { ok: false; reason: string };

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** UTC `YYYYMMDDHHmmss`. */
export function formatTimestamp(date: Date): string {
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return (
    pad(date.getUTCFullYear(), 4) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds())
  );
}

/** A strict semantic version, optionally written with a leading `v`. */
function toSemver(raw: string): SemVer | undefined {
  const bare = raw.startsWith('v') ? raw.slice(1) : raw;
  // semver.parse trims white space and accepts a second `v`; neither is a version here.
  if (bare !== bare.trim() || bare.startsWith('v')) return undefined;
  return parseSemver(bare, { loose: false }) ?? undefined;
}

function gitFailureReason(err: unknown, dir: string): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/spawn \S+ ENOENT/.test(message)) return 'git is not installed (no git on PATH)';
  if (/does not exist/.test(message) && !existsSync(dir)) return `${dir} does not exist`;
  if (/not a git repository/i.test(message)) return `${dir} is not in a git repository`;
  if (/ambiguous argument 'HEAD'|unknown revision|Needed a single revision/.test(message)) {
    return 'the repository has no commits';
  }
  const firstLine = message.split('\n').find((line) => line.trim() !== '') ?? 'git failed';
  return firstLine.replace(/^fatal:\s*/, '').trim();
}

// Inherited variables pass through only from this list: GIT_DIR and friends (set when we
// run inside a git hook) would point git away from `dir`, LC_ALL=C keeps messages
// classifiable, and simple-git refuses to spawn when handed e.g. PAGER or GIT_SSH_COMMAND.
const PASSED_ENV = ['PATH', 'Path', 'HOME', 'USERPROFILE', 'SystemRoot', 'XDG_CONFIG_HOME'];

function gitEnv(): Record<string, string> {
  const env: Record<string, string> = { LC_ALL: 'C' };
  for (const name of PASSED_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

async function runGit(dir: string, args: string[]): Promise<GitResult> {
  try {
    // Loaded only when a git fact is needed; simple-git refuses a missing baseDir
    // synchronously, so that stays inside the try.
    const { simpleGit } = await import('simple-git');
    const git = simpleGit({ baseDir: dir }).env(gitEnv());
    const out = (await git.raw(args)).trim();
    return { ok: true, value: out };
  } catch (err) {
    return { ok: false, reason: gitFailureReason(err, dir) };
  }
}

/** Resolves every template variable for one run. Never throws for a missing source. */
export async function resolveVariables(opts: ResolveVariablesOptions): Promise<TemplateVariables> {
  const { env, dir } = opts;
  const values: TemplateVariables['values'] = {};
  const missing: TemplateVariables['missing'] = {};

  const uses = opts.uses ?? (() => true);
  const tag = nonEmpty(opts.tag) ?? nonEmpty(env.LAZYOCI_TAG);
  const envVersion = nonEmpty(env.LAZYOCI_VERSION);
  // The nearest git tag is a version source only after LAZYOCI_VERSION and a semver --tag.
  const needsDescribe = SEMVER_NAMES.some(uses) && envVersion === undefined && (tag === undefined || toSemver(tag) === undefined);
  const unused: GitResult = { ok: false, reason: 'not used by this file' };
  const [sha, branch, describe] = await Promise.all([
    uses('GitSHA') ? runGit(dir, ['rev-parse', '--short', 'HEAD']) : unused,
    uses('GitBranch') ? runGit(dir, ['rev-parse', '--abbrev-ref', 'HEAD']) : unused,
    needsDescribe ? runGit(dir, ['describe', '--tags', '--abbrev=0']) : unused,
  ]);

  if (tag !== undefined) values.Tag = tag;
  else missing.Tag = 'pass --tag or set LAZYOCI_TAG';

  const registry = nonEmpty(env.LAZYOCI_REGISTRY?.replace(/\/+$/, ''));
  if (registry !== undefined) values.Registry = registry;
  else missing.Registry = 'LAZYOCI_REGISTRY is not set';

  values.Timestamp = formatTimestamp(opts.now ?? new Date());

  if (sha.ok) values.GitSHA = sha.value;
  else missing.GitSHA = sha.reason;

  if (!branch.ok) missing.GitBranch = branch.reason;
  else if (branch.value === 'HEAD') missing.GitBranch = 'HEAD is detached';
  else values.GitBranch = branch.value;

  missing.ChartVersion = 'only available in helm artifacts';

  let raw: string | undefined;
  let version: SemVer | undefined;
  let noVersionReason = 'no version: set LAZYOCI_VERSION, pass a semver --tag, or tag the git repository';
  // As the Go lazyoci does, a version source that is not semver still gives .Version and
  // .VersionRaw (its raw value); only the parts need a semantic version.
  let rawOnly: { value: string; named: string } | undefined;
  if (envVersion !== undefined) {
    raw = envVersion;
    version = toSemver(envVersion);
    if (version === undefined) rawOnly = { value: envVersion, named: `LAZYOCI_VERSION="${envVersion}"` };
  } else {
    const candidates: [string | undefined, string][] = [
      [tag, opts.tag !== undefined && opts.tag !== '' ? '--tag' : 'LAZYOCI_TAG'],
      [describe.ok ? describe.value : undefined, 'the nearest git tag'],
    ];
    for (const [candidate] of candidates) {
      version = candidate === undefined ? undefined : toSemver(candidate);
      if (version !== undefined) {
        raw = candidate;
        break;
      }
    }
    if (version === undefined) {
      const [value, source] = candidates.find(([c]) => c !== undefined) ?? [];
      if (value !== undefined && source !== undefined) rawOnly = { value, named: `${source} "${value}"` };
    }
  }

  if (version !== undefined && raw !== undefined) {
    values.Version = version.version;
    values.VersionMajor = String(version.major);
    values.VersionMinor = String(version.minor);
    values.VersionPatch = String(version.patch);
    values.VersionPrerelease = version.prerelease.join('.');
    values.VersionMajorMinor = `${version.major}.${version.minor}`;
    values.VersionRaw = raw;
  } else {
    if (rawOnly !== undefined) noVersionReason = `${rawOnly.named} is not a semantic version`;
    for (const name of SEMVER_NAMES) missing[name] = noVersionReason;
    if (rawOnly !== undefined) {
      values.Version = rawOnly.value;
      values.VersionRaw = rawOnly.value;
      delete missing.Version;
      delete missing.VersionRaw;
    }
  }

  return { values, missing };
}

/** The variables of one helm artifact: ChartVersion set, with `+` made `_` as Helm does for tags. */
export function withChartVersion(vars: TemplateVariables, chartVersion: string): TemplateVariables {
  const values = { ...vars.values, ChartVersion: chartVersion.replaceAll('+', '_') };
  const missing = { ...vars.missing };
  delete missing.ChartVersion;
  return { values, missing };
}
