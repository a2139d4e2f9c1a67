// Structured output: -o json|yaml print the result object; text uses a renderer.
import { stringify } from 'yaml';

export { OUTPUT_FORMATS, type OutputFormat } from './output-formats.js';
import type { OutputFormat } from './output-formats.js';
import { terminalSafe, terminalSafeLines } from './terminal-safe.js';

/** A list as text, one entry a line; an entry's own newlines are shown escaped. */
export function listText(items: readonly string[]): string {
  return items.map(terminalSafe).join('\n');
}

export function renderOutput<T>(format: OutputFormat, data: T, text: (data: T) => string): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(data, null, 2)}\n`;
    case 'yaml':
      return stringify(data);
    case 'text': {
      // Renderers escape the values they print; this catches any control character left.
      const out = terminalSafeLines(text(data));
      return out === '' || out.endsWith('\n') ? out : `${out}\n`;
    }
  }
}
