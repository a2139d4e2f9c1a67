import { describe, expect, it } from 'vitest';
import { selectTags } from './tag-rules.js';

const TAGS = ['1.24.0', '1.25.0', '1.25.3', 'v1.26.1', '1.27.0-rc.1', '2.0.0', '1.25', 'latest', '1.25.3-alpine', 'stable'];

describe('selectTags', () => {
  it('a semver range takes exactly the versions inside it, prereleases and non-versions out', () => {
    expect(selectTags(TAGS, { semver: '>=1.25 <2' })).toEqual(['v1.26.1', '1.25.3', '1.25.0']);
  });

  it('latest N takes the highest versions of what the other rules leave', () => {
    expect(selectTags(TAGS, { semver: '>=1.0.0', latest: 2 })).toEqual(['2.0.0', 'v1.26.1']);
    expect(selectTags(TAGS, { latest: 1 })).toEqual(['2.0.0']);
  });

  it('a regular expression filters by name', () => {
    expect(selectTags(TAGS, { regex: /-alpine$/ })).toEqual(['1.25.3-alpine']);
    expect(selectTags(TAGS, { regex: /^1\.25/, semver: '1.25.x' })).toEqual(['1.25.3', '1.25.0']);
  });

  it('an exact list is taken as written, without looking at what exists', () => {
    expect(selectTags([], { tags: ['b', 'a', 'b'] })).toEqual(['b', 'a']);
  });
});
