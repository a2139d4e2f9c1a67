// Tags in the order people look for them: `latest` first, then versions newest first,
// then everything else by name.
import semver from 'semver';

interface Keyed {
  tag: string;
  version: semver.SemVer | null;
}

function versionOf(tag: string): semver.SemVer | null {
  // `v1.2.3` and `1.2` count as versions too (loose, coerced only when the whole tag is one).
  if (!/^v?\d+(\.\d+){0,2}([-+].*)?$/.test(tag)) return null;
  return semver.parse(tag, { loose: true }) ?? semver.coerce(tag, { includePrerelease: true });
}

export function sortTags(tags: readonly string[]): string[] {
  const keyed: Keyed[] = tags.map((tag) => ({ tag, version: tag === 'latest' ? null : versionOf(tag) }));
  keyed.sort((a, b) => {
    if (a.tag === 'latest' || b.tag === 'latest') return a.tag === 'latest' ? (b.tag === 'latest' ? 0 : -1) : 1;
    if (a.version !== null && b.version !== null) {
      const byVersion = semver.rcompare(a.version, b.version);
      return byVersion !== 0 ? byVersion : a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0;
    }
    if (a.version !== null) return -1;
    if (b.version !== null) return 1;
    return a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0;
  });
  return keyed.map((k) => k.tag);
}
