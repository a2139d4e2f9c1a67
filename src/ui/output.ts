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

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}
