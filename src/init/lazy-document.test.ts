import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { lazyDocumentText, planArtifacts, repositoryComponent } from './lazy-document.js';

const options = { target: '{{ .Registry }}/my-app', platforms: [], schemaUrl: 'https://example.test/lazy.schema.json' };

describe('init document', () => {
  it('gives the first artifact the target and the others a repository each beside it', () => {
    const artifacts = planArtifacts({ dockerfile: 'Dockerfile', charts: [{ path: '.', name: 'my-app' }], files: ['a.json'] }, 'My App', options);
    expect(artifacts.map((a) => [a.name, a.type, a.repository])).toEqual([
      ['my-app', 'image', '{{ .Registry }}/my-app'],
      ['my-app-chart', 'helm', '{{ .Registry }}/my-app-chart'],
      ['my-app-files', 'artifact', '{{ .Registry }}/my-app-files'],
    ]);
  });

  it('names several charts after themselves', () => {
    const artifacts = planArtifacts({ charts: [{ path: 'charts/api', name: 'api' }, { path: 'charts/web' }], files: [] }, 'x', options);
    expect(artifacts.map((a) => a.repository)).toEqual(['{{ .Registry }}/my-app', '{{ .Registry }}/my-app-web']);
  });

  it('starts with the $schema comment and holds the three tags on every target', () => {
    const artifacts = planArtifacts({ charts: [], files: ['a b.txt'] }, 'x', { ...options, target: 'ghcr.io/acme/tools' });
    const text = lazyDocumentText(artifacts, options);
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=https://example.test/lazy.schema.json');
    expect(parse(text)).toEqual({
      version: 1,
      artifacts: [
        { type: 'artifact', name: 'tools', files: [{ path: 'a b.txt' }], targets: [{ registry: 'ghcr.io/acme/tools', tags: ['{{ .Version }}', '{{ .GitSHA }}', 'latest'] }] },
      ],
    });
  });

  it('writes the tags of each artifact out in full, with no YAML anchor shared between them', () => {
    const artifacts = planArtifacts({ dockerfile: 'Dockerfile', charts: [{ path: '.' }], files: [] }, 'x', options);
    const text = lazyDocumentText(artifacts, options);
    expect(text).not.toMatch(/[&*]a\d/);
    expect(text.match(/- latest$/gm)).toHaveLength(2);
  });

  it('makes a repository name of any directory name', () => {
    expect(repositoryComponent('My_Cool App!')).toBe('my_cool-app');
    expect(repositoryComponent('..')).toBe('app');
    expect(repositoryComponent('--x--')).toBe('x');
  });
});
