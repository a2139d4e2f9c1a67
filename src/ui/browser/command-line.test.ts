import { describe, expect, it } from 'vitest';
import { parseCommand } from './command-line.js';

describe('parseCommand', () => {
  it('reads :repo, :tag, :registry, :theme and :q', () => {
    expect(parseCommand('repo team/app/')).toEqual({ kind: 'repo', name: 'team/app' });
    expect(parseCommand(' tag v1.2 ')).toEqual({ kind: 'tag', tag: 'v1.2' });
    expect(parseCommand('registry oci://localhost:5000/')).toEqual({ kind: 'registry', host: 'localhost:5000' });
    expect(parseCommand('theme dracula')).toEqual({ kind: 'theme', name: 'dracula' });
    expect(parseCommand('q')).toEqual({ kind: 'quit' });
  });

  it('names what is missing or unknown', () => {
    expect(parseCommand('repo')).toMatchObject({ kind: 'invalid', message: ':repo needs a repository name' });
    expect(parseCommand('frobnicate')).toMatchObject({ kind: 'invalid' });
  });
});
