/**
 * The Heads side view for a model: layers × heads of thumbnails, a row label per layer, `L#H#`
 * under each cell, the focused (layer, head) highlighted. The arrow keys move between cells
 * as in the panel's model view (Home/End: a row's ends, Page Up/Down: four layers), Enter or Space focuses the
 * cell in the panel, and so does a click.
 *
 * Light for the side bar: plain DOM, no chart library. Up to 32 × 32 heads, so a row's
 * thumbnails are painted only once the row scrolls near the view (IntersectionObserver).
 *
 * Never scrolled sideways (a side bar is ~300 px; 32 heads of 26 px were ~1000): a layer's
 * thumbnails shrink to fit the width, and below SIDE_MIN_CELL wrap onto more lines
 * (sideGridCells, recomputed as the view is resized); their `L#H#` labels give way to the
 * tooltip and the accessible name once a cell is narrower than the label. The arrow keys still
 * move by layer and head, whatever the lines.
 */
import type { Palette } from './colour';
import { h, readable } from './dom';
import { paintThumb } from './thumbs';
import { moveCursor, SIDE_CELL_BOX, sideGridCells } from './panel/model/gridLayout';
import type { WireThumb } from '../../src/shared/protocol';

/** The thumbnail side a layer gets when the width allows (CSS px), and the one it is painted at. */
function cellSize(heads: number): number {
  return heads <= 4 ? 44 : heads <= 8 ? 36 : heads <= 16 ? 30 : 26;
}

/** The layer label's column, and the gap after it (CSS px; media/heads.css agrees). */
const LABEL_COLUMN = 44 + 4;
/** Below this cell side, `L12H32` does not fit under the thumbnail. */
const LABEL_MIN_CELL = 34;

export class LayerHeadGrid {
  readonly element: HTMLElement;
  private cells: HTMLElement[] = [];
  private canvases: HTMLCanvasElement[] = [];
  private thumbs: readonly WireThumb[] = [];
  private layers = 0;
  private heads = 0;
  private focused = 0;
  /** The keyboard's cell (roving tabindex); follows the focus when that changes from elsewhere. */
  private cursor = 0;
  private painted: boolean[] = [];
  private observer: IntersectionObserver | undefined;
  /** The grid's width as last laid out (CSS px). */
  private width = 0;

  constructor(
    private palette: Palette,
    private readonly onFocus: (index: number) => void,
  ) {
    this.element = h('div', { className: 'layer-grid', testid: 'head-grid', attrs: { role: 'grid', 'aria-label': 'Attention heads by layer' } });
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver((entries) => {
        for (const entry of entries) {
          if (Math.abs(entry.contentRect.width - this.width) < 1) continue;
          this.width = entry.contentRect.width;
          this.fit();
        }
      }).observe(this.element);
    }
    this.element.addEventListener('keydown', (event) => {
      if (this.cells.length === 0) return;
      if (event.key === 'Enter' || event.key === ' ') {
        this.onFocus(this.cursor);
        event.preventDefault();
        return;
      }
      const at = { layer: Math.floor(this.cursor / this.heads), head: this.cursor % this.heads };
      const next = moveCursor(at, event.key, this.layers, this.heads);
      if (!next) return;
      event.preventDefault();
      this.moveCursor(next.layer * this.heads + next.head, true);
    });
  }

  render(thumbs: readonly WireThumb[], layers: number, focused: number): void {
    this.observer?.disconnect();
    this.thumbs = thumbs;
    this.layers = layers;
    this.heads = layers > 0 ? thumbs.length / layers : 0;
    this.focused = focused;
    this.cursor = focused;
    this.cells = [];
    this.canvases = [];
    this.painted = Array.from({ length: layers }, () => false);
    const size = cellSize(this.heads);
    this.element.dataset.layers = String(layers);
    this.element.dataset.heads = String(this.heads);
    const rows = Array.from({ length: layers }, (_, layer) => {
      const cells = Array.from({ length: this.heads }, (_, head) => {
        const index = layer * this.heads + head;
        const canvas = h('canvas', { attrs: { 'aria-hidden': 'true' } });
        canvas.style.width = `${size}px`;
        canvas.style.height = `${size}px`;
        this.canvases.push(canvas);
        const label = `L${layer + 1}H${head + 1}`;
        const cell = h(
          'div',
          {
            testid: 'head-item',
            className: 'thumb grid-thumb',
            title: `Layer ${layer + 1}, head ${head + 1}: largest weight ${readable(thumbs[index]!.max)}. Click or press Enter to focus it in the panel.`,
            attrs: {
              role: 'gridcell',
              'data-head': index,
              'data-layer': layer,
              'data-layer-head': head,
              'aria-label': `Layer ${layer + 1}, head ${head + 1}`,
              'aria-selected': index === focused ? 'true' : 'false',
              tabindex: index === focused ? 0 : -1,
            },
          },
          [canvas, h('span', { className: 'thumb-label', text: label })],
        );
        cell.addEventListener('click', () => {
          this.moveCursor(index, false);
          this.onFocus(index);
        });
        this.cells.push(cell);
        return cell;
      });
      const row = h('div', { className: 'layer-row', testid: 'head-grid-row', attrs: { role: 'row', 'data-layer': layer } }, [
        h('div', { className: 'layer-label', text: `Layer ${layer + 1}`, attrs: { role: 'rowheader' } }),
        h('div', { className: 'layer-cells', attrs: { role: 'presentation' } }, cells),
      ]);
      return row;
    });
    this.element.replaceChildren(...rows);
    this.fit();
    if (typeof IntersectionObserver === 'function') {
      this.observer = new IntersectionObserver(
        (entries) => {
          for (const entry of entries) if (entry.isIntersecting) this.paintRow(Number((entry.target as HTMLElement).dataset.layer));
        },
        { rootMargin: '200px' },
      );
      for (const row of rows) this.observer.observe(row);
    } else {
      for (let layer = 0; layer < layers; layer++) this.paintRow(layer);
    }
    this.cells[focused]?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
  }

  /** Cell size and cells per line for the current width (see sideGridCells). */
  private fit(): void {
    if (this.heads === 0) return;
    const width = this.width > 0 ? this.width : this.element.clientWidth;
    if (!(width > 0)) return;
    const { cell, perLine, lines } = sideGridCells(this.heads, width - LABEL_COLUMN, cellSize(this.heads));
    this.element.style.setProperty('--cell', `${cell}px`);
    this.element.style.setProperty('--cell-box', `${cell + SIDE_CELL_BOX}px`);
    this.element.style.setProperty('--per-line', String(perLine));
    this.element.classList.toggle('compact', cell < LABEL_MIN_CELL);
    this.element.dataset.cell = String(cell);
    this.element.dataset.perLine = String(perLine);
    this.element.dataset.lines = String(lines);
  }

  private paintRow(layer: number): void {
    if (this.painted[layer] !== false) return;
    this.painted[layer] = true;
    const size = cellSize(this.heads);
    for (let head = 0; head < this.heads; head++) {
      const index = layer * this.heads + head;
      paintThumb(this.canvases[index]!, this.thumbs[index]!, this.palette, size);
    }
    this.element.dataset.paintedRows = String(this.painted.filter(Boolean).length);
  }

  /** The keyboard's cell; `focus`: move the DOM focus there too (a key, not a message). */
  private moveCursor(index: number, focus: boolean): void {
    const previous = this.cells[this.cursor];
    if (previous) previous.tabIndex = -1;
    this.cursor = index;
    const cell = this.cells[index];
    if (!cell) return;
    cell.tabIndex = 0;
    if (focus) cell.focus();
    cell.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
  }

  /** The focused head changed (here, in the panel, or a command): mark it and bring it into view. */
  setFocused(index: number): void {
    this.focused = index;
    this.cells.forEach((cell, i) => cell.setAttribute('aria-selected', i === index ? 'true' : 'false'));
    // The keyboard follows unless it is in use here.
    const typing = this.element.contains(document.activeElement);
    if (!typing) this.moveCursor(index, false);
    else this.cells[index]?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
  }

  focusedIndex(): number {
    return this.focused;
  }

  setPalette(palette: Palette): void {
    this.palette = palette;
    this.painted = this.painted.map(() => false);
    this.render(this.thumbs, this.layers, this.focused);
  }
}
