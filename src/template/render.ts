// Renders Go-style templates strictly: checks every variable against the run's
// variables, then translates the tree to handlebars and renders it without escaping.

import { createRequire } from 'node:module';
import { TemplateError } from '../errors/index.js';
import { containsAction, parseTemplate, type ParsedTemplate, type TemplateNode } from './go-syntax.js';
import { VARIABLE_NAMES, type TemplateVariables, type VariableName } from './types.js';

const KNOWN = new Set<string>(VARIABLE_NAMES);

type HandlebarsModule = typeof import('handlebars');
let handlebars: HandlebarsModule | undefined;

/**
 * Loaded on the first template with an action: a .lazy of plain strings never pays for it.
 * The build bundles it beside the CLI (scripts/build.mjs), since the installed package has
 * no node_modules; from the sources (unit tests) it is the package itself.
 */
function loadHandlebars(): HandlebarsModule {
  if (handlebars !== undefined) return handlebars;
  const require = createRequire(import.meta.url);
  try {
    handlebars = require('./handlebars.cjs') as HandlebarsModule;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    handlebars = require('handlebars') as HandlebarsModule;
  }
  return handlebars;
}

function isVariableName(name: string): name is VariableName {
  return KNOWN.has(name);
}

function unknownVariable(name: string): TemplateError {
  const lower = name.toLowerCase();
  const close = VARIABLE_NAMES.find((known) => known.toLowerCase() === lower);
  const suggestion = close === undefined ? '' : ` (did you mean .${close}?)`;
  const known = VARIABLE_NAMES.map((n) => `.${n}`).join(', ');
  return new TemplateError(`unknown template variable .${name}${suggestion}; known variables: ${known}`, name);
}

/** Parses and rejects unknown variables; shared by render and templateVariablesUsed. */
function parseChecked(source: string): ParsedTemplate {
  const parsed = parseTemplate(source);
  for (const ref of parsed.refs) {
    if (!isVariableName(ref.name)) throw unknownVariable(ref.name);
  }
  return parsed;
}

/** Stands in for the output of a missing variable; it throws only if that output is reached. */
const MISSING_HELPER = 'lazyociMissing';

/**
 * Literal text is handed to handlebars as data (`{{t.[n]}}`) rather than as template
 * source, so nothing in it — a `{{`, a lone `{` next to an action, a backslash before
 * one — can be read as handlebars syntax.
 */
function toHandlebars(nodes: TemplateNode[], texts: string[], isMissing: (name: string) => boolean): string {
  const sub = (body: TemplateNode[]): string => toHandlebars(body, texts, isMissing);
  let out = '';
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
        out += `{{t.[${texts.length}]}}`;
        texts.push(node.text);
        break;
      case 'output':
        // Missing output is an error only where it runs, so `{{ if .X }}{{ .X }}{{ end }}` works.
        out += isMissing(node.variable) ? `{{${MISSING_HELPER} "${node.variable}"}}` : `{{v.${node.variable}}}`;
        break;
      case 'if': {
        const first = node.branches[0];
        if (first === undefined) break;
        const helper = first.negated ? 'unless' : 'if';
        out += `{{#${helper} v.${first.variable}}}${sub(first.body)}`;
        for (const branch of node.branches.slice(1)) {
          out += `{{else ${branch.negated ? 'unless' : 'if'} v.${branch.variable}}}${sub(branch.body)}`;
        }
        if (node.elseBody !== undefined) out += `{{else}}${sub(node.elseBody)}`;
        out += `{{/${helper}}}`;
        break;
      }
    }
  }
  return out;
}

/**
 * Renders `source` with the run's variables. Throws TemplateError for unsupported syntax,
 * an unknown variable (anywhere), or a missing variable whose value is written out by the
 * branch that runs; in an `if` test a missing variable is simply false.
 */
export function renderTemplate(source: string, vars: TemplateVariables): string {
  if (!containsAction(source)) return source;
  const parsed = parseChecked(source);
  const isMissing = (name: string): boolean => vars.values[name as VariableName] === undefined;

  const texts: string[] = [];
  const hbSource = toHandlebars(parsed.nodes, texts, isMissing);
  // A fresh environment per call: nothing registered globally can leak in.
  const hb = loadHandlebars().create();
  hb.registerHelper(MISSING_HELPER, (name: unknown) => {
    const variable = String(name) as VariableName;
    const reason = vars.missing[variable] ?? 'no value was provided';
    throw new TemplateError(`.${variable} is not available: ${reason}`, variable);
  });
  const render = hb.compile(hbSource, {
    noEscape: true,
    strict: false,
    knownHelpers: { [MISSING_HELPER]: true },
    knownHelpersOnly: true,
    ignoreStandalone: true,
  });
  const values: Record<string, string> = {};
  for (const name of VARIABLE_NAMES) {
    const value = vars.values[name];
    if (value !== undefined) values[name] = value;
  }
  return render({ v: values, t: texts });
}

/** True when the string contains a template action (`{{ … }}` or a closed `<< … >>`). */
export function hasTemplate(source: string): boolean {
  return containsAction(source);
}

/**
 * The known variables a template refers to, in order of first use, each once.
 * Throws TemplateError for unsupported syntax or an unknown variable.
 */
export function templateVariablesUsed(source: string): VariableName[] {
  if (!containsAction(source)) return [];
  const seen = new Set<VariableName>();
  for (const ref of parseChecked(source).refs) seen.add(ref.name as VariableName);
  return [...seen];
}
