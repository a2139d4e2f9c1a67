// Public API of the template module: strict Go-style rendering and the run's variables.

export { VARIABLE_NAMES, type TemplateVariables, type VariableName } from './types.js';
export {
  parseTemplate,
  type IfBranch,
  type IfNode,
  type OutputNode,
  type ParsedTemplate,
  type TemplateNode,
  type TextNode,
  type VariableRef,
} from './go-syntax.js';
export { hasTemplate, renderTemplate, templateVariablesUsed } from './render.js';
export { formatTimestamp, resolveVariables, withChartVersion, type ResolveVariablesOptions } from './variables.js';
