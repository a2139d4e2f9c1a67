// The text of a starting .lazy: one artifact for each thing found, each pushed to one
// target, tagged with the version, the commit and latest. Pure: no I/O.
import { stringify } from 'yaml';
import type { ProjectContents } from './detect-project.js';

export const DEFAULT_TAGS = ['{{ .Version }}', '{{ .GitSHA }}', 'latest'];

export interface InitOptions {
  /** The repository of the first artifact; later ones get `-SUFFIX` appended. */
  target: string;
  platforms: string[];
  /** The URL (or path) editors load the schema from. */
  schemaUrl: string;
}

export interface InitArtifact {
  name: string;
  type: 'image' | 'helm' | 'artifact';
  repository: string;
  fields: Record<string, unknown>;
}

/** A repository path component: lowercase letters and digits, separated by '.', '_' or '-'. */
export function repositoryComponent(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/[._-]{2,}/g, '-')
    .replace(/^[._-]+|[._-]+$/g, '');
  return cleaned === '' ? 'app' : cleaned;
}

function baseName(target: string, dirName: string): string {
  const last = target.split('/').pop() ?? '';
  return /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(last) ? last : repositoryComponent(dirName);
}

export function planArtifacts(found: ProjectContents, dirName: string, options: InitOptions): InitArtifact[] {
  const base = baseName(options.target, dirName);
  const wanted: Array<{ suffix: string; type: InitArtifact['type']; fields: Record<string, unknown> }> = [];
  if (found.dockerfile !== undefined) {
    wanted.push({
      suffix: 'image',
      type: 'image',
      fields: {
        ...(found.dockerfile === 'Dockerfile' ? {} : { dockerfile: found.dockerfile }),
        context: '.',
        ...(options.platforms.length === 0 ? {} : { platforms: options.platforms }),
      },
    });
  }
  for (const chart of found.charts) {
    const chartName = repositoryComponent(chart.name ?? (chart.path === '.' ? dirName : chart.path.split('/').pop()!));
    wanted.push({ suffix: found.charts.length === 1 || chartName === base ? 'chart' : chartName, type: 'helm', fields: { chartPath: chart.path } });
  }
  if (found.files.length > 0) wanted.push({ suffix: 'files', type: 'artifact', fields: { files: found.files.map((path) => ({ path })) } });

  // The first artifact takes the target itself; the others sit beside it, one repository each,
  // so no two artifacts write the same tag of one repository.
  const used = new Set<string>();
  return wanted.map((w, i) => {
    let suffix = i === 0 ? '' : `-${w.suffix}`;
    for (let n = 2; used.has(suffix); n++) suffix = `-${w.suffix}${n}`;
    used.add(suffix);
    return { name: `${base}${suffix}`, type: w.type, repository: `${options.target}${suffix}`, fields: w.fields };
  });
}

export function lazyDocumentText(artifacts: InitArtifact[], options: InitOptions): string {
  const doc = {
    version: 1,
    artifacts: artifacts.map((a) => ({
      type: a.type,
      name: a.name,
      ...a.fields,
      targets: [{ registry: a.repository, tags: [...DEFAULT_TAGS] }],
    })),
  };
  return [
    `# yaml-language-server: $schema=${options.schemaUrl}`,
    '# Written by `lazyoci init`. Check it with `lazyoci validate`, see what a push would do with',
    '# `lazyoci build --dry-run`. {{ .Registry }} is $LAZYOCI_REGISTRY; {{ .Version }} comes from',
    '# $LAZYOCI_VERSION, a semver --tag or the nearest git tag; {{ .GitSHA }} is the commit.',
    stringify(doc, { lineWidth: 0 }),
  ].join('\n');
}
