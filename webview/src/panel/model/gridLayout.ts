/**
 * Geometry of the model view (layers × heads of thumbnails, plus a column of each layer's head
 * average), in CSS pixels. Pure, for the unit tests: which cell is where, which is under the
 * pointer, which rows a scrolled viewport shows, where the keyboard cursor goes.
 *
 *   x: | gutter | head 0 | pad | head 1 | … | head H−1 | averageGap | average |
 *   y: | header | layer 0 | pad | layer 1 | … |
 *
 * Also the Heads side view's cell size (sideGridCells): there a layer's heads shrink, then wrap,
 * so the side bar never scrolls sideways.
 */

export interface GridLayout {
  readonly layers: number;
  readonly heads: number;
  /** Side of one thumbnail. */
  readonly cell: number;
  readonly pad: number;
  /** Left column of layer labels. */
  readonly gutter: number;
  /** Top row of head labels (stays put while the rows scroll). */
  readonly header: number;
  readonly averageGap: number;
  readonly width: number;
  /** All rows, header included. */
  readonly height: number;
}

/**
 * Small enough that 32 heads and the average fit a 300 px panel (issue 12: the grid does not
 * scroll sideways at 32 × 32); a cell that small still shows where a head's weight is.
 */
export const MIN_CELL = 4;
export const MAX_CELL = 64;
/** Below this cell side the gaps shrink to 1 px, so the cells keep the width. */
const SMALL_CELL = 12;

/** A cell's size so that every head and the average fit `available` pixels, within MIN…MAX_CELL. */
export function gridLayout(layers: number, heads: number, available: number): GridLayout {
  const gutter = 34, header = 18, averageGap = 10;
  const fitWith = (pad: number): number => Math.floor((available - gutter - averageGap) / (heads + 1)) - pad;
  const pad = fitWith(3) < SMALL_CELL ? 1 : 3;
  const fit = fitWith(pad);
  const cell = Math.max(MIN_CELL, Math.min(MAX_CELL, Number.isFinite(fit) ? fit : MIN_CELL));
  const step = cell + pad;
  return { layers, heads, cell, pad, gutter, header, averageGap, width: gutter + (heads + 1) * step + averageGap, height: header + layers * step };
}

/** Column `head` (0…H−1), or H for the average. */
export function cellLeft(g: GridLayout, column: number): number {
  return g.gutter + column * (g.cell + g.pad) + (column >= g.heads ? g.averageGap : 0);
}

/** A layer's top in content coordinates (before scrolling). */
export function rowTop(g: GridLayout, layer: number): number {
  return g.header + layer * (g.cell + g.pad);
}

/** The cell under content point (x, y): column H is the average; undefined in gaps and labels. */
export function cellAt(g: GridLayout, x: number, y: number): { layer: number; column: number; u: number; v: number } | undefined {
  const step = g.cell + g.pad;
  const layer = Math.floor((y - g.header) / step);
  if (y < g.header || layer < 0 || layer >= g.layers) return undefined;
  const v = (y - rowTop(g, layer)) / g.cell;
  if (v >= 1) return undefined;
  for (const column of [Math.floor((x - g.gutter) / step), g.heads]) {
    if (column < 0 || column > g.heads) continue;
    const u = (x - cellLeft(g, column)) / g.cell;
    if (u >= 0 && u < 1) return { layer, column, u, v };
  }
  return undefined;
}

/** Layers that meet the rows' viewport [scrollTop, scrollTop + height) (under the header). */
export function visibleLayers(g: GridLayout, scrollTop: number, height: number): { first: number; last: number } {
  const step = g.cell + g.pad;
  const first = Math.max(0, Math.floor(scrollTop / step));
  const last = Math.min(g.layers - 1, Math.floor((scrollTop + Math.max(0, height - g.header)) / step));
  return { first, last };
}

export interface Cursor {
  readonly layer: number;
  readonly head: number;
}

/** The keyboard's next cell: arrows move by one, Page Up/Down by `page` layers, Home/End to the row's ends. */
export function moveCursor(c: Cursor, key: string, layers: number, heads: number, page = 4): Cursor | undefined {
  const clamp = (v: number, n: number): number => Math.max(0, Math.min(n - 1, v));
  switch (key) {
    case 'ArrowLeft':
      return { layer: c.layer, head: clamp(c.head - 1, heads) };
    case 'ArrowRight':
      return { layer: c.layer, head: clamp(c.head + 1, heads) };
    case 'ArrowUp':
      return { layer: clamp(c.layer - 1, layers), head: c.head };
    case 'ArrowDown':
      return { layer: clamp(c.layer + 1, layers), head: c.head };
    case 'PageUp':
      return { layer: clamp(c.layer - page, layers), head: c.head };
    case 'PageDown':
      return { layer: clamp(c.layer + page, layers), head: c.head };
    case 'Home':
      return { layer: c.layer, head: 0 };
    case 'End':
      return { layer: c.layer, head: heads - 1 };
    default:
      return undefined;
  }
}

/** The scroll offset that brings a layer's row into a viewport of `height`, or `scrollTop` if it is in. */
export function scrollToLayer(g: GridLayout, layer: number, scrollTop: number, height: number): number {
  const step = g.cell + g.pad;
  const top = layer * step;
  const rows = Math.max(step, height - g.header);
  if (top < scrollTop) return top;
  if (top + g.cell > scrollTop + rows) return top + g.cell - rows;
  return scrollTop;
}

/** The Heads side view's smallest thumbnail side (CSS px); below it a layer's heads wrap onto more lines. */
export const SIDE_MIN_CELL = 12;
/** A side-view cell's box around its thumbnail: 2 px padding and a 1 px border each side. */
export const SIDE_CELL_BOX = 6;
export const SIDE_CELL_GAP = 2;

/**
 * The Heads side view's cells for a layer of `heads` in `available` CSS px (issue 12: no sideways
 * scrolling at 32 × 32 in a side bar): the thumbnail shrinks from `preferred` until every head
 * fits one line, down to SIDE_MIN_CELL; past that the heads wrap, `perLine` a line. Never wider
 * than `available` unless one cell alone is.
 */
export function sideGridCells(heads: number, available: number, preferred: number): { cell: number; perLine: number; lines: number } {
  const n = Math.max(1, heads);
  const fit = Math.floor((available - SIDE_CELL_GAP * (n - 1)) / n) - SIDE_CELL_BOX;
  const cell = Math.max(SIDE_MIN_CELL, Math.min(preferred, Number.isFinite(fit) ? fit : preferred));
  const perLine = Math.max(1, Math.min(n, Math.floor((available + SIDE_CELL_GAP) / (cell + SIDE_CELL_BOX + SIDE_CELL_GAP))));
  return { cell, perLine, lines: Math.ceil(n / perLine) };
}
