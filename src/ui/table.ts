// Plain-text tables: columns padded to their widest cell, two spaces apart; the last
// column is not padded, so lines carry no trailing blanks.

export interface TableOptions {
  /** Printed before each line (e.g. two spaces under a heading). */
  indent?: string;
}

export function formatTable(rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  const indent = options.indent ?? '';
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(0, ...rows.map((r) => [...(r[c] ?? '')].length)));
  return rows
    .map((row) => {
      const cells = Array.from({ length: columns }, (_, c) => row[c] ?? '');
      // Trailing empty cells would only add trailing blanks.
      while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
      const line = cells.map((cell, c) => (c === cells.length - 1 ? cell : cell + ' '.repeat(widths[c]! - [...cell].length))).join('  ');
      return indent + line;
    })
    .join('\n');
}
