import { describe, expect, it } from 'vitest';
import { summariseLazyText } from './local-state.js';

describe('summariseLazyText', () => {
  it('lists names (given or defaulted), types, and only template-free targets and tags', () => {
    const s = summariseLazyText(`version: 1
artifacts:
  - type: artifact
    name: cfg
    targets:
      - registry: 127.0.0.1:5000/acme/cfg
        tags: [v1, "{{ .GitSHA }}", latest]
      - registry: "{{ .Registry }}/cfg"
        tags: [v1]
      - registry: oci-layout:out
        tags: [v1]
  - type: helm
    targets: [{ registry: "<< .Registry >>/charts/web", tags: [x] }]
`);
    expect(s).toEqual({
      names: ['cfg', 'web'],
      types: ['artifact', 'helm'],
      repositories: ['127.0.0.1:5000/acme/cfg'],
      references: ['127.0.0.1:5000/acme/cfg:v1', '127.0.0.1:5000/acme/cfg:latest'],
    });
  });

  it('offers nothing for a file that is not a .lazy', () => {
    for (const text of ['{{{', 'just text', 'artifacts: 3', 'artifacts: [null, 1, {targets: 2}]']) {
      expect(summariseLazyText(text).names).toEqual([]);
    }
  });
});
