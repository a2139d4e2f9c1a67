// The planner: a validated .lazy file plus the run's variables become a Plan — every
// name, reference, tag and annotation rendered and checked — or one ConfigError
// listing every problem, before anything is packaged or sent.
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { readChartYaml, type ChartYamlFile } from '../content/chart-yaml.js';
import { checkLayoutDir } from '../content/layout-check.js';
import type { ArtifactConfig, ArtifactType, LazyFile, Located } from '../config/types.js';
import { findLazyFile, inspectLazyFile, sortProblems, type InspectedLazyFile } from '../config/index.js';
import { ConfigError, LazyOciError, UsageError, type ConfigProblem } from '../errors/index.js';
import { formatRepository, isValidTag, parseRepository, type Reference } from '../ref/reference.js';
import { renderTemplate, resolveVariables, withChartVersion, type TemplateVariables } from '../template/index.js';

export type PlannedTarget =
  | { kind: 'registry'; repository: Reference; display: string; tags: string[] }
  | { kind: 'layout'; path: string; display: string; tags: string[] };

export interface PlannedArtifact {
  index: number;
  name: string;
  type: ArtifactType;
  config: ArtifactConfig;
  annotations: Record<string, string>;
  targets: PlannedTarget[];
  /** Helm only: the chart's checked Chart.yaml. */
  chart?: ChartYamlFile;
  /** Helm only: the chart directory as messages name it (beside the .lazy path shown). */
  displayDir: string;
  /** Image only: build arguments, rendered. */
  buildArgs: Record<string, string>;
  /** Image only: platforms to build (`--platform` overrides the file's). */
  platforms: string[];
  /**
   * The name of the artifact this one refers to (`subject:`): planned before it, and its
   * targets are this one's, without tags (a referrer is pushed by digest).
   */
  subject?: string;
}

export interface Plan {
  lazy: LazyFile;
  artifacts: PlannedArtifact[];
}

const LAYOUT_PREFIX = 'oci-layout:';

/**
 * `-a`, repeatable: each selector picks by name first, then type, then zero-based index
 * (spec §4); the artifacts any of them picks are built once each, in file order.
 */
export function selectArtifacts(lazy: LazyFile, selector: string | readonly string[] | undefined): ArtifactConfig[] {
  if (selector === undefined) return lazy.artifacts;
  const selectors = typeof selector === 'string' ? [selector] : selector;
  if (selectors.length === 0) return lazy.artifacts;
  const picked = new Set(selectors.flatMap((s) => selectOne(lazy, s)));
  return lazy.artifacts.filter((a) => picked.has(a));
}

function selectOne(lazy: LazyFile, selector: string): ArtifactConfig[] {
  const byName = lazy.artifacts.filter((a) => a.name?.value === selector);
  if (byName.length > 0) return byName;
  const byType = lazy.artifacts.filter((a) => a.type === selector);
  if (byType.length > 0) return byType;
  if (/^\d+$/.test(selector)) {
    const artifact = lazy.artifacts.find((a) => a.index === Number(selector));
    if (artifact !== undefined) return [artifact];
  }
  const names = lazy.artifacts.map((a, i) => a.name?.value ?? `#${i}`).join(', ');
  throw new UsageError(`no artifact matches --artifact ${selector} (artifacts: ${names})`);
}

/** A layout target whose directory is checked on disk once every target is planned. */
interface LayoutCheck {
  path: string;
  display: string;
  field: string;
  loc: { line: number; col: number };
}

class ProblemList {
  readonly items: ConfigProblem[] = [];
  readonly layouts: LayoutCheck[] = [];
  constructor(private readonly file: string) {}

  add(loc: { line: number; col: number }, message: string): void {
    this.items.push({ file: this.file, line: loc.line, col: loc.col, message });
  }

  /** Render one located template, recording a problem instead of throwing. */
  render(field: string, source: Located<string>, vars: TemplateVariables): string | undefined {
    try {
      return renderTemplate(source.value, vars);
    } catch (err) {
      if (!(err instanceof LazyOciError)) throw err;
      this.add(source.loc, `${field}: ${err.message}`);
      return undefined;
    }
  }
}

function planTarget(
  lazy: LazyFile,
  field: string,
  target: ArtifactConfig['targets'][number],
  vars: TemplateVariables,
  problems: ProblemList,
): PlannedTarget | undefined {
  const registry = problems.render(`${field}.registry`, target.registry, vars);
  const tags: string[] = [];
  target.tags.forEach((tagSource, i) => {
    const tag = problems.render(`${field}.tags[${i}]`, tagSource, vars);
    if (tag === undefined) return;
    if (tag === '') problems.add(tagSource.loc, `${field}.tags[${i}]: "${tagSource.value}" renders an empty tag`);
    else if (!isValidTag(tag)) {
      problems.add(tagSource.loc, `${field}.tags[${i}]: "${tag}" is not a valid OCI tag (letters, digits, _ . -, at most 128, not starting with . or -)`);
    } else if (tags.includes(tag)) {
      problems.add(tagSource.loc, `${field}.tags[${i}]: tag "${tag}" is listed twice`);
    } else tags.push(tag);
  });
  if (registry === undefined) return undefined;

  if (registry.startsWith(LAYOUT_PREFIX)) {
    const raw = registry.slice(LAYOUT_PREFIX.length);
    const abs = resolve(lazy.dir, raw);
    const rel = relative(lazy.dir, abs);
    if (raw === '' || isAbsolute(rel) || rel.startsWith('..')) {
      problems.add(target.registry.loc, `${field}.registry: layout path "${raw}" leaves the project directory`);
      return undefined;
    }
    problems.layouts.push({ path: abs, display: registry, field: `${field}.registry`, loc: target.registry.loc });
    return { kind: 'layout', path: abs, display: registry, tags };
  }
  try {
    const repository = parseRepository(registry);
    return { kind: 'registry', repository, display: formatRepository(repository), tags };
  } catch (err) {
    if (!(err instanceof LazyOciError)) throw err;
    problems.add(target.registry.loc, `${field}.registry: ${err.message}`);
    return undefined;
  }
}

function defaultName(targets: PlannedTarget[], index: number): string {
  const first = targets[0];
  if (first === undefined) return `artifact-${index}`;
  const path = first.kind === 'registry' ? first.repository.repository : first.path;
  return path.split('/').filter(Boolean).pop() ?? `artifact-${index}`;
}

/** Render an artifact's annotations and targets, recording every problem. */
function renderArtifact(
  lazy: LazyFile,
  artifact: Pick<ArtifactConfig, 'index' | 'annotations' | 'targets'>,
  vars: TemplateVariables,
  problems: ProblemList,
): { annotations: Record<string, string>; targets: PlannedTarget[] } {
  const field = `artifacts[${artifact.index}]`;
  const annotations: Record<string, string> = {};
  for (const [key, source] of Object.entries(artifact.annotations)) {
    const value = problems.render(`${field}.annotations.${key}`, source, vars);
    if (value !== undefined) annotations[key] = value;
  }
  const targets: PlannedTarget[] = [];
  artifact.targets.forEach((target, i) => {
    const t = planTarget(lazy, `${field}.targets[${i}]`, target, vars, problems);
    if (t !== undefined) targets.push(t);
  });
  return { annotations, targets };
}

/**
 * Plan the selected artifacts of an inspected .lazy file. Problems found while loading
 * are reported together with the ones found here, in one ConfigError.
 */
export interface PlanOptions {
  /** `-a`, repeatable: which artifacts. */
  selector?: string | readonly string[];
  /** `--platform`: replaces every image artifact's platforms. */
  platforms?: string[];
}

export async function planBuild(inspected: InspectedLazyFile, baseVars: TemplateVariables, opts: PlanOptions = {}): Promise<Plan> {
  const { selector } = opts;
  const { lazy } = inspected;
  const problems = new ProblemList(lazy.displayPath);
  problems.items.push(...inspected.problems);
  // With problems already known the build is refused anyway: check every artifact, so
  // the report is complete, instead of letting a selector error hide it.
  const selected = problems.items.length > 0 ? lazy.artifacts : withSubjects(lazy, selectArtifacts(lazy, selector));
  const planned: PlannedArtifact[] = [];

  for (const config of selected) {
    let vars = baseVars;
    let chart: ChartYamlFile | undefined;
    const displayDir = config.type === 'helm' ? join(dirname(lazy.displayPath), config.chartPath.value) : dirname(lazy.displayPath);
    if (config.type === 'helm') {
      try {
        chart = await readChartYaml(config.chartDir, { displayDir });
        vars = withChartVersion(baseVars, chart.metadata.version);
      } catch (err) {
        if (err instanceof ConfigError) problems.items.push(...err.problems);
        else throw err;
      }
    }
    const { annotations, targets } = renderArtifact(lazy, config, vars, problems);
    const buildArgs: Record<string, string> = {};
    if (config.type === 'image') {
      for (const [key, source] of Object.entries(config.buildArgs)) {
        const value = problems.render(`artifacts[${config.index}].buildArgs.${key}`, source, vars);
        if (value !== undefined) buildArgs[key] = value;
      }
    }
    const platforms = config.type !== 'image' ? [] : opts.platforms !== undefined && opts.platforms.length > 0 ? opts.platforms : config.platforms;
    planned.push({
      index: config.index,
      name: config.name?.value ?? defaultName(targets, config.index),
      type: config.type,
      config,
      annotations,
      targets,
      displayDir,
      buildArgs,
      platforms,
      ...(chart === undefined ? {} : { chart }),
    });
  }
  // Artifacts dropped for path problems: their templates are checked all the same. Their
  // chart could not be read, so a stand-in chart version keeps .ChartVersion quiet.
  for (const artifact of inspected.unresolved) {
    renderArtifact(lazy, artifact, artifact.type === 'helm' ? withChartVersion(baseVars, '0.0.0') : baseVars, problems);
  }

  // On disk: a layout target must resolve inside the project (symlinks included) and be
  // empty or a layout whose own files are not links, as the write itself will demand.
  for (const check of problems.layouts) {
    try {
      await checkLayoutDir(check.path, check.display, { within: lazy.dir });
    } catch (err) {
      if (!(err instanceof LazyOciError)) throw err;
      problems.add(check.loc, `${check.field}: ${err.message}`);
    }
  }
  const ordered = planSubjects(lazy, inspected, planned, problems);
  if (problems.items.length > 0) {
    throw new ConfigError(sortProblems(problems.items));
  }
  return { lazy, artifacts: ordered };
}

function subjectOf(config: ArtifactConfig): Located<string> | undefined {
  return config.type === 'artifact' ? config.subject : undefined;
}

/** A selected referrer brings its subject (and theirs): its digest is needed to refer to it. */
function withSubjects(lazy: LazyFile, selected: ArtifactConfig[]): ArtifactConfig[] {
  const picked = new Set(selected);
  const queue = [...selected];
  while (queue.length > 0) {
    const name = subjectOf(queue.pop()!)?.value;
    const subject = name === undefined ? undefined : lazy.artifacts.find((a) => a.name?.value === name);
    if (subject !== undefined && !picked.has(subject)) {
      picked.add(subject);
      queue.push(subject);
    }
  }
  return lazy.artifacts.filter((a) => picked.has(a));
}

/**
 * Check every `subject:` (a known name, no cycle, no targets of its own), give each
 * referrer its subject's targets without tags, and order subjects before their referrers.
 */
function planSubjects(lazy: LazyFile, inspected: InspectedLazyFile, planned: PlannedArtifact[], problems: ProblemList): PlannedArtifact[] {
  const byName = new Map(lazy.artifacts.filter((a) => a.name !== undefined).map((a) => [a.name!.value, a]));
  const brokenNames = new Set(inspected.unresolved.flatMap((a) => (a.name === undefined ? [] : [a.name.value])));
  const names = [...byName.keys(), ...brokenNames].join(', ') || 'none has a name';
  const valid = new Map<ArtifactConfig, ArtifactConfig>();
  for (const config of lazy.artifacts) {
    const subject = subjectOf(config);
    if (subject === undefined) continue;
    const field = `artifacts[${config.index}]`;
    if (config.targets.length > 0) {
      problems.add(config.targets[0]!.loc, `${field}.targets: an artifact with a subject is pushed to its subject's targets; remove targets`);
    }
    const target = byName.get(subject.value);
    if (target === undefined) {
      // A subject dropped for its own problems is already reported.
      if (!brokenNames.has(subject.value)) problems.add(subject.loc, `${field}.subject: no artifact named "${subject.value}" in this file (names: ${names})`);
      continue;
    }
    valid.set(config, target);
  }
  // A chain of subjects that comes back to where it started can never be pushed.
  const cyclic = new Set<ArtifactConfig>();
  for (const start of valid.keys()) {
    const chain: ArtifactConfig[] = [start];
    for (let next = valid.get(start); next !== undefined; next = valid.get(next)) {
      if (next === start) {
        if (!chain.some((c) => cyclic.has(c))) {
          const path = [...chain, start].map((c) => c.name?.value ?? `#${c.index}`).join(' → ');
          problems.add(subjectOf(start)!.loc, `artifacts[${start.index}].subject: subjects form a cycle (${path})`);
        }
        chain.forEach((c) => cyclic.add(c));
        break;
      }
      if (chain.includes(next)) break;
      chain.push(next);
    }
  }
  if (problems.items.length > 0) return planned;

  const plannedOf = new Map(planned.map((p) => [p.config, p]));
  const ordered: PlannedArtifact[] = [];
  const place = (p: PlannedArtifact): void => {
    if (ordered.includes(p)) return;
    const subjectConfig = valid.get(p.config);
    const subject = subjectConfig === undefined ? undefined : plannedOf.get(subjectConfig);
    if (subject !== undefined) {
      place(subject);
      p.subject = subject.name;
      p.targets = subject.targets.map((t) => ({ ...t, tags: [] }));
    }
    ordered.push(p);
  };
  planned.forEach(place);
  return ordered;
}

export function referencesOf(target: PlannedTarget): string[] {
  return target.tags.map((tag) => `${target.display}:${tag}`);
}

export interface PlanRequest {
  file?: string | undefined;
  positional?: string | undefined;
  cwd: string;
  env: NodeJS.ProcessEnv;
  tag?: string | undefined;
  artifact?: string | readonly string[] | undefined;
  /** `--platform`, repeatable: overrides the platforms of image artifacts. */
  platforms?: string[] | undefined;
  now?: Date | undefined;
}

/** Load and plan only: what `lazyoci validate` runs, and the first half of a build. */
export async function planFromOptions(opts: PlanRequest): Promise<Plan> {
  const path = await findLazyFile({ file: opts.file, positional: opts.positional, cwd: opts.cwd });
  const inspected = await inspectLazyFile(path, { cwd: opts.cwd });
  const text = inspected.lazy.text;
  const vars = await resolveVariables({
    dir: inspected.lazy.dir,
    tag: opts.tag,
    env: opts.env,
    ...(opts.now ? { now: opts.now } : {}),
    uses: (name) => text.includes(name),
  });
  return planBuild(inspected, vars, {
    ...(opts.artifact === undefined ? {} : { selector: opts.artifact }),
    ...(opts.platforms === undefined ? {} : { platforms: opts.platforms }),
  });
}
