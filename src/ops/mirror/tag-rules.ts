// Which tags of a repository an image set takes: an exact list, or the listed tags
// filtered by a semver range and a regular expression, then the `latest` N versions.
import coerce from 'semver/functions/coerce.js';
import rcompare from 'semver/functions/rcompare.js';
import satisfies from 'semver/functions/satisfies.js';
import valid from 'semver/functions/valid.js';
import type { ImageSet } from '../../config/mirror-types.js';

export type TagRules = Pick<ImageSet, 'tags' | 'semver' | 'regex' | 'latest'>;

/** A tag as a version: `1.25.3`, `v1.25.3`; not `1.25` or `latest` (a strict reading: no guessing). */
function versionOf(tag: string): string | null {
  return valid(tag.replace(/^v(?=\d)/, ''));
}

/** Highest version first; tags that are not versions after them, in reverse name order. */
function byVersionDescending(a: string, b: string): number {
  const va = versionOf(a);
  const vb = versionOf(b);
  if (va !== null && vb !== null) return rcompare(va, vb) || (a < b ? 1 : a > b ? -1 : 0);
  if (va !== null) return -1;
  if (vb !== null) return 1;
  // `1.25` and `1.25-alpine` sort by their leading numbers, then by name.
  const ca = coerce(a);
  const cb = coerce(b);
  if (ca !== null && cb !== null && ca.compare(cb) !== 0) return cb.compare(ca);
  return a < b ? 1 : a > b ? -1 : 0;
}

/**
 * The tags the rules choose from `available`, highest version first. An exact list
 * keeps its order and needs no listing (`available` is ignored; a missing tag fails
 * when it is copied).
 */
export function selectTags(available: readonly string[], rules: TagRules): string[] {
  if (rules.tags !== undefined) return [...new Set(rules.tags)];
  let chosen = [...new Set(available)];
  if (rules.semver !== undefined) {
    const range = rules.semver;
    chosen = chosen.filter((tag) => {
      const v = versionOf(tag);
      return v !== null && satisfies(v, range, { loose: true });
    });
  }
  if (rules.regex !== undefined) {
    const re = rules.regex;
    chosen = chosen.filter((tag) => re.test(tag));
  }
  chosen.sort(byVersionDescending);
  return rules.latest === undefined ? chosen : chosen.slice(0, rules.latest);
}
