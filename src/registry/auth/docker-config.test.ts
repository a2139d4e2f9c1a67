import { describe, expect, it } from 'vitest';
import { credentialRepository } from './authenticator.js';
import { findForRepository, helmRegistryConfigFile, keyScope } from './docker-config.js';

describe('Docker config keys', () => {
  it('a URL key names its host; a bare key keeps its path', () => {
    expect(keyScope('https://Reg.example.com:5000/v2/')).toBe('reg.example.com:5000');
    expect(keyScope('reg.example.com/Org/team/')).toBe('reg.example.com/org/team');
  });

  it('matches the longest key that is the host or a whole-segment path prefix of the repository', () => {
    const map = { 'r.io': 'host', 'r.io/org': 'org', 'r.io/org/team': 'team', 'r.io/organisation': 'other' };
    expect(findForRepository(map, 'r.io', 'org/team/app')?.value).toBe('team');
    expect(findForRepository(map, 'r.io', 'org/app')?.value).toBe('org');
    expect(findForRepository(map, 'r.io', 'orgx/app')?.value).toBe('host');
    expect(findForRepository(map, 'r.io', 'organisation')?.value).toBe('other');
    expect(findForRepository(map, 'r.io')?.value).toBe('host');
    expect(findForRepository({ 'r.io/org': 'org' }, 'r.io')).toBeUndefined();
    expect(findForRepository({ 'https://index.docker.io/v1/': 'hub' }, 'docker.io', 'library/nginx')?.value).toBe('hub');
  });

  it("finds Helm's registry config where helm registry login writes it", () => {
    expect(helmRegistryConfigFile({ HELM_REGISTRY_CONFIG: '/x/c.json', HOME: '/h' })).toBe('/x/c.json');
    expect(helmRegistryConfigFile({ HELM_CONFIG_HOME: '/hc', HOME: '/h' })).toBe('/hc/registry/config.json');
    expect(helmRegistryConfigFile({ XDG_CONFIG_HOME: '/xdg', HOME: '/h' })).toBe('/xdg/helm/registry/config.json');
    expect(helmRegistryConfigFile({ HOME: '/h' })).toBe('/h/.config/helm/registry/config.json');
  });

  it('a request uses the credential of the repository it writes, else the first it reads', () => {
    expect(credentialRepository(['repository:src:pull', 'repository:dst:pull,push'])).toBe('dst');
    expect(credentialRepository(['repository:a/b:pull'])).toBe('a/b');
    expect(credentialRepository(['registry:catalog:*'])).toBeUndefined();
    expect(credentialRepository([])).toBeUndefined();
  });
});
