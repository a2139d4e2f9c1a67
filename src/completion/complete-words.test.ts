import { describe, expect, it } from 'vitest';
import type { CommandSpec } from './command-tree.js';
import { analyseWords, joinBashWords } from './complete-words.js';

const tree: CommandSpec = {
  name: 'lazyoci',
  aliases: [],
  options: [
    { flags: ['-o', '--output'], name: 'output', value: 'required', choices: ['text', 'json'] },
    { flags: ['-q', '--quiet'], name: 'quiet', value: 'none' },
  ],
  arguments: [],
  commands: [
    {
      name: 'build',
      aliases: [],
      options: [
        { flags: ['-f', '--file'], name: 'file', value: 'required' },
        { flags: ['-a', '--artifact'], name: 'artifact', value: 'required' },
        { flags: ['--dry-run'], name: 'dry-run', value: 'optional' },
      ],
      arguments: [{ name: 'path', variadic: false }],
      commands: [],
    },
    {
      name: 'registry',
      aliases: [],
      options: [],
      arguments: [],
      commands: [{ name: 'remove', aliases: ['rm'], options: [], arguments: [{ name: 'name', variadic: false }], commands: [] }],
    },
  ],
};

describe('analyseWords', () => {
  it('wants a command at the top', () => {
    const a = analyseWords(tree, ['b']);
    expect(a.wanted).toEqual({ kind: 'operand', index: 0 });
    expect(a.path.map((c) => c.name)).toEqual(['lazyoci']);
  });

  it('skips global flags and their values before the command', () => {
    const a = analyseWords(tree, ['-o', 'json', '--quiet', 'build', '']);
    expect(a.path.map((c) => c.name)).toEqual(['lazyoci', 'build']);
    expect(a.wanted).toMatchObject({ kind: 'operand', index: 0, argument: { name: 'path' } });
    expect(a.given.get('output')).toBe('json');
  });

  it('wants the value of a flag that takes one, found in the command or its parents', () => {
    expect(analyseWords(tree, ['build', '-a', ''])).toMatchObject({ wanted: { kind: 'value', option: { name: 'artifact' }, prefix: '' } });
    expect(analyseWords(tree, ['build', '-o', 'j'])).toMatchObject({ wanted: { kind: 'value', option: { name: 'output' } }, current: 'j' });
    expect(analyseWords(tree, ['build', '--output=y'])).toMatchObject({ wanted: { kind: 'value', option: { name: 'output' }, prefix: '--output=' } });
  });

  it('remembers -f, --file=X and -fX for the artifact lookup', () => {
    expect(analyseWords(tree, ['build', '-f', 'x.lazy', '-a', '']).given.get('file')).toBe('x.lazy');
    expect(analyseWords(tree, ['build', '--file=y.lazy', '-a', '']).given.get('file')).toBe('y.lazy');
    expect(analyseWords(tree, ['build', '-fz.lazy', '-a', '']).given.get('file')).toBe('z.lazy');
  });

  it('does not take an optional flag value from the next word', () => {
    const a = analyseWords(tree, ['build', '--dry-run', 'dir', '']);
    expect(a.operands).toEqual(['dir']);
    expect(a.wanted).toEqual({ kind: 'operand', index: 1 });
  });

  it('follows aliases and counts arguments of the innermost command', () => {
    const a = analyseWords(tree, ['registry', 'rm', '']);
    expect(a.path.map((c) => c.name)).toEqual(['lazyoci', 'registry', 'remove']);
    expect(a.wanted).toMatchObject({ kind: 'operand', argument: { name: 'name' } });
  });

  it('wants a flag for a dash, and only arguments after --', () => {
    expect(analyseWords(tree, ['build', '--d']).wanted).toEqual({ kind: 'flag' });
    expect(analyseWords(tree, ['build', '--', '-x']).wanted).toMatchObject({ kind: 'operand', index: 0 });
  });
});

describe('joinBashWords', () => {
  it('glues pieces bash split at : and =', () => {
    expect(joinBashWords(['browse', 'tags', 'localhost', ':', '5000/re'])).toEqual({ words: ['browse', 'tags', 'localhost:5000/re'], lastPiece: '5000/re' });
    expect(joinBashWords(['--output', '=', 'j'])).toEqual({ words: ['--output=j'], lastPiece: 'j' });
    expect(joinBashWords(['pull', 'host', ':'])).toEqual({ words: ['pull', 'host:'], lastPiece: ':' });
    expect(joinBashWords(['pull', 'host', ':', ''])).toEqual({ words: ['pull', 'host:'], lastPiece: '' });
  });

  it('keeps an empty current word', () => {
    expect(joinBashWords(['build', ''])).toEqual({ words: ['build', ''], lastPiece: '' });
    expect(joinBashWords([])).toEqual({ words: [''], lastPiece: '' });
  });
});
