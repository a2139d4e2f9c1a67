// Plain-text tables: columns padded to their widest cell, two spaces apart; the last
// column is not padded, so lines carry no trailing blanks. Cells are single values,
// often from a registry, so each is made safe for the terminal first.
import { terminalSafe } from './terminal-safe.js';

export interface TableOptions {
  /** Printed before each line (e.g. two spaces under a heading). */
  indent?: string;
}

export function formatTable(rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  const indent = options.indent ?? '';
  const safeRows = rows.map((row) => row.map(terminalSafe));
  const columns = Math.max(0, ...safeRows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(0, ...safeRows.map((r) => [...(r[c] ?? '')].length)));
  return safeRows
    .map((row) => {
      const cells = Array.from({ length: columns }, (_, c) => row[c] ?? '');
      // Trailing empty cells would only add trailing blanks.
      while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
      const line = cells.map((cell, c) => (c === cells.length - 1 ? cell : cell + ' '.repeat(widths[c]! - [...cell].length))).join('  ');
      return indent + line;
    })
    .join('\n');
}
