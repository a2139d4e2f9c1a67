// Where each pane goes for a terminal size: the registries and repositories stacked on
// the left, tags over details on the right, a title line above and a status line below.
// Pure, so mouse clicks are mapped with the same numbers the screen was drawn with.

export type PaneId = 'registries' | 'repositories' | 'tags' | 'details';
export const PANES: readonly PaneId[] = ['registries', 'repositories', 'tags', 'details'];

export interface Rect {
  top: number;
  left: number;
  width: number;
  height: number;
}

export type Layout = Record<PaneId, Rect> & { columns: number; rows: number };

/** The smallest screen laid out as intended; smaller ones are clipped. */
export const MIN_COLUMNS = 60;
export const MIN_ROWS = 16;

export function layoutFor(columns: number, rows: number, focus: PaneId): Layout {
  const w = Math.max(columns, MIN_COLUMNS);
  const h = Math.max(rows, MIN_ROWS);
  const body = h - 2;
  const leftWidth = Math.max(22, Math.floor(w * 0.3));
  const rightWidth = w - leftWidth;
  const registriesHeight = Math.max(5, Math.floor(body * 0.3));
  // The right column gives most of its height to whichever of tags and details is in use.
  const tagsHeight = focus === 'details' ? Math.max(6, Math.floor(body * 0.35)) : Math.max(6, Math.floor(body * 0.6));
  return {
    columns: w,
    rows: h,
    registries: { top: 1, left: 0, width: leftWidth, height: registriesHeight },
    repositories: { top: 1 + registriesHeight, left: 0, width: leftWidth, height: body - registriesHeight },
    tags: { top: 1, left: leftWidth, width: rightWidth, height: tagsHeight },
    details: { top: 1 + tagsHeight, left: leftWidth, width: rightWidth, height: body - tagsHeight },
  };
}

/** Rows of list content a pane shows: its height less two border lines, its title line and any header. */
export function listRows(rect: Rect, header = false): number {
  return Math.max(1, rect.height - 3 - (header ? 1 : 0));
}

/** The panes whose list has a column header line (mouse rows start below it). */
export const HEADED: ReadonlySet<PaneId> = new Set<PaneId>(['tags']);

/** The pane a screen cell (0-based) falls in. */
export function paneAt(layout: Layout, x: number, y: number): PaneId | undefined {
  return PANES.find((p) => {
    const r = layout[p];
    return x >= r.left && x < r.left + r.width && y >= r.top && y < r.top + r.height;
  });
}

/** First visible row index so the cursor stays in view, moving the window as little as possible. */
export function follow(offset: number, cursor: number, rows: number, count: number): number {
  let next = offset;
  if (cursor < next) next = cursor;
  if (cursor >= next + rows) next = cursor - rows + 1;
  return Math.max(0, Math.min(next, Math.max(0, count - rows)));
}
