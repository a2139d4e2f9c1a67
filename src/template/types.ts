// What the template engine is handed: the variables of one run, computed once.

export const VARIABLE_NAMES = [
  'Tag',
  'GitSHA',
  'GitBranch',
  'ChartVersion',
  'Timestamp',
  'Registry',
  'Version',
  'VersionMajor',
  'VersionMinor',
  'VersionPatch',
  'VersionPrerelease',
  'VersionMajorMinor',
  'VersionRaw',
] as const;

export type VariableName = (typeof VARIABLE_NAMES)[number];

export interface TemplateVariables {
  /** Values that are known. A value may be '' when empty means something (VersionPrerelease of a release). */
  values: Partial<Record<VariableName, string>>;
  /** For each variable that is not available, why (e.g. "set LAZYOCI_REGISTRY"). */
  missing: Partial<Record<VariableName, string>>;
}
