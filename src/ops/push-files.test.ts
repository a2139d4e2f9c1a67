import { describe, expect, it } from 'vitest';
import { parseAnnotations, parseFileArgument } from './push-files.js';

describe('parseFileArgument', () => {
  it('splits FILE:MEDIATYPE at the last colon only when a media type follows', () => {
    expect(parseFileArgument('sbom.json:application/spdx+json')).toEqual({ file: 'sbom.json', mediaType: 'application/spdx+json' });
    expect(parseFileArgument('a:b:text/plain')).toEqual({ file: 'a:b', mediaType: 'text/plain' });
    expect(parseFileArgument('tool:v2')).toEqual({ file: 'tool:v2' });
    expect(parseFileArgument('dir:x/file')).toEqual({ file: 'dir', mediaType: 'x/file' });
    expect(parseFileArgument('C:\\tmp\\x')).toEqual({ file: 'C:\\tmp\\x' });
    expect(parseFileArgument(':text/plain')).toEqual({ file: ':text/plain' });
    expect(parseFileArgument('a:text/')).toEqual({ file: 'a:text/' });
  });

  it('keeps the whole argument when a file of that name exists', () => {
    expect(parseFileArgument('dir:x/file', true)).toEqual({ file: 'dir:x/file' });
  });
});

describe('parseAnnotations', () => {
  it('reads KEY=VALUE, the value may hold =', () => {
    expect(parseAnnotations(['a=1', 'b=x=y', 'c='])).toEqual({ a: '1', b: 'x=y', c: '' });
    expect(() => parseAnnotations(['novalue'])).toThrow(/expected KEY=VALUE/);
    expect(() => parseAnnotations(['=v'])).toThrow(/the key is empty/);
  });
});
