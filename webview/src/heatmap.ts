/**
 * The attention heatmap, query rows × key columns, of the focused head.
 *
 * Two renderers behind one canvas (`[data-testid="heatmap"]`, `data-painted="true"` once drawn):
 * up to CHART_LIMIT tokens a chartjs-chart-matrix chart with token axes, values printed in the
 * cells and Chart.js tooltips; beyond it (thousands of cells, up to 512² = 262,144) one ImageData
 * of n × n pixels scaled up without smoothing — a single draw call whatever n is — with a light
 * DOM tooltip. Clicking a row selects that query for the softmax breakdown.
 */
import type { Chart } from 'chart.js';
import { cellTextColor, toCss, weightColor, type Palette, type Rgb } from './colour';
import { chartJs } from './charts';
import { fixed, h, readable, sizeCanvas } from './dom';
import type { DenseMatrix } from '../../src/shared/wire';

export const CHART_LIMIT = 32;

export interface HeatmapData {
  readonly tokens: readonly string[];
  readonly scores: DenseMatrix;
  readonly weights: DenseMatrix;
  readonly selectedRow: number;
  /** Print values inside cells when n is at most this. */
  readonly printValuesUpTo: number;
}

interface Matrix3 {
  x: number;
  y: number;
  v: number;
}

export function maxOf(m: DenseMatrix): number {
  let max = 0;
  for (let i = 0; i < m.data.length; i++) {
    const v = m.data[i]!;
    if (v > max) max = v;
  }
  return max;
}

export class HeatmapView {
  private canvas: HTMLCanvasElement;
  private readonly legend = h('canvas', { className: 'legend', attrs: { 'aria-hidden': 'true' } });
  private readonly legendText = h('span', { className: 'legend-text' });
  private readonly tooltip = h('div', { className: 'tooltip', attrs: { role: 'tooltip', hidden: true } });
  private chart: Chart<'matrix', Matrix3[]> | undefined;
  private data: HeatmapData | undefined;

  constructor(
    private readonly host: HTMLElement,
    private palette: Palette,
    private readonly onSelectRow: (row: number) => void,
  ) {
    this.canvas = this.newCanvas();
    host.append(
      h('div', { className: 'heatmap-frame' }, [this.canvas, this.tooltip]),
      h('div', { className: 'legend-row' }, [this.legend, this.legendText]),
    );
  }

  get element(): HTMLCanvasElement {
    return this.canvas;
  }

  setPalette(palette: Palette): void {
    this.palette = palette;
    if (this.data) this.render(this.data);
  }

  render(data: HeatmapData): void {
    this.data = data;
    this.canvas.dataset.painted = 'false';
    const n = data.tokens.length;
    const max = maxOf(data.weights);
    if (n <= CHART_LIMIT) {
      this.renderChart(data, max);
    } else {
      this.renderCanvas(data, max);
    }
    this.renderLegend(max);
    this.canvas.setAttribute('aria-label', `Attention weights, ${n} queries × ${n} keys; largest weight ${readable(max)}`);
  }

  private newCanvas(): HTMLCanvasElement {
    const canvas = h('canvas', { testid: 'heatmap', className: 'heatmap', attrs: { role: 'img', tabindex: 0 } });
    canvas.dataset.painted = 'false';
    return canvas;
  }

  /** Chart.js keeps its own hold on a canvas: a renderer switch gets a fresh element. */
  private replaceCanvas(): void {
    this.chart?.destroy();
    this.chart = undefined;
    const fresh = this.newCanvas();
    this.canvas.replaceWith(fresh);
    this.canvas = fresh;
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
    this.legendText.textContent = `0 → ${readable(max)} (largest weight of this head)`;
  }

  private renderChart(data: HeatmapData, max: number): void {
    if (this.chart === undefined || this.canvas.dataset.renderer !== 'chart') this.replaceCanvas();
    this.canvas.dataset.renderer = 'chart';
    this.tooltip.hidden = true;
    const n = data.tokens.length;
    const p = this.palette;
    const labelWidth = Math.min(140, 14 + 7.5 * Math.max(...data.tokens.map((t) => Math.min(t.length, 18))));
    const cell = Math.max(22, Math.min(56, Math.floor(Math.min(640, this.availableWidth() - labelWidth - 24) / n)));
    const width = labelWidth + cell * n + 16;
    const height = labelWidth + cell * n + 8;
    this.canvas.width = width;
    this.canvas.height = height;
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    const points: Matrix3[] = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) points.push({ x: j, y: i, v: data.weights.data[i * n + j]! });
    const tokenLabel = (value: number | string): string => {
      const t = data.tokens[Number(value)] ?? '';
      return t.length > 18 ? `${t.slice(0, 17)}…` : t;
    };
    const printValues = n <= data.printValuesUpTo;
    const colorOf = (i: number, j: number): Rgb => {
      const score = data.scores.data[i * n + j]!;
      return score === -Infinity ? p.masked : weightColor(p, data.weights.data[i * n + j]!, max);
    };
    const Chart = chartJs(p);
    const canvas = this.canvas;
    const selected = data.selectedRow;
    const config = {
      type: 'matrix' as const,
      data: {
        datasets: [
          {
            data: points,
            backgroundColor: (ctx: { dataIndex: number }) => {
              const pt = points[ctx.dataIndex]!;
              return toCss(colorOf(pt.y, pt.x));
            },
            borderColor: (ctx: { dataIndex: number }) => (points[ctx.dataIndex]!.y === selected ? toCss(p.focus) : toCss(p.grid)),
            borderWidth: (ctx: { dataIndex: number }) => (points[ctx.dataIndex]!.y === selected ? 2 : p.cellBorders ? 1 : 0),
            width: () => cell - 1,
            height: () => cell - 1,
          },
        ],
      },
      options: {
        responsive: false,
        maintainAspectRatio: false,
        devicePixelRatio: Math.max(1, window.devicePixelRatio || 1),
        layout: { padding: { right: 8, bottom: 8 } },
        onClick: (_event: unknown, elements: { index: number }[]) => {
          const hit = elements[0];
          if (hit) this.onSelectRow(points[hit.index]!.y);
        },
        scales: {
          x: {
            type: 'linear' as const,
            position: 'top' as const,
            min: -0.5,
            max: n - 0.5,
            offset: false,
            grid: { display: false },
            title: { display: true, text: 'key', color: toCss(p.muted) },
            ticks: { stepSize: 1, autoSkip: false, maxRotation: 90, minRotation: n > 6 ? 90 : 0, callback: tokenLabel, color: toCss(p.foreground) },
          },
          y: {
            type: 'linear' as const,
            reverse: true,
            min: -0.5,
            max: n - 0.5,
            offset: false,
            grid: { display: false },
            title: { display: true, text: 'query', color: toCss(p.muted) },
            ticks: { stepSize: 1, autoSkip: false, callback: tokenLabel, color: toCss(p.foreground) },
          },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items: { dataIndex: number }[]) => {
                const pt = points[items[0]?.dataIndex ?? 0]!;
                return `${data.tokens[pt.y]} → ${data.tokens[pt.x]}`;
              },
              label: (item: { dataIndex: number }) => {
                const pt = points[item.dataIndex]!;
                const score = data.scores.data[pt.y * n + pt.x]!;
                return score === -Infinity
                  ? ['masked (causal): key after the query', 'weight 0']
                  : [`query ${data.tokens[pt.y]}, key ${data.tokens[pt.x]}`, `score ${fixed(score, 4)}`, `weight ${fixed(pt.v, 4)}`];
              },
            },
          },
        },
      },
      plugins: [
        {
          id: 'headlight-cell-values',
          afterDatasetsDraw: (chart: Chart) => {
            if (!printValues) return;
            const ctx = chart.ctx;
            const meta = chart.getDatasetMeta(0);
            ctx.save();
            ctx.font = `${cell >= 40 ? 12 : 10}px ${p.monoFamily}`;
            ctx.textAlign = 'center';
            ctx.textBaseline = 'middle';
            meta.data.forEach((element, index) => {
              const pt = points[index]!;
              const { x, y, width, height } = element.getProps(['x', 'y', 'width', 'height'], true) as unknown as { x: number; y: number; width: number; height: number };
              const masked = data.scores.data[pt.y * n + pt.x] === -Infinity;
              ctx.fillStyle = toCss(cellTextColor(p, colorOf(pt.y, pt.x)));
              ctx.fillText(masked ? '·' : fixed(pt.v), x + width / 2, y + height / 2);
            });
            ctx.restore();
          },
          afterRender: () => {
            canvas.dataset.painted = 'true';
          },
        },
      ],
    };
    if (this.chart) {
      // Same renderer: rebuild the chart (options are closures over this render's data).
      this.chart.destroy();
    }
    this.chart = new Chart(this.canvas, config as never) as unknown as Chart<'matrix', Matrix3[]>;
    this.canvas.onkeydown = null;
  }

  private availableWidth(): number {
    return Math.max(320, this.host.clientWidth || 720);
  }

  private renderCanvas(data: HeatmapData, max: number): void {
    if (this.chart !== undefined || this.canvas.dataset.renderer !== 'canvas') this.replaceCanvas();
    this.canvas.dataset.renderer = 'canvas';
    const n = data.tokens.length;
    const p = this.palette;
    const labels = n <= 96;
    const margin = labels ? 90 : 24;
    const cell = Math.max(1, Math.min(16, Math.floor((this.availableWidth() - margin - 16) / n)));
    const size = cell * n;
    const ctx = sizeCanvas(this.canvas, margin + size + 8, margin + size + 8);

    // One pixel per cell, coloured through a 256-entry lookup table, then scaled up unsmoothed.
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
      const masked = data.scores.data[at] === -Infinity;
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
      ctx.textBaseline = 'middle';
      for (let i = 0; i < n; i++) {
        const t = data.tokens[i]!;
        const label = t.length > 12 ? `${t.slice(0, 11)}…` : t;
        ctx.textAlign = 'right';
        ctx.fillText(label, margin - 4, margin + i * cell + cell / 2);
        ctx.save();
        ctx.translate(margin + i * cell + cell / 2, margin - 4);
        ctx.rotate(-Math.PI / 2);
        ctx.textAlign = 'left';
        ctx.fillText(label, 0, 0);
        ctx.restore();
      }
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

    const cellAt = (event: MouseEvent): { i: number; j: number } | undefined => {
      const rect = this.canvas.getBoundingClientRect();
      const x = event.clientX - rect.left - margin;
      const y = event.clientY - rect.top - margin;
      if (x < 0 || y < 0 || x >= size || y >= size) return undefined;
      return { i: Math.floor(y / cell), j: Math.floor(x / cell) };
    };
    this.canvas.onmousemove = (event) => {
      const hit = cellAt(event);
      if (!hit) {
        this.tooltip.hidden = true;
        return;
      }
      const score = data.scores.data[hit.i * n + hit.j]!;
      const weight = data.weights.data[hit.i * n + hit.j]!;
      this.tooltip.replaceChildren(
        h('strong', { text: `${data.tokens[hit.i]} → ${data.tokens[hit.j]}` }),
        h('div', { text: `query #${hit.i + 1} ${data.tokens[hit.i]}, key #${hit.j + 1} ${data.tokens[hit.j]}` }),
        h('div', { text: score === -Infinity ? 'masked (causal)' : `score ${fixed(score, 4)}` }),
        h('div', { text: `weight ${fixed(weight, 4)}` }),
      );
      this.tooltip.hidden = false;
      const frame = this.canvas.getBoundingClientRect();
      this.tooltip.style.left = `${event.clientX - frame.left + 14}px`;
      this.tooltip.style.top = `${event.clientY - frame.top + 14}px`;
    };
    this.canvas.onmouseleave = () => {
      this.tooltip.hidden = true;
    };
    this.canvas.onclick = (event) => {
      const hit = cellAt(event);
      if (hit) this.onSelectRow(hit.i);
    };
    this.canvas.dataset.painted = 'true';
  }

  /** Arrow keys move the selected query row (both renderers). */
  attachKeyboard(): void {
    this.host.addEventListener('keydown', (event) => {
      if (!this.data || event.target !== this.canvas) return;
      const n = this.data.tokens.length;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        const next = Math.max(0, Math.min(n - 1, this.data.selectedRow + (event.key === 'ArrowDown' ? 1 : -1)));
        if (next !== this.data.selectedRow) this.onSelectRow(next);
        event.preventDefault();
      }
    });
  }

  /** The canvas itself, for export (chart and canvas renderers alike). */
  canvases(): { readonly chart: HTMLCanvasElement; readonly legend: HTMLCanvasElement; readonly legendText: string } {
    return { chart: this.canvas, legend: this.legend, legendText: this.legendText.textContent ?? '' };
  }
}
