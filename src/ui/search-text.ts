// `browse search` as text: a table of name, description, stars, pulls and official,
// without the columns the source never fills (a catalog knows names only). Cells go
// through formatTable, which shows control characters from the API escaped.
import type { SearchResult } from '../registry/client/search-result.js';
import { formatTable } from './table.js';

/** Descriptions are cut here in the table; -o json carries them whole. */
export const DESCRIPTION_WIDTH = 60;

/** 1234 → 1.2K, 5600000 → 5.6M: pull counts run to billions. */
export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  const units = ['K', 'M', 'B'];
  let value = n / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value >= 100 ? 0 : 1)}${units[unit]}`;
}

function shorten(text: string): string {
  const chars = [...text];
  return chars.length <= DESCRIPTION_WIDTH ? text : `${chars.slice(0, DESCRIPTION_WIDTH - 1).join('')}…`;
}

type Column = { title: string; cell: (r: SearchResult) => string; known: (r: SearchResult) => boolean };

const COLUMNS: Column[] = [
  { title: 'NAME', cell: (r) => r.name, known: () => true },
  { title: 'DESCRIPTION', cell: (r) => shorten(r.description ?? ''), known: (r) => r.description !== null },
  { title: 'STARS', cell: (r) => (r.stars === null ? '-' : formatCount(r.stars)), known: (r) => r.stars !== null },
  { title: 'PULLS', cell: (r) => (r.pulls === null ? '-' : formatCount(r.pulls)), known: (r) => r.pulls !== null },
  { title: 'OFFICIAL', cell: (r) => (r.official === true ? 'yes' : r.official === false ? '' : '-'), known: (r) => r.official !== null },
];

export function searchText(results: readonly SearchResult[]): string {
  if (results.length === 0) return '';
  const shown = COLUMNS.filter((c) => results.some(c.known));
  return formatTable([shown.map((c) => c.title), ...results.map((r) => shown.map((c) => c.cell(r)))]);
}
