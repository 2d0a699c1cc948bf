/**
 * "Attention weights": the focused head's heatmap (query × key; click a row for its softmax) and,
 * up to TABLE_LIMIT tokens, the table of printed weights.
 */
import { fixed, h } from '../../dom';
import { HeatmapView } from '../../heatmap';
import type { DenseMatrix } from '../../../../src/shared/wire';
import { section } from '../section';
import type { PanelContext, PanelView, PanelViewFactory } from '../view';

const TABLE_LIMIT = 32;

export const heatmapView: PanelViewFactory = (context: PanelContext): PanelView => {
  const s = section(context, 'heatmap-section', 'Attention weights', 'heatmap', [
    { id: 'weights', label: 'weights' },
    { id: 'scores', label: 'scores' },
  ]);
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
    const { head, row } = context.state;
    const table = h('table', { testid: 'weights-table', className: 'numbers weights-table' }, [
      h('caption', { text: `Weights of head ${(head?.index ?? 0) + 1}: each row sums to 1` }),
      h('thead', {}, [h('tr', {}, [h('th', { text: 'query \\ key', attrs: { scope: 'col' } }), ...tokens.map((t) => h('th', { text: t, attrs: { scope: 'col' } }))])]),
      h(
        'tbody',
        {},
        tokens.map((t, i) =>
          h('tr', { className: i === row?.row ? 'selected' : undefined }, [
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

  function paint(): void {
    const { snapshot, head, row, shownTokens, printValuesUpTo } = context.state;
    if (!snapshot || !head) return;
    heatmap.render({ tokens: shownTokens, scores: head.scores, weights: head.weights, selectedRow: row?.row ?? 0, printValuesUpTo });
    renderTable(shownTokens, head.weights);
  }

  return {
    element: s.element,
    charts: ['heatmap'],
    update(change) {
      const { snapshot, head } = context.state;
      if (change === 'palette') heatmap.setPalette(context.palette);
      if (!snapshot || !head) return;
      if (change === 'snapshot' || change === 'head') {
        s.title.textContent = `Attention weights — head ${head.index + 1} of ${snapshot.model.heads} (query × key)`;
      }
      if (change === 'snapshot' || change === 'head' || change === 'row') paint();
    },
    exportPicture() {
      const head = context.state.head!;
      const c = heatmap.canvases();
      return { title: `Attention weights, head ${head.index + 1} (query × key)`, pieces: [{ canvas: c.chart }, { canvas: c.legend, caption: c.legendText }] };
    },
  };
};
