/**
 * The attention heatmap, query rows × key columns, of the focused head.
 *
 * Drawn straight to one canvas (`[data-testid="heatmap"]`, `data-painted="true"` once drawn), in
 * one of two ways. Up to CELL_LIMIT tokens: cells of 22–56 px with the tokens along both axes and
 * the weights printed inside — a few hundred fillRect/fillText calls, about a millisecond, where a
 * chart library would cost tens of milliseconds on the panel's first paint. Beyond it (thousands
 * of cells, up to 512² = 262,144): one ImageData of n × n pixels scaled up without smoothing, a
 * single draw call whatever n is. Both share a light DOM tooltip (query, key, score, weight) and
 * clicking a row selects that query for the softmax breakdown.
 */
import { cellTextColor, toCss, weightColor, type Palette } from './colour';
import { fixed, h, readable, sizeCanvas } from './dom';
import type { DenseMatrix } from '../../src/shared/wire';

/** Up to this many tokens the heatmap has cells with labels and printed values. */
export const CELL_LIMIT = 32;

export interface HeatmapData {
  readonly tokens: readonly string[];
  /** Pre-softmax scores (−∞ where masked); absent where there are none (a rollout, words). */
  readonly scores?: DenseMatrix;
  readonly weights: DenseMatrix;
  readonly selectedRow: number;
  /**
   * A token marked as query row and key column both (the unit under the editor's cursor), or -1;
   * absent: none.
   */
  readonly highlighted?: number;
  /** Print values inside cells when n is at most this. */
  readonly printValuesUpTo: number;
}

/** Where the n × n grid sits on the canvas, in CSS pixels. */
interface Grid {
  readonly left: number;
  readonly top: number;
  readonly cell: number;
  readonly n: number;
}

export function maxOf(m: DenseMatrix): number {
  let max = 0;
  for (let i = 0; i < m.data.length; i++) {
    const v = m.data[i]!;
    if (v > max) max = v;
  }
  return max;
}

/** A label cut to `max` characters. */
function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export class HeatmapView {
  readonly element: HTMLCanvasElement;
  private readonly legend = h('canvas', { className: 'legend', attrs: { 'aria-hidden': 'true' } });
  private readonly legendText = h('span', { className: 'legend-text' });
  private readonly tooltip = h('div', { className: 'tooltip', attrs: { role: 'tooltip', hidden: true } });
  private data: HeatmapData | undefined;
  private grid: Grid | undefined;
  /** The host's width as last laid out, so that drawing never forces a layout of the page. */
  private hostWidth = 0;

  constructor(
    private readonly host: HTMLElement,
    private palette: Palette,
    private readonly onSelectRow: (row: number) => void,
    /** The canvas's test id, and what its values are called in the tooltip. */
    private readonly naming: { readonly testid: string; readonly value: string } = { testid: 'heatmap', value: 'weight' },
  ) {
    this.element = h('canvas', { testid: naming.testid, className: 'heatmap', attrs: { role: 'img', tabindex: 0 } });
    this.element.dataset.painted = 'false';
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver((entries) => {
        for (const entry of entries) this.hostWidth = entry.contentRect.width;
      }).observe(host);
    }
    host.append(
      h('div', { className: 'heatmap-frame' }, [this.element, this.tooltip]),
      h('div', { className: 'legend-row' }, [this.legend, this.legendText]),
    );
    this.element.addEventListener('mousemove', (event) => this.showTooltip(event));
    this.element.addEventListener('mouseleave', () => {
      this.tooltip.hidden = true;
    });
    this.element.addEventListener('click', (event) => {
      const hit = this.cellAt(event);
      if (hit) this.onSelectRow(hit.i);
    });
  }

  setPalette(palette: Palette): void {
    this.palette = palette;
    if (this.data) this.render(this.data);
  }

  render(data: HeatmapData): void {
    this.data = data;
    this.element.dataset.painted = 'false';
    this.tooltip.hidden = true;
    const n = data.tokens.length;
    const max = maxOf(data.weights);
    if (n <= CELL_LIMIT) {
      this.element.dataset.renderer = 'cells';
      this.grid = this.drawCells(data, max);
    } else {
      this.element.dataset.renderer = 'pixels';
      this.grid = this.drawPixels(data, max);
    }
    this.renderLegend(max);
    const marked = data.highlighted ?? -1;
    this.element.dataset.highlighted = String(marked >= 0 && marked < n ? marked : -1);
    const cursor = marked >= 0 && marked < n ? `; “${data.tokens[marked]}” (at the editor's cursor) marked as query and key` : '';
    this.element.setAttribute('aria-label', `Attention weights, ${n} queries × ${n} keys; largest weight ${readable(max)}${cursor}`);
    this.element.dataset.painted = 'true';
  }

  /** Marks another token (or none, -1) as the highlighted row and column; redraws only if it changed. */
  setHighlighted(index: number): void {
    if (!this.data || (this.data.highlighted ?? -1) === index) return;
    this.render({ ...this.data, highlighted: index });
  }

  /**
   * The highlighted token's query row and key column: two bands in the theme's highlight colour,
   * dashed so that they read apart from the selected row's solid focus outline.
   */
  private drawHighlight(ctx: CanvasRenderingContext2D, data: HeatmapData, grid: Grid, width: number): void {
    const at = data.highlighted ?? -1;
    if (at < 0 || at >= grid.n) return;
    const size = grid.cell * grid.n;
    ctx.save();
    ctx.strokeStyle = toCss(this.palette.highlight);
    ctx.lineWidth = width;
    ctx.setLineDash([Math.max(2, width * 2), Math.max(2, width)]);
    ctx.strokeRect(grid.left - width / 2, grid.top + at * grid.cell - width / 2, size + width, grid.cell + width);
    ctx.strokeRect(grid.left + at * grid.cell - width / 2, grid.top - width / 2, grid.cell + width, size + width);
    ctx.restore();
  }

  private renderLegend(max: number): void {
    const width = 160;
    const ctx = sizeCanvas(this.legend, width, 10);
    for (let x = 0; x < width; x++) {
      ctx.fillStyle = toCss(weightColor(this.palette, (x / (width - 1)) * max, max));
      ctx.fillRect(x, 0, 1, 10);
    }
    ctx.strokeStyle = toCss(this.palette.grid);
    ctx.strokeRect(0.5, 0.5, width - 1, 9);
    // The rollout's canvas names its values `rollout`: its largest is not a head's.
    this.legendText.textContent = `0 → ${readable(max)} (largest ${this.naming.value === 'weight' ? 'weight of this head' : `${this.naming.value} value`})`;
  }

  /** Small matrices: labelled cells with the weights printed inside. */
  private drawCells(data: HeatmapData, max: number): Grid {
    const n = data.tokens.length;
    const p = this.palette;
    const labels = data.tokens.map((t) => cut(t, 18));
    const fontSize = 12;
    const title = 18; // the axis titles "key" and "query"
    const avail = this.availableWidth();
    const ctxMeasure = sizeCanvas(this.element, 1, 1);
    ctxMeasure.font = `${fontSize}px ${p.fontFamily}`;
    const labelWidth = Math.ceil(Math.max(24, ...labels.map((t) => ctxMeasure.measureText(t).width))) + 8;
    const cell = Math.max(22, Math.min(56, Math.floor(Math.min(640, avail - labelWidth - title - 24) / n)));
    // Key labels run vertically once they would not fit across a cell.
    const keysVertical = labels.some((t) => ctxMeasure.measureText(t).width > cell - 4);
    const top = title + (keysVertical ? labelWidth : fontSize + 8);
    const left = title + labelWidth;
    const size = cell * n;
    const ctx = sizeCanvas(this.element, left + size + 8, top + size + 8);

    ctx.fillStyle = toCss(p.muted);
    ctx.font = `${fontSize}px ${p.fontFamily}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText('key', left + size / 2, 2);
    ctx.save();
    ctx.translate(2, top + size / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText('query', 0, 0);
    ctx.restore();

    ctx.fillStyle = toCss(p.foreground);
    drawAxisLabels(ctx, labels, left, top, cell, 6, keysVertical ? 'vertical' : fontSize);

    const printValues = n <= data.printValuesUpTo;
    ctx.font = `${cell >= 40 ? 12 : 10}px ${p.monoFamily}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const at = i * n + j;
        const masked = data.scores?.data[at] === -Infinity;
        const weight = data.weights.data[at]!;
        const colour = masked ? p.masked : weightColor(p, weight, max);
        const x = left + j * cell;
        const y = top + i * cell;
        ctx.fillStyle = toCss(colour);
        ctx.fillRect(x + 0.5, y + 0.5, cell - 1, cell - 1);
        if (p.cellBorders) {
          ctx.strokeStyle = toCss(p.grid);
          ctx.lineWidth = 1;
          ctx.strokeRect(x + 0.5, y + 0.5, cell - 1, cell - 1);
        }
        if (printValues) {
          ctx.fillStyle = toCss(cellTextColor(p, colour));
          ctx.fillText(masked ? '·' : fixed(weight), x + cell / 2, y + cell / 2);
        }
      }
    }
    if (data.selectedRow >= 0 && data.selectedRow < n) {
      ctx.strokeStyle = toCss(p.focus);
      ctx.lineWidth = 2;
      ctx.strokeRect(left - 1, top + data.selectedRow * cell - 1, size + 2, cell + 1);
    }
    const grid = { left, top, cell, n };
    this.drawHighlight(ctx, data, grid, 2);
    if (data.highlighted !== undefined && data.highlighted >= 0 && data.highlighted < n) {
      // Its query label in the same colour, over the one drawn above.
      ctx.save();
      ctx.fillStyle = toCss(p.background);
      ctx.fillRect(title, top + data.highlighted * cell + 1, left - title - 4, cell - 2);
      ctx.fillStyle = toCss(p.highlight);
      ctx.font = `bold ${fontSize}px ${p.fontFamily}`;
      ctx.textBaseline = 'middle';
      ctx.textAlign = 'right';
      ctx.fillText(labels[data.highlighted]!, left - 6, top + data.highlighted * cell + cell / 2);
      ctx.restore();
    }
    return grid;
  }

  /** Big matrices: one pixel per cell, coloured through a 256-entry lookup table, scaled up unsmoothed. */
  private drawPixels(data: HeatmapData, max: number): Grid {
    const n = data.tokens.length;
    const p = this.palette;
    const labels = n <= 96;
    const margin = labels ? 90 : 24;
    const cell = Math.max(1, Math.min(16, Math.floor((this.availableWidth() - margin - 16) / n)));
    const size = cell * n;
    const ctx = sizeCanvas(this.element, margin + size + 8, margin + size + 8);

    const image = new ImageData(n, n);
    const lut = new Uint8ClampedArray(256 * 3);
    for (let level = 0; level < 256; level++) {
      const c = weightColor(p, (level / 255) * max, max);
      lut[level * 3] = c.r;
      lut[level * 3 + 1] = c.g;
      lut[level * 3 + 2] = c.b;
    }
    const pixels = image.data;
    for (let at = 0; at < n * n; at++) {
      const masked = data.scores?.data[at] === -Infinity;
      const level = max > 0 ? Math.round((data.weights.data[at]! / max) * 255) : 0;
      pixels[at * 4] = masked ? p.masked.r : lut[level * 3]!;
      pixels[at * 4 + 1] = masked ? p.masked.g : lut[level * 3 + 1]!;
      pixels[at * 4 + 2] = masked ? p.masked.b : lut[level * 3 + 2]!;
      pixels[at * 4 + 3] = 255;
    }
    const scratch = document.createElement('canvas');
    scratch.width = n;
    scratch.height = n;
    scratch.getContext('2d')!.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(scratch, margin, margin, size, size);
    ctx.strokeStyle = toCss(p.grid);
    ctx.lineWidth = 1;
    ctx.strokeRect(margin - 0.5, margin - 0.5, size + 1, size + 1);

    if (labels) {
      ctx.fillStyle = toCss(p.foreground);
      ctx.font = `${Math.min(11, Math.max(7, cell - 1))}px ${p.fontFamily}`;
      drawAxisLabels(ctx, data.tokens.map((t) => cut(t, 12)), margin, margin, cell, 4, 'vertical');
    } else {
      ctx.fillStyle = toCss(p.muted);
      ctx.font = `11px ${p.fontFamily}`;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'bottom';
      ctx.fillText(`keys → (${n})`, margin, margin - 4);
    }
    if (data.selectedRow >= 0 && data.selectedRow < n) {
      ctx.strokeStyle = toCss(p.focus);
      ctx.lineWidth = Math.max(1, Math.min(2, cell / 2));
      ctx.strokeRect(margin - 1, margin + data.selectedRow * cell - 1, size + 2, cell + 2);
    }
    const grid = { left: margin, top: margin, cell, n };
    this.drawHighlight(ctx, data, grid, Math.max(1, Math.min(2, cell / 2)));
    return grid;
  }

  private availableWidth(): number {
    return Math.max(320, this.hostWidth || this.host.clientWidth || 720);
  }

  private cellAt(event: MouseEvent): { i: number; j: number } | undefined {
    const grid = this.grid;
    if (!grid) return undefined;
    const rect = this.element.getBoundingClientRect();
    const x = event.clientX - rect.left - grid.left;
    const y = event.clientY - rect.top - grid.top;
    const size = grid.cell * grid.n;
    if (x < 0 || y < 0 || x >= size || y >= size) return undefined;
    return { i: Math.floor(y / grid.cell), j: Math.floor(x / grid.cell) };
  }

  private showTooltip(event: MouseEvent): void {
    const data = this.data;
    const hit = this.cellAt(event);
    if (!data || !hit) {
      this.tooltip.hidden = true;
      return;
    }
    const n = data.tokens.length;
    const score = data.scores?.data[hit.i * n + hit.j];
    const weight = data.weights.data[hit.i * n + hit.j]!;
    const query = data.tokens[hit.i]!;
    const key = data.tokens[hit.j]!;
    this.tooltip.replaceChildren(
      h('strong', { text: `${query} → ${key}` }),
      h('div', { text: `query #${hit.i + 1} ${query}, key #${hit.j + 1} ${key}` }),
      ...(score === undefined ? [] : [h('div', { text: score === -Infinity ? 'masked (causal): key after the query, weight 0' : `score ${fixed(score, 4)}` })]),
      ...(score === -Infinity ? [] : [h('div', { text: `${this.naming.value} ${fixed(weight, 4)}` })]),
    );
    this.tooltip.hidden = false;
    const frame = this.element.getBoundingClientRect();
    this.tooltip.style.left = `${event.clientX - frame.left + 14}px`;
    this.tooltip.style.top = `${event.clientY - frame.top + 14}px`;
  }

  /** Arrow keys move the selected query row (both drawings). */
  attachKeyboard(): void {
    this.host.addEventListener('keydown', (event) => {
      if (!this.data || event.target !== this.element) return;
      const n = this.data.tokens.length;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        const next = Math.max(0, Math.min(n - 1, this.data.selectedRow + (event.key === 'ArrowDown' ? 1 : -1)));
        if (next !== this.data.selectedRow) this.onSelectRow(next);
        event.preventDefault();
      }
    });
  }

  /** The canvases themselves, for export. */
  canvases(): { readonly chart: HTMLCanvasElement; readonly legend: HTMLCanvasElement; readonly legendText: string } {
    return { chart: this.element, legend: this.legend, legendText: this.legendText.textContent ?? '' };
  }
}

/**
 * Query labels down the left of a grid whose top-left cell is at (left, top), and key labels
 * along its top: rotated to run upwards ('vertical'), or across, centred on their column, for a
 * font of the given size. `gap` pixels separate the labels from the grid.
 */
function drawAxisLabels(ctx: CanvasRenderingContext2D, labels: readonly string[], left: number, top: number, cell: number, gap: number, keys: 'vertical' | number): void {
  ctx.textBaseline = 'middle';
  labels.forEach((label, i) => {
    const middle = i * cell + cell / 2;
    ctx.textAlign = 'right';
    ctx.fillText(label, left - gap, top + middle);
    if (keys === 'vertical') {
      ctx.save();
      ctx.translate(left + middle, top - gap);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'left';
      ctx.fillText(label, 0, 0);
      ctx.restore();
    } else {
      ctx.textAlign = 'center';
      ctx.fillText(label, left + middle, top - gap - keys / 2);
    }
  });
}
