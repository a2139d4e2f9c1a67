import { describe, expect, it } from 'vitest';
import { TemplateError } from '../errors/index.js';
import { parseTemplate } from './go-syntax.js';
import { hasTemplate, renderTemplate, templateVariablesUsed } from './render.js';
import type { TemplateVariables } from './types.js';

const vars: TemplateVariables = {
  values: {
    Tag: 'v1.2.3',
    GitSHA: 'abc1234',
    GitBranch: 'main',
    Timestamp: '20240102030405',
    Registry: 'localhost:5000',
    Version: '1.2.3',
    VersionMajor: '1',
    VersionMinor: '2',
    VersionPatch: '3',
    VersionPrerelease: '',
    VersionMajorMinor: '1.2',
    VersionRaw: 'v1.2.3',
  },
  missing: { ChartVersion: 'only available in helm artifacts' },
};

const noRegistry: TemplateVariables = {
  values: { ...vars.values, Registry: undefined },
  missing: { ...vars.missing, Registry: 'LAZYOCI_REGISTRY is not set' },
};

function templateError(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    return err as TemplateError;
  }
  throw new Error('expected a TemplateError');
}

describe('renderTemplate: output actions', () => {
  it('renders a variable in either delimiter form, with or without spaces', () => {
    expect(renderTemplate('{{ .Tag }}', vars)).toBe('v1.2.3');
    expect(renderTemplate('{{.Tag}}', vars)).toBe('v1.2.3');
    expect(renderTemplate('<< .Tag >>', vars)).toBe('v1.2.3');
    expect(renderTemplate('<<.GitSHA>>', vars)).toBe('abc1234');
    expect(renderTemplate('{{\t.Tag\n}}', vars)).toBe('v1.2.3');
  });

  it('mixes both forms and literal text in one string', () => {
    expect(renderTemplate('{{ .Registry }}/app:<< .Version >>-{{ .GitSHA }}', vars)).toBe(
      'localhost:5000/app:1.2.3-abc1234',
    );
  });

  it('returns plain strings unchanged', () => {
    expect(renderTemplate('latest', vars)).toBe('latest');
    expect(renderTemplate('', vars)).toBe('');
    expect(renderTemplate('a }} b >> c', vars)).toBe('a }} b >> c');
  });

  it('does not HTML-escape values or text', () => {
    const v: TemplateVariables = { values: { Tag: `a&b<c>/"d'` }, missing: {} };
    expect(renderTemplate('x&y<{{ .Tag }}>/', v)).toBe(`x&y<a&b<c>/"d'>/`);
  });

  it('keeps handlebars syntax in literal text literal', () => {
    // A lone brace or backslash next to an action must not become {{{ or \{{ for handlebars.
    expect(renderTemplate('{<< .Tag >>}', vars)).toBe('{v1.2.3}');
    expect(renderTemplate('<< .Tag >>}}}', vars)).toBe('v1.2.3}}}');
    expect(renderTemplate('{ {<< .Tag >>} }', vars)).toBe('{ {v1.2.3} }');
    expect(renderTemplate('C:\\<< .Tag >>', vars)).toBe('C:\\v1.2.3');
    expect(renderTemplate('\\{{ .Tag }}', vars)).toBe('\\v1.2.3');
  });

  it('treats an unclosed << as text', () => {
    expect(renderTemplate('cat <<EOF {{ .Tag }}', vars)).toBe('cat <<EOF v1.2.3');
    expect(hasTemplate('a << b')).toBe(false);
  });

  it('renders an empty value as empty (release VersionPrerelease)', () => {
    expect(renderTemplate('{{ .Version }}[{{ .VersionPrerelease }}]', vars)).toBe('1.2.3[]');
  });
});

describe('renderTemplate: trim markers', () => {
  it('trims white space before and after as Go does', () => {
    expect(renderTemplate('a  \n {{- .Tag }}  b', vars)).toBe('av1.2.3  b');
    expect(renderTemplate('a  {{ .Tag -}} \n\t b', vars)).toBe('a  v1.2.3b');
    expect(renderTemplate('a  <<- .Tag ->>  b', vars)).toBe('av1.2.3b');
  });

  it('trims around conditionals', () => {
    const src = 'x\n  {{- if .GitBranch }}\n  {{- .GitBranch -}}\n  {{ end -}}\n  y';
    expect(renderTemplate(src, vars)).toBe('xmainy');
  });

  it('does not treat a dash without white space as a trim marker', () => {
    const err = templateError(() => renderTemplate('a {{-.Tag}}', vars));
    expect(err.message).toContain('unsupported template action "{{-.Tag}}"');
  });
});

describe('renderTemplate: conditionals', () => {
  it('if / else', () => {
    expect(renderTemplate('{{ if .GitBranch }}b={{ .GitBranch }}{{ else }}none{{ end }}', vars)).toBe('b=main');
    expect(renderTemplate('{{ if .VersionPrerelease }}pre{{ else }}release{{ end }}', vars)).toBe('release');
  });

  it('if not / else if / else if not', () => {
    const src =
      '{{ if .VersionPrerelease }}A{{ else if not .Registry }}B{{ else if .GitSHA }}C{{ else }}D{{ end }}';
    expect(renderTemplate(src, vars)).toBe('C');
    expect(renderTemplate(src, noRegistry)).toBe('B');
    expect(renderTemplate('{{ if not .VersionPrerelease }}stable{{ end }}', vars)).toBe('stable');
    expect(renderTemplate('{{ if not .Tag }}no{{ else }}yes{{ end }}', vars)).toBe('yes');
    const noBranch: TemplateVariables = { values: {}, missing: {} };
    expect(renderTemplate('{{ if .Tag }}a{{ else if not .GitBranch }}b{{ end }}', noBranch)).toBe('b');
  });

  it('nests conditionals and mixes delimiters inside one if', () => {
    const src = '<< if .Tag >>{{ if .VersionPrerelease }}pre{{ else }}rel-<< .VersionMajorMinor >>{{ end }}{{ end }}';
    expect(renderTemplate(src, vars)).toBe('rel-1.2');
  });

  it('allows a missing variable in an if test, where it is false', () => {
    expect(renderTemplate('{{ if .Registry }}{{ .Registry }}/{{ end }}app', noRegistry)).toBe('app');
    expect(renderTemplate('{{ if .ChartVersion }}c{{ else }}no chart{{ end }}', vars)).toBe('no chart');
  });

  it('treats the string "0" or "false" as true, like Go', () => {
    const v: TemplateVariables = { values: { Tag: '0', GitSHA: 'false' }, missing: {} };
    expect(renderTemplate('{{ if .Tag }}t{{ end }}{{ if .GitSHA }}s{{ end }}', v)).toBe('ts');
  });
});

describe('renderTemplate: errors', () => {
  it('rejects an unknown variable and lists the known ones', () => {
    const err = templateError(() => renderTemplate('{{ .Foo }}', vars));
    expect(err.message).toMatch(/^unknown template variable \.Foo/);
    expect(err.message).toContain('.GitSHA');
    expect(err.variable).toBe('Foo');
  });

  it('rejects an unknown variable even inside an if test', () => {
    const err = templateError(() => renderTemplate('{{ if .Nope }}x{{ end }}', vars));
    expect(err.variable).toBe('Nope');
  });

  it('suggests the right spelling', () => {
    expect(templateError(() => renderTemplate('<< .gitsha >>', vars)).message).toContain('did you mean .GitSHA?');
  });

  it('rejects a missing variable used as output, naming it and why', () => {
    const err = templateError(() => renderTemplate('{{ .Registry }}/app', noRegistry));
    expect(err.message).toBe('.Registry is not available: LAZYOCI_REGISTRY is not set');
    expect(err.variable).toBe('Registry');
    const chart = templateError(() => renderTemplate('<< .ChartVersion >>', vars));
    expect(chart.message).toBe('.ChartVersion is not available: only available in helm artifacts');
  });

  it('rejects a missing variable output only in the branch that runs', () => {
    expect(renderTemplate('{{ if .Tag }}t{{ else }}{{ .Registry }}{{ end }}', noRegistry)).toBe('t');
    const err = templateError(() => renderTemplate('{{ if not .Tag }}t{{ else }}<< .Registry >>{{ end }}', noRegistry));
    expect(err.message).toBe('.Registry is not available: LAZYOCI_REGISTRY is not set');
    // A variable absent from both values and missing is still an error when written out.
    const bare = templateError(() => renderTemplate('{{ .GitBranch }}', { values: {}, missing: {} }));
    expect(bare.variable).toBe('GitBranch');
  });

  it('rejects unsupported actions, quoting them', () => {
    const cases = [
      '{{ .Tag | upper }}',
      '{{ upper .Tag }}',
      '{{ range .Tag }}x{{ end }}',
      '{{ with .Tag }}x{{ end }}',
      '{{ . }}',
      '{{ .Tag.Foo }}',
      '{{ $x := 1 }}',
      '{{ "lit" }}',
      '{{ if and .Tag .GitSHA }}x{{ end }}',
      '{{/* comment */}}',
      '<< .Tag | upper >>',
    ];
    for (const src of cases) {
      const err = templateError(() => renderTemplate(src, vars));
      const action = /^(\{\{.*?\}\}|<<.*?>>)/.exec(src)?.[1] ?? '';
      expect(err.message).toContain(`unsupported template action "${action}"`);
    }
  });

  it('rejects unbalanced if/else/end', () => {
    expect(templateError(() => renderTemplate('{{ if .Tag }}x', vars)).message).toBe(
      '"{{ if .Tag }}" has no matching {{ end }}',
    );
    expect(templateError(() => renderTemplate('<< if .Tag >>x', vars)).message).toBe(
      '"<< if .Tag >>" has no matching << end >>',
    );
    expect(templateError(() => renderTemplate('x{{ end }}', vars)).message).toContain('"{{ end }}" has no matching');
    expect(templateError(() => renderTemplate('x{{ else }}y', vars)).message).toContain('"{{ else }}" has no matching');
    expect(() => renderTemplate('{{ if .Tag }}a{{ else }}b{{ else }}c{{ end }}', vars)).toThrow(/second else/);
    expect(() => renderTemplate('{{ if .Tag }}a{{ else }}b{{ else if .GitSHA }}c{{ end }}', vars)).toThrow(
      /comes after/,
    );
  });

  it('rejects an unclosed {{', () => {
    const err = templateError(() => renderTemplate('app:{{ .Tag', vars));
    expect(err.message).toContain('unclosed template action "{{ .Tag"');
  });
});

describe('hasTemplate and templateVariablesUsed', () => {
  it('detects actions', () => {
    expect(hasTemplate('latest')).toBe(false);
    expect(hasTemplate('{{ .Tag }}')).toBe(true);
    expect(hasTemplate('a-<< .Tag >>')).toBe(true);
    expect(hasTemplate('{{ broken')).toBe(true);
  });

  it('lists variables in order of first use, once each, tests included', () => {
    expect(templateVariablesUsed('{{ if .ChartVersion }}<< .ChartVersion >>{{ else }}{{ .Tag }}{{ end }}')).toEqual([
      'ChartVersion',
      'Tag',
    ]);
    expect(templateVariablesUsed('plain')).toEqual([]);
    expect(() => templateVariablesUsed('{{ .Bad }}')).toThrow(TemplateError);
  });
});

describe('parseTemplate', () => {
  it.each([
    ['{{ }}', '{{ if .Tag }}', '{{ end }}'],
    ['<< >>', '<< if .Tag >>', '<< end >>'],
  ])('refuses ifs nested deeper than 100 levels (%s), naming the limit', (_, open, close) => {
    const deep = `${open.repeat(3000)}x${close.repeat(3000)}`;
    expect(templateError(() => renderTemplate(deep, vars)).message).toBe(`"${open}" nests if blocks deeper than 100 levels`);
    expect(renderTemplate(`${open.repeat(100)}x${close.repeat(100)}`, vars)).toBe('x');
  });

  // A generous bound, not a benchmark: each action used to search on to the end of the
  // string for the next << (70 s here for 400,000 actions); the scan is now one pass (about 1 s).
  it('parses 400,000 actions followed by a stray << in under 20 s', () => {
    const started = performance.now();
    const parsed = parseTemplate(`${'{{ .Tag }}'.repeat(400_000)} << `);
    expect(parsed.refs).toHaveLength(400_000);
    expect(performance.now() - started).toBeLessThan(20_000);
  }, 60_000);

  it('records whether each reference is output or test', () => {
    const parsed = parseTemplate('{{ if not .Registry }}x{{ else if .Tag }}{{ .Tag }}{{ end }}');
    expect(parsed.refs.map((r) => [r.name, r.usage])).toEqual([
      ['Registry', 'test'],
      ['Tag', 'test'],
      ['Tag', 'output'],
    ]);
    const node = parsed.nodes[0];
    expect(node?.kind).toBe('if');
    if (node?.kind === 'if') {
      expect(node.branches.map((b) => [b.variable, b.negated])).toEqual([
        ['Registry', true],
        ['Tag', false],
      ]);
      expect(node.elseBody).toBeUndefined();
    }
  });
});
