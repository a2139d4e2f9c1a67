// Where mirrored content lands, named as the Go lazyoci names it: an image keeps its
// repository path under the target URL (the source host dropped), a chart goes to
// url[/charts-prefix]/<chart>:<version> with `+` written `_` as Helm does for tags.
import type { MirrorTarget } from '../../config/mirror-types.js';
import type { Reference } from '../../ref/reference.js';

function under(target: MirrorTarget, path: string): string {
  return target.prefix === '' ? path : `${target.prefix}/${path}`;
}

/** `ghcr.io/kyverno/kyverno:v1.13.2` → `<url>/kyverno/kyverno:v1.13.2`; `docker.io/library/redis:7` → `<url>/library/redis:7`. */
export function imageTarget(source: Reference, target: MirrorTarget): Reference {
  return {
    registry: target.registry,
    repository: under(target, source.repository),
    ...(source.tag === undefined ? {} : { tag: source.tag }),
    ...(source.digest === undefined ? {} : { digest: source.digest }),
  };
}

export function chartTarget(chart: string, version: string, target: MirrorTarget): Reference {
  const path = target.chartsPrefix === '' ? chart : `${target.chartsPrefix}/${chart}`;
  return { registry: target.registry, repository: under(target, path), tag: version.replaceAll('+', '_') };
}

/** A target reference's name in an air-gap layout: its path under the target URL, with tag or digest. */
export function layoutName(ref: Reference, target: MirrorTarget): string {
  const prefix = target.prefix === '' ? '' : `${target.prefix}/`;
  const path = ref.repository.startsWith(prefix) ? ref.repository.slice(prefix.length) : ref.repository;
  return ref.tag !== undefined ? `${path}:${ref.tag}` : `${path}@${ref.digest!}`;
}

/** The target reference a layout name stands for, under (possibly another) target. */
export function fromLayoutName(name: string, target: MirrorTarget): Reference | undefined {
  const m = /^([a-z0-9][a-z0-9._/-]*?)(?::([A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(name);
  if (m === null || (m[2] === undefined && m[3] === undefined)) return undefined;
  return {
    registry: target.registry,
    repository: under(target, m[1]!),
    ...(m[2] === undefined ? {} : { tag: m[2] }),
    ...(m[3] === undefined ? {} : { digest: m[3] as Reference['digest'] & string }),
  };
}
