/**
 * The token list's geometry: which rows a scroll position shows and where each is drawn. Pure (no
 * DOM), so it is unit-tested.
 *
 * A list of n rows of height h wants n·h pixels of scroll height, but browsers cap an element's
 * height (Chromium near 33.5 M px; 3M tokens × 22 px is 66 M px). Up to `cap` the list scrolls one
 * pixel per pixel; above it the scroll range [0, cap − viewport] is mapped linearly onto the first
 * visible row [0, n − rows per viewport], and rows are drawn relative to the scroll position, so
 * the first row stays at the top, the last row is reachable at the bottom, and a scroll bar drag
 * of one pixel moves (n − viewport rows) / (cap − viewport) rows.
 */

/** Safely below every browser's largest element height. */
export const MAX_SCROLL_HEIGHT = 8_000_000;

export interface ListGeometry {
  /** Rows in the list. */
  readonly total: number;
  /** Height of one row (CSS px). */
  readonly rowHeight: number;
  /** Height of the scrolling viewport (CSS px). */
  readonly viewport: number;
  /** The tallest scroll height used (default MAX_SCROLL_HEIGHT). */
  readonly cap?: number;
}

export interface VisibleRows {
  /** First row to draw (inclusive). */
  readonly first: number;
  /** Row after the last to draw (exclusive). */
  readonly end: number;
  /** Top (CSS px, in the scrolled content) of row `first`; row i is at top + (i − first)·rowHeight. */
  readonly top: number;
}

/** The height of the scrolled content. */
export function scrollHeight(g: ListGeometry): number {
  return Math.min(g.total * g.rowHeight, g.cap ?? MAX_SCROLL_HEIGHT);
}

function scaled(g: ListGeometry): boolean {
  return g.total * g.rowHeight > (g.cap ?? MAX_SCROLL_HEIGHT);
}

/** The (fractional) row at the top of the viewport for a scroll position. */
export function rowAtTop(g: ListGeometry, scrollTop: number): number {
  if (g.total === 0) return 0;
  if (!scaled(g)) return Math.max(0, scrollTop / g.rowHeight);
  const range = Math.max(1, scrollHeight(g) - g.viewport);
  const rows = Math.max(0, g.total - g.viewport / g.rowHeight);
  return (Math.max(0, Math.min(scrollTop, range)) / range) * rows;
}

/** Rows to draw at `scrollTop`, with `overscan` extra rows above and below. */
export function visibleRows(g: ListGeometry, scrollTop: number, overscan = 4): VisibleRows {
  if (g.total === 0 || g.rowHeight <= 0) return { first: 0, end: 0, top: 0 };
  const exact = rowAtTop(g, scrollTop);
  const first = Math.max(0, Math.floor(exact) - overscan);
  const end = Math.min(g.total, Math.ceil(exact + g.viewport / g.rowHeight) + overscan);
  const top = scaled(g) ? scrollTop + (first - exact) * g.rowHeight : first * g.rowHeight;
  return { first, end, top };
}

/**
 * The scroll position that brings row `row` fully into view, moving as little as possible from
 * `scrollTop` (keyboard navigation); `scrollTop` itself when the row is already visible.
 */
export function scrollToShow(g: ListGeometry, scrollTop: number, row: number): number {
  const perView = Math.max(1, Math.floor(g.viewport / g.rowHeight));
  const top = rowAtTop(g, scrollTop);
  let wantedTop: number;
  if (row < top) wantedTop = row;
  else if (row + 1 > top + perView) wantedTop = row + 1 - perView;
  else return scrollTop;
  return scrollTopForRow(g, wantedTop);
}

/** The scroll position whose top row is `row` (fractional rows allowed). */
export function scrollTopForRow(g: ListGeometry, row: number): number {
  const clamped = Math.max(0, Math.min(row, Math.max(0, g.total - g.viewport / g.rowHeight)));
  if (!scaled(g)) return clamped * g.rowHeight;
  const range = Math.max(1, scrollHeight(g) - g.viewport);
  const rows = Math.max(1e-9, g.total - g.viewport / g.rowHeight);
  return (clamped / rows) * range;
}

/** Rows of [first, end) that are not in `have`, as at most one contiguous range to ask for. */
export function missingRange(first: number, end: number, have: (row: number) => boolean): { start: number; count: number } | undefined {
  let start = -1;
  let last = -1;
  for (let i = first; i < end; i++) {
    if (have(i)) continue;
    if (start < 0) start = i;
    last = i;
  }
  return start < 0 ? undefined : { start, count: last - start + 1 };
}
