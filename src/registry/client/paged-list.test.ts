import { describe, expect, it } from 'vitest';
import { nextLink } from './paged-list.js';

describe('nextLink', () => {
  it('reads the next page of distribution catalog and tags answers', () => {
    expect(nextLink('</v2/_catalog?last=c&n=2>; rel="next"')).toBe('/v2/_catalog?last=c&n=2');
    expect(nextLink('</v2/a/tags/list?n=100&last=v1.2>; rel=next')).toBe('/v2/a/tags/list?n=100&last=v1.2');
  });

  it('picks the next entry among several links and parameters', () => {
    expect(nextLink('</p?page=1>; rel="prev", <https://r.example/v2/_catalog?last=x&n=5>; type="a"; rel="next"')).toBe(
      'https://r.example/v2/_catalog?last=x&n=5',
    );
    expect(nextLink('</p?page=3>; rel="last next"')).toBe('/p?page=3');
  });

  it('is undefined on the last page or for other relations', () => {
    expect(nextLink(undefined)).toBeUndefined();
    expect(nextLink('')).toBeUndefined();
    expect(nextLink('</p?page=1>; rel="prev"')).toBeUndefined();
    expect(nextLink('</p?page=1>; rel="nextpage"')).toBeUndefined();
  });
});
