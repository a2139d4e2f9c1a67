import { describe, expect, it } from 'vitest';
import { cosignTag, referrersTag } from './referrers.js';

describe('referrersTag (distribution-spec "Referrers Tag Schema")', () => {
  it('maps the spec\'s examples', () => {
    const a64 = 'a'.repeat(64);
    expect(referrersTag(`sha256:${a64}`)).toBe(`sha256-${a64}`);
    expect(referrersTag(`sha512:${'a'.repeat(128)}`)).toBe(`sha512-${a64}`);
    expect(
      referrersTag(
        'test+algorithm+using+algorithm+separators+and+lots+of+characters+to+excercise+overall+truncation:alsoSome=InTheEncodedSectionToShowHyphenReplacementAndLotsAndLotsOfCharactersToExcerciseEncodedTruncation',
      ),
    ).toBe('test-algorithm-using-algorithm-s-alsoSome-InTheEncodedSectionToShowHyphenReplacementAndLotsAndLot');
  });

  it('names the legacy cosign tags beside it', () => {
    expect(cosignTag(`sha256:${'b'.repeat(64)}`, 'sig')).toBe(`sha256-${'b'.repeat(64)}.sig`);
  });
});
