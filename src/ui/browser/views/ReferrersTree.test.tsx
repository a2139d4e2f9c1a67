import { render } from 'ink-testing-library';
import type { ReactElement } from 'react';
import { describe, expect, it } from 'vitest';
import type { DiscoverResult, ReferrerNode } from '../../../ops/discover.js';
import { ColorContext } from '../../Tint.js';
import { ReferrersTree } from './ReferrersTree.js';

const d = (c: string) => `sha256:${c.repeat(64)}` as const;
const node = (digest: string, artifactType: string, referrers: ReferrerNode[] = [], extra: Partial<ReferrerNode> = {}): ReferrerNode => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: digest as ReferrerNode['digest'],
  size: 600,
  artifactType,
  source: 'fallback',
  referrers,
  ...extra,
});

const result: DiscoverResult = {
  reference: 'reg/app:v1',
  subject: { digest: d('0'), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 500 },
  api: false,
  referrers: [
    node(d('1'), 'application/spdx+json', [node(d('2'), 'application/vnd.dev.sig')]),
    node(d('3'), 'application/vnd.dev.cosign.simplesigning.v1+json', [], { source: 'cosign', tag: 'sha256-000.sig' }),
  ],
  notes: ['reg/app:sha256-xyz holds an image, not an index of referrers; left alone'],
};

const plain = (el: ReactElement) => render(<ColorContext.Provider value={false}>{el}</ColorContext.Provider>);

describe('ReferrersTree', () => {
  it('draws referrers under what they refer to, with their source, and notes', () => {
    const frame = plain(<ReferrersTree result={result} />).lastFrame()!;
    expect(frame.split('\n')).toEqual([
      'referrers (fallback tag)',
      `├─ application/spdx+json ${d('1').slice(0, 19)} [tag]`,
      `│  └─ application/vnd.dev.sig ${d('2').slice(0, 19)} [tag]`,
      `└─ application/vnd.dev.cosign.simplesigning.v1+json ${d('3').slice(0, 19)} [cosign]`,
      'note: reg/app:sha256-xyz holds an image, not an index of referrers; left alone',
    ]);
  });

  it('says none, looking, or the error; and cuts a long list', () => {
    expect(plain(<ReferrersTree result={{ ...result, referrers: [], notes: [], api: true }} />).lastFrame()).toBe('referrers (referrers API)\nnone');
    expect(plain(<ReferrersTree />).lastFrame()).toBe('referrers: looking…');
    expect(plain(<ReferrersTree error="registry said 500" />).lastFrame()).toBe('referrers: registry said 500');
    const cut = plain(<ReferrersTree result={result} maxRows={1} />).lastFrame()!;
    expect(cut).toContain('… 2 more');
  });

  it('keeps hostile annotations and types from driving the terminal', () => {
    const hostile = { ...result, referrers: [node(d('4'), 'evil\u001b[2J/type')], notes: [] };
    expect(plain(<ReferrersTree result={hostile} />).lastFrame()).not.toContain('\u001b[2J');
  });
});
