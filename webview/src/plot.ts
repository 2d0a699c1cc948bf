/**
 * The deck's "context pulls" picture: every token as a point on two axes — two named dimensions
 * of the embedding set, or its first two principal components — with an arrow from the token's
 * own embedding to its attention output, projected the same way, so the arrow is exactly the
 * move that attention made.
 */
import type { Chart } from 'chart.js';
import { toCss, type Palette } from './colour';
import { withChartJs } from './charts';
import { fixed, h } from './dom';
import type { PlotView, Projection } from '../../src/shared/protocol';

/** Chart.js itself (the class), handed over by withChartJs once loaded. */
type ChartClass = typeof Chart;

export class EmbeddingPlotView {
  readonly element: HTMLElement;
  private readonly kindSelect = h('select', { attrs: { 'aria-label': 'Projection' } }, [
    h('option', { text: 'First two principal components', attrs: { value: 'pca' } }),
    h('option', { text: 'Two dimensions by name', attrs: { value: 'dims' } }),
  ]);
  private readonly xSelect = h('select', { attrs: { 'aria-label': 'Horizontal dimension' } });
  private readonly ySelect = h('select', { attrs: { 'aria-label': 'Vertical dimension' } });
  private readonly dimsPicker = h('span', { className: 'dims-picker' }, [' x ', this.xSelect, ' y ', this.ySelect]);
  private readonly canvas = h('canvas', { testid: 'embedding-plot', className: 'plot-canvas', attrs: { role: 'img' } });
  private readonly note = h('p', { className: 'note' });
  private chart: Chart | undefined;
  private plot: PlotView | undefined;
  private tokens: readonly string[] = [];

  constructor(
    private palette: Palette,
    private readonly onProjection: (projection: Projection) => void,
  ) {
    const emit = (): void => {
      const projection: Projection =
        this.kindSelect.value === 'pca' ? { kind: 'pca' } : { kind: 'dims', x: Number(this.xSelect.value) || 0, y: Number(this.ySelect.value) || 0 };
      this.onProjection(projection);
    };
    this.kindSelect.addEventListener('change', emit);
    this.xSelect.addEventListener('change', emit);
    this.ySelect.addEventListener('change', emit);
    this.element = h('div', { className: 'plot' }, [
      h('div', { className: 'plot-controls' }, [h('label', {}, ['Axes ', this.kindSelect]), this.dimsPicker]),
      h('div', { className: 'plot-frame' }, [this.canvas]),
      this.note,
    ]);
  }

  setDimensions(dimNames: readonly string[]): void {
    const options = (): HTMLOptionElement[] => dimNames.map((name, i) => h('option', { text: name, attrs: { value: i } }));
    this.xSelect.replaceChildren(...options());
    this.ySelect.replaceChildren(...options());
  }

  setPalette(palette: Palette): void {
    this.palette = palette;
    if (this.plot) this.render(this.tokens, this.plot);
  }

  render(tokens: readonly string[], plot: PlotView): void {
    this.tokens = tokens;
    this.plot = plot;
    this.kindSelect.value = plot.projection.kind;
    this.dimsPicker.hidden = plot.projection.kind !== 'dims';
    if (plot.projection.kind === 'dims') {
      this.xSelect.value = String(plot.projection.x);
      this.ySelect.value = String(plot.projection.y);
    }
    this.note.textContent = plot.note;
    // Chart.js may still be loading: only the latest plot is drawn when it arrives.
    withChartJs(this.palette, (Chart) => {
      if (this.plot === plot && this.tokens === tokens) this.draw(Chart, tokens, plot);
    });
  }

  private draw(Chart: ChartClass, tokens: readonly string[], plot: PlotView): void {
    const inputs = new Float32Array(plot.inputs);
    const outputs = new Float32Array(plot.outputs);
    const n = tokens.length;
    const p = this.palette;
    const labels = n <= 64;
    this.chart?.destroy();
    this.canvas.width = 560;
    this.canvas.height = 420;
    this.canvas.style.width = '560px';
    this.canvas.style.height = '420px';
    this.canvas.setAttribute('aria-label', `Embedding plot: ${n} tokens on ${plot.xLabel} and ${plot.yLabel}, arrows from each embedding to its attention output`);
    const points = (xy: Float32Array) => Array.from({ length: n }, (_, i) => ({ x: xy[2 * i]!, y: xy[2 * i + 1]! }));
    const inputColor = toCss(p.muted);
    const outputColor = toCss(p.accent);
    this.chart = new Chart(this.canvas, {
      type: 'scatter',
      data: {
        datasets: [
          { label: 'embedding', data: points(inputs), pointRadius: 4, pointStyle: 'circle', backgroundColor: toCss(p.background), borderColor: inputColor, borderWidth: 1.5 },
          { label: 'attention output', data: points(outputs), pointRadius: 4, backgroundColor: outputColor, borderColor: outputColor },
        ],
      },
      options: {
        responsive: false,
        devicePixelRatio: Math.max(1, window.devicePixelRatio || 1),
        layout: { padding: 16 },
        scales: {
          x: { type: 'linear', title: { display: true, text: plot.xLabel }, grid: { color: toCss(p.grid) } },
          y: { type: 'linear', title: { display: true, text: plot.yLabel }, grid: { color: toCss(p.grid) } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => tokens[items[0]?.dataIndex ?? 0] ?? '',
              label: (item) => {
                const i = item.dataIndex;
                const which = item.datasetIndex === 0 ? 'embedding' : 'attention output';
                const xy = item.datasetIndex === 0 ? inputs : outputs;
                return `${which} (${fixed(xy[2 * i]!, 3)}, ${fixed(xy[2 * i + 1]!, 3)})`;
              },
            },
          },
        },
      },
      plugins: [
        {
          id: 'headlight-arrows',
          // Arrows under the points, labels over them.
          beforeDatasetsDraw: (chart) => {
            const { ctx, scales } = chart;
            const sx = scales.x!;
            const sy = scales.y!;
            ctx.save();
            ctx.strokeStyle = outputColor;
            ctx.fillStyle = outputColor;
            ctx.lineWidth = 1.5;
            for (let i = 0; i < n; i++) {
              const x0 = sx.getPixelForValue(inputs[2 * i]!);
              const y0 = sy.getPixelForValue(inputs[2 * i + 1]!);
              const x1 = sx.getPixelForValue(outputs[2 * i]!);
              const y1 = sy.getPixelForValue(outputs[2 * i + 1]!);
              const length = Math.hypot(x1 - x0, y1 - y0);
              if (length < 6) continue;
              const angle = Math.atan2(y1 - y0, x1 - x0);
              // Stop at the output point's rim so the head stays visible.
              const ex = x1 - Math.cos(angle) * 5;
              const ey = y1 - Math.sin(angle) * 5;
              ctx.globalAlpha = 0.75;
              ctx.beginPath();
              ctx.moveTo(x0, y0);
              ctx.lineTo(ex, ey);
              ctx.stroke();
              ctx.beginPath();
              ctx.moveTo(ex, ey);
              ctx.lineTo(ex - 8 * Math.cos(angle - 0.4), ey - 8 * Math.sin(angle - 0.4));
              ctx.lineTo(ex - 8 * Math.cos(angle + 0.4), ey - 8 * Math.sin(angle + 0.4));
              ctx.closePath();
              ctx.fill();
            }
            ctx.restore();
          },
          afterDatasetsDraw: (chart) => {
            if (!labels) return;
            const { ctx, scales } = chart;
            ctx.save();
            ctx.font = `12px ${p.fontFamily}`;
            ctx.fillStyle = toCss(p.foreground);
            ctx.textBaseline = 'bottom';
            for (let i = 0; i < n; i++) {
              const t = tokens[i]!;
              ctx.fillText(t.length > 16 ? `${t.slice(0, 15)}…` : t, scales.x!.getPixelForValue(inputs[2 * i]!) + 6, scales.y!.getPixelForValue(inputs[2 * i + 1]!) - 4);
            }
            ctx.restore();
          },
        },
      ],
    });
  }

  canvasElement(): HTMLCanvasElement {
    return this.canvas;
  }
}
