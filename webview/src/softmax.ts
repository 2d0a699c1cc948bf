/**
 * The softmax of one query row, step by step, as the deck does it by hand: raw score, ÷√d_k
 * (and ÷T), − max (so exp never overflows), exp, Σ, probability — a table, bars, and the
 * sentence `orange → 0.40 orange + 0.30 apple + 0.15 and + 0.15 an`.
 */
import type { Chart } from 'chart.js';
import { toCss, type Palette } from './colour';
import { withChartJs } from './charts';
import { fixed, h, readable } from './dom';
import type { BreakdownEntry, RowView } from '../../src/shared/protocol';
import { displayToken, visibleControls } from '../../src/shared/displayToken';

/** Chart.js itself (the class), handed over by withChartJs once loaded. */
type ChartClass = typeof Chart;

export class SoftmaxView {
  readonly element: HTMLElement;
  private readonly querySelect = h('select', { className: 'row-select', attrs: { 'aria-label': 'Query row' } });
  private readonly line = h('p', { testid: 'softmax-line', className: 'softmax-line' });
  private readonly formula = h('p', { className: 'note' });
  private readonly table = h('table', { testid: 'softmax-table', className: 'numbers softmax-table' });
  private readonly barCanvas = h('canvas', { className: 'softmax-bars', attrs: { role: 'img' } });
  private chart: Chart | undefined;
  private row: RowView | undefined;
  private barsFor: RowView | undefined;
  private tokens: readonly string[] = [];

  constructor(
    private palette: Palette,
    onSelectRow: (row: number) => void,
  ) {
    this.querySelect.addEventListener('change', () => onSelectRow(Number(this.querySelect.value)));
    this.element = h('div', { className: 'softmax' }, [
      h('label', { className: 'row-picker' }, ['Query ', this.querySelect]),
      this.line,
      this.formula,
      h('div', { className: 'softmax-body' }, [h('div', { className: 'table-scroll' }, [this.table]), h('div', { className: 'bars-frame' }, [this.barCanvas])]),
    ]);
  }

  setTokens(tokens: readonly string[]): void {
    this.tokens = tokens;
    this.querySelect.replaceChildren(...tokens.map((t, i) => h('option', { text: `${i + 1}. ${t}`, attrs: { value: i } })));
  }

  setPalette(palette: Palette): void {
    this.palette = palette;
    if (this.row) this.render(this.row);
  }

  /**
   * The line and the table now; the bars through `schedule` (a Chart.js chart is the costliest
   * part of this view and sits below the heatmap: it can wait until it is scrolled to).
   */
  render(row: RowView, schedule: (draw: () => void) => void = (draw) => draw()): void {
    this.row = row;
    this.querySelect.value = String(row.row);
    // The host sends raw tokens (exports keep them); what is shown has its controls made visible.
    this.line.textContent = visibleControls(row.line);
    const query = displayToken(row.query);
    const divisor = row.scaleDivisor !== 1 ? `÷ √d_k = ${fixed(row.scaleDivisor, 3)}` : '÷ 1 (no √d_k scaling)';
    const temperature = row.temperature !== 1 ? `, ÷ T = ${row.temperature}` : '';
    this.formula.textContent = `probability = exp(raw ${divisor}${temperature} − max) ÷ Σ exp. Subtracting the row's max (${fixed(row.max, 4)}) changes nothing in the result and keeps exp from overflowing.`;

    // Long rows: the heaviest keys only (the table and bars of 512 keys teach nothing and cost a
    // layout of thousands of cells); the caption says so and CSV export has every key.
    const shown = visibleEntries(row);
    const scaledHead = row.scaleDivisor !== 1 || row.temperature !== 1 ? `÷ ${fixed(row.scaleDivisor * row.temperature, 3)}` : '÷ 1';
    const head = h('thead', {}, [h('tr', {}, ['key', 'raw', scaledHead, '− max', 'exp', 'probability'].map((t) => h('th', { text: t, attrs: { scope: 'col' } })))]);
    const body = h(
      'tbody',
      {},
      shown.map(({ entry: e, index: j }) =>
        h('tr', { className: e.masked ? 'masked' : undefined, attrs: { 'data-col': j } }, [
          h('th', { text: displayToken(e.key), attrs: { scope: 'row' } }),
          h('td', { text: e.masked ? 'masked' : fixed(e.raw, 4) }),
          h('td', { text: e.masked ? '−∞' : fixed(e.scaled, 4) }),
          h('td', { text: e.masked ? '−∞' : fixed(e.minusMax, 4) }),
          h('td', { text: fixed(e.exp, 4) }),
          h('td', { text: readable(e.probability), attrs: { 'data-value': e.probability } }),
        ]),
      ),
    );
    const foot = h('tfoot', {}, [
      h('tr', {}, [h('th', { text: 'max', attrs: { scope: 'row' } }), h('td'), h('td', { text: fixed(row.max, 4) }), h('td'), h('td'), h('td')]),
      h('tr', {}, [h('th', { text: 'Σ', attrs: { scope: 'row' } }), h('td'), h('td'), h('td'), h('td', { text: fixed(row.sum, 4) }), h('td', { text: fixed(row.entries.reduce((s, e) => s + e.probability, 0), 2) })]),
    ]);
    const caption =
      shown.length < row.entries.length
        ? `Softmax of the row of “${query}”, head ${row.head + 1}: the ${shown.length} heaviest of ${row.entries.length} keys (Σ over all keys below; export CSV for every key)`
        : `Softmax of the row of “${query}”, head ${row.head + 1}`;
    this.table.replaceChildren(h('caption', { text: caption }), head, body, foot);
    schedule(() => this.renderBars(row, shown));
  }

  /** Marks the table's rows of these keys (the editor cursor's tokens, for a model), or none. */
  markKeys(keys: ReadonlySet<number>): void {
    this.table.querySelectorAll<HTMLElement>('tbody tr[data-col]').forEach((tr) => tr.classList.toggle('highlighted', keys.has(Number(tr.dataset.col))));
  }

  /** The element that holds the bars (what a scheduler watches). */
  barsElement(): HTMLElement {
    return this.barCanvas.parentElement ?? this.element;
  }

  private renderBars(row: RowView, shown: readonly { entry: BreakdownEntry; index: number }[]): void {
    // Chart.js may still be loading: only the latest row is drawn when it arrives.
    this.barsFor = row;
    withChartJs(this.palette, (Chart) => {
      if (this.barsFor === row) this.drawBars(Chart, row, shown);
    });
  }

  private drawBars(Chart: ChartClass, row: RowView, shown: readonly { entry: BreakdownEntry; index: number }[]): void {
    const p = this.palette;
    const n = shown.length;
    this.chart?.destroy();
    const width = Math.max(260, Math.min(900, n * 28 + 60));
    this.barCanvas.width = width;
    this.barCanvas.height = 220;
    this.barCanvas.style.width = `${width}px`;
    this.barCanvas.style.height = '220px';
    const query = displayToken(row.query);
    const keys = shown.map(({ entry: e }) => displayToken(e.key));
    this.barCanvas.setAttribute('aria-label', `Probabilities of the row of ${query}`);
    const labels = keys.map((key) => (key.length > 14 ? `${key.slice(0, 13)}…` : key));
    this.chart = new Chart(this.barCanvas, {
      type: 'bar',
      data: {
        labels,
        datasets: [
          {
            label: 'probability',
            data: shown.map(({ entry: e }) => e.probability),
            backgroundColor: toCss(p.accent),
            borderColor: toCss(p.cellBorders ? p.foreground : p.accent),
            borderWidth: p.cellBorders ? 1 : 0,
          },
        ],
      },
      options: {
        responsive: false,
        devicePixelRatio: Math.max(1, window.devicePixelRatio || 1),
        scales: {
          // 0…1 as the deck draws it, unless every bar would be a sliver (long, flat rows).
          y: { min: 0, max: Math.max(...shown.map(({ entry }) => entry.probability)) >= 0.2 ? 1 : undefined, title: { display: true, text: 'probability' } },
          x: { ticks: { autoSkip: n > 40, maxRotation: 90 } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => `${query} → ${keys[items[0]?.dataIndex ?? 0] ?? ''}`,
              label: (item) => {
                const e = shown[item.dataIndex]!.entry;
                return e.masked
                  ? ['masked: weight 0']
                  : [`raw ${fixed(e.raw, 4)}`, `scaled ${fixed(e.scaled, 4)}`, `− max ${fixed(e.minusMax, 4)}`, `exp ${fixed(e.exp, 4)}`, `÷ Σ ${fixed(row.sum, 4)} = ${fixed(e.probability, 4)}`];
              },
            },
          },
        },
      },
    });
  }

  barCanvasElement(): HTMLCanvasElement {
    return this.barCanvas;
  }

  tokenCount(): number {
    return this.tokens.length;
  }
}

/** Rows of up to TABLE_KEYS keys in input order, as the deck lays them out; longer rows: the heaviest TABLE_KEYS. */
export const TABLE_KEYS = 32;

export function visibleEntries(row: RowView): { entry: BreakdownEntry; index: number }[] {
  const all = row.entries.map((entry, index) => ({ entry, index }));
  if (all.length <= TABLE_KEYS) return all;
  return all.sort((a, b) => b.entry.probability - a.entry.probability || a.index - b.index).slice(0, TABLE_KEYS);
}
