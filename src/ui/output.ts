// Structured output: -o json|yaml print the result object; text uses a renderer.
import { stringify } from 'yaml';

export { OUTPUT_FORMATS, type OutputFormat } from './output-formats.js';
import type { OutputFormat } from './output-formats.js';

export function renderOutput<T>(format: OutputFormat, data: T, text: (data: T) => string): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(data, null, 2)}\n`;
    case 'yaml':
      return stringify(data);
    case 'text': {
      const out = text(data);
      return out === '' || out.endsWith('\n') ? out : `${out}\n`;
    }
  }
}
