/**
 * "Attention weights": the focused head's heatmap (query × key; click a row for its softmax) and,
 * up to TABLE_LIMIT tokens, the table of printed weights. With a model, the unit under the
 * editor's cursor (state.highlighted) is marked as a query row and a key column in both.
 */
import { fixed, h } from '../../dom';
import { HeatmapView } from '../../heatmap';
import type { DenseMatrix } from '../../../../src/shared/wire';
import { section } from '../section';
import type { PanelContext, PanelView, PanelViewFactory } from '../view';

const TABLE_LIMIT = 32;

export const heatmapView: PanelViewFactory = (context: PanelContext): PanelView => {
  const s = section(
    context,
    'heatmap-section',
    'Attention weights',
    'heatmap',
    [
      { id: 'weights', label: 'weights' },
      { id: 'scores', label: 'scores' },
    ],
    'heatmap',
  );
  const heatmap = new HeatmapView(s.body, context.palette, (row) => context.selectRow(row));
  heatmap.attachKeyboard();
  const tableHost = h('div', { className: 'table-scroll' });
  s.body.append(tableHost);

  function renderTable(tokens: readonly string[], weights: DenseMatrix): void {
    const n = tokens.length;
    if (n > TABLE_LIMIT) {
      tableHost.replaceChildren(h('p', { className: 'note', text: `The table of printed weights is shown up to ${TABLE_LIMIT} tokens; export CSV for all ${n}.` }));
      return;
    }
    const { focusName, selectedUnit, model } = context.state;
    const sums = model && model.snapshot.options.hideSpecial && !model.snapshot.options.renormalize ? 'rows sum to at most 1 (hidden tokens’ weight is left out)' : 'each row sums to 1';
    const table = h('table', { testid: 'weights-table', className: 'numbers weights-table' }, [
      h('caption', { text: `Weights of ${focusName}: ${sums}` }),
      h('thead', {}, [h('tr', {}, [h('th', { text: 'query \\ key', attrs: { scope: 'col' } }), ...tokens.map((t) => h('th', { text: t, attrs: { scope: 'col' } }))])]),
      h(
        'tbody',
        {},
        tokens.map((t, i) =>
          h('tr', { className: i === selectedUnit ? 'selected' : undefined }, [
            h('th', { text: t, attrs: { scope: 'row' } }),
            ...tokens.map((_, j) => {
              const value = weights.data[i * n + j]!;
              return h('td', { text: fixed(value), attrs: { 'data-row': i, 'data-col': j, 'data-value': value } });
            }),
          ]),
        ),
      ),
    ]);
    tableHost.replaceChildren(table);
  }

  /** The highlighted unit: a model's only (the embeddings' token hover stays in the token strip). */
  const highlighted = (): number => (context.state.model ? context.state.highlighted : -1);

  function markTable(): void {
    const at = highlighted();
    tableHost.querySelectorAll<HTMLElement>('tbody tr').forEach((tr, i) => tr.classList.toggle('highlighted', i === at));
    tableHost.querySelectorAll<HTMLElement>('td[data-col]').forEach((td) => td.classList.toggle('highlighted-col', Number(td.dataset.col) === at));
  }

  function paint(): void {
    const { head, selectedUnit, shownTokens, printValuesUpTo } = context.state;
    if (!head) return;
    heatmap.render({ tokens: shownTokens, scores: head.scores, weights: head.weights, selectedRow: selectedUnit, printValuesUpTo, highlighted: highlighted() });
    renderTable(shownTokens, head.weights);
    markTable();
  }

  return {
    element: s.element,
    charts: ['heatmap'],
    update(change) {
      const { head, focusName, headCount, model } = context.state;
      if (change === 'palette') heatmap.setPalette(context.palette);
      if (!head) return;
      if (change === 'snapshot' || change === 'head') {
        const of = model ? `of ${model.snapshot.model.layers} layers × ${headCount} heads` : `of ${headCount}`;
        s.title.textContent = `Attention weights — ${focusName} ${of} (query × key)`;
      }
      if (change === 'snapshot' || change === 'head' || change === 'row') paint();
      else if (change === 'highlight') {
        heatmap.setHighlighted(highlighted());
        markTable();
      }
    },
    exportPicture() {
      const c = heatmap.canvases();
      return { title: `Attention weights, ${context.state.focusName} (query × key)`, pieces: [{ canvas: c.chart }, { canvas: c.legend, caption: c.legendText }] };
    },
  };
};
