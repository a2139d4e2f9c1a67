import { describe, expect, it } from 'vitest';
import type { ArtifactResult } from '../ops/build.js';
import { buildEventLine, buildSummaryText } from './build-text.js';

const digest = `sha256:${'a'.repeat(64)}`;

describe('buildSummaryText', () => {
  it("lists a dry run's uncomputed references with the reason instead of a digest", () => {
    const results: ArtifactResult[] = [
      { name: 'site', type: 'image', targets: [{ reference: 'reg/site:1', digest: null, pushed: false, note: 'not computed: needs a build' }] },
      { name: 'cfg', type: 'artifact', targets: [{ reference: 'reg/cfg:1', digest, pushed: false }] },
    ];
    expect(buildSummaryText(results, { dryRun: true, noPush: false })).toBe(
      ['site (image)', '  · reg/site:1  digest not computed: needs a build', 'cfg (artifact)', `  · reg/cfg:1  ${digest}  would push`].join('\n'),
    );
  });

  it('says how a push got its blobs when some were mounted', () => {
    const results: ArtifactResult[] = [
      {
        name: 'big',
        type: 'artifact',
        targets: [
          { reference: 'reg/big:1', digest, pushed: true, uploaded: 2, mounted: 0, skipped: 0 },
          { reference: 'reg/big2:1', digest, pushed: true, uploaded: 0, mounted: 2, skipped: 0 },
        ],
      },
    ];
    const text = buildSummaryText(results, { dryRun: false, noPush: false });
    expect(text).toContain(`✓ reg/big:1  ${digest}  pushed\n`);
    expect(text).toContain(`✓ reg/big2:1  ${digest}  pushed (0 uploaded, 2 mounted, 0 already there)`);
  });
});

describe('buildEventLine', () => {
  it('has a line for an artifact a dry run did not package', () => {
    expect(buildEventLine({ type: 'not-packaged', artifact: 'legacy', note: 'not computed: read from the daemon' })).toBe('legacy: digest not computed: read from the daemon');
  });
});
