// The -o formats, apart from their renderers so the entry point can name them without
// loading the YAML library.
export type OutputFormat = 'text' | 'json' | 'yaml';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'yaml'];
