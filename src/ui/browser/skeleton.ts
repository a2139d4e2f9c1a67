// The browser's first paint, before ink, React and yoga are loaded: the four panes'
// borders and titles, the title line and the status line, as plain ANSI text laid out
// with the same numbers (layout.ts) and colours (themes.ts) ink draws them with a
// moment later. Pure: no terminal, no imports beyond the two small tables.
import { layoutFor, type Rect } from './layout.js';
import type { Theme } from './themes.js';

const RESET = '\x1b[0m';
const BOLD = '\x1b[1m';

const NAMED: Record<string, number> = { black: 30, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, white: 37, gray: 90, grey: 90 };

/** How many colours the terminal takes: 256 by default, 16 million with COLORTERM=truecolor. */
export type ColorDepth = 256 | 16_777_216;

export function colorDepth(env: NodeJS.ProcessEnv): ColorDepth {
  return env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit' ? 16_777_216 : 256;
}

/** The foreground SGR for an ink colour (a name or #rrggbb); '' for one it does not know. */
export function foreground(color: string | undefined, depth: ColorDepth): string {
  if (color === undefined) return '';
  const named = NAMED[color];
  if (named !== undefined) return `\x1b[${named}m`;
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (hex === null) return '';
  const [r, g, b] = [hex[1]!, hex[2]!, hex[3]!].map((h) => parseInt(h, 16)) as [number, number, number];
  if (depth === 16_777_216) return `\x1b[38;2;${r};${g};${b}m`;
  // The 6×6×6 cube and grey ramp, as chalk maps it.
  if (r === g && g === b) {
    const grey = r < 8 ? 16 : r > 248 ? 231 : Math.round(((r - 8) / 247) * 24) + 232;
    return `\x1b[38;5;${grey}m`;
  }
  const cube = 16 + 36 * Math.round((r / 255) * 5) + 6 * Math.round((g / 255) * 5) + Math.round((b / 255) * 5);
  return `\x1b[38;5;${cube}m`;
}

interface Box {
  rect: Rect;
  title: string;
  focused: boolean;
}

const ROUND = { tl: '╭', tr: '╮', bl: '╰', br: '╯', h: '─', v: '│' };
const HEAVY = { tl: '┏', tr: '┓', bl: '┗', br: '┛', h: '━', v: '┃' };

export interface SkeletonOptions {
  columns: number;
  rows: number;
  theme: Theme;
  depth: ColorDepth;
}

/**
 * The whole screen as one string: each line placed with a cursor move (the alternate
 * screen's cursor may be anywhere), the cursor left at the top left, where ink starts.
 */
export function skeletonFrame(opts: SkeletonOptions): string {
  const { theme } = opts;
  const plain = theme.plain === true;
  const fg = (color: string): string => (plain ? '' : foreground(color, opts.depth));
  const layout = layoutFor(opts.columns, opts.rows, 'registries');
  // Clipped to the terminal, as ink's frame is when the screen is below the minimum size.
  const width = Math.min(layout.columns, opts.columns);
  const height = Math.min(layout.rows, opts.rows);
  const cells: string[][] = Array.from({ length: layout.rows }, () => Array.from({ length: layout.columns }, () => ' '));
  const style: string[][] = Array.from({ length: layout.rows }, () => Array.from({ length: layout.columns }, () => ''));
  const put = (y: number, x: number, text: string, sgr: string): void => {
    let i = 0;
    for (const ch of text) {
      if (y < 0 || y >= layout.rows || x + i >= layout.columns) break;
      cells[y]![x + i] = ch;
      style[y]![x + i] = sgr;
      i++;
    }
  };
  const boxes: Box[] = [
    { rect: layout.registries, title: '1 Registries', focused: true },
    { rect: layout.repositories, title: '2 Repositories', focused: false },
    { rect: layout.tags, title: '3 Tags', focused: false },
    { rect: layout.details, title: '4 Details', focused: false },
  ];
  for (const { rect, title, focused } of boxes) {
    const b = focused ? HEAVY : ROUND;
    const border = plain ? '' : fg(focused ? theme.focus : theme.border);
    const inner = Math.max(0, rect.width - 2);
    const bottom = rect.top + rect.height - 1;
    put(rect.top, rect.left, `${b.tl}${b.h.repeat(inner)}${b.tr}`, border);
    put(bottom, rect.left, `${b.bl}${b.h.repeat(inner)}${b.br}`, border);
    for (let y = rect.top + 1; y < bottom; y++) {
      put(y, rect.left, b.v, border);
      put(y, rect.left + rect.width - 1, b.v, border);
    }
    put(rect.top + 1, rect.left + 1, title.slice(0, inner), focused ? `${BOLD}${plain ? '' : fg(theme.focus)}` : '');
  }
  put(0, 0, 'lazyoci', `${BOLD}${fg(theme.accent)}`);
  const hints = ' ? help  q quit';
  put(layout.rows - 1, Math.max(0, layout.columns - hints.length), hints, fg(theme.dim));

  let out = '';
  for (let y = 0; y < height; y++) {
    out += `\x1b[${y + 1};1H`;
    let current = '';
    for (let x = 0; x < width; x++) {
      const s = style[y]![x]!;
      if (s !== current) {
        out += RESET + s;
        current = s;
      }
      out += cells[y]![x]!;
    }
    if (current !== '') out += RESET;
  }
  return `${out}\x1b[H`;
}
