/**
 * "Softmax, step by step" for the selected query row of the focused head; with a model, the keys
 * of the unit under the editor's cursor are marked in its table.
 */
import { loadChartJs } from '../../charts';
import { SoftmaxView } from '../../softmax';
import { displayToken } from '../../../../src/shared/displayToken';
import { fixed } from '../../dom';
import { section } from '../section';
import type { PanelContext, PanelView, PanelViewFactory } from '../view';

export const softmaxView: PanelViewFactory = (context: PanelContext): PanelView => {
  const s = section(context, 'softmax-section', 'Softmax, step by step', 'softmax', [{ id: 'breakdown', label: 'breakdown' }]);
  const softmax = new SoftmaxView(context.palette, (token) => context.selectQuery(token));
  s.body.append(softmax.element);
  context.belowTheFold.watch(softmax.barsElement());

  /** A model's softmax is over tokens: the highlighted unit's tokens (one, or a word's pieces). */
  function markHighlight(): void {
    const { model, highlighted } = context.state;
    softmax.markKeys(new Set(model && highlighted >= 0 ? model.snapshot.units[highlighted]?.tokens ?? [] : []));
  }

  return {
    element: s.element,
    charts: ['softmax'],
    update(change) {
      const { row, queryTokens, model } = context.state;
      if (change === 'palette') softmax.setPalette(context.palette);
      if (!row) return;
      if (change === 'snapshot') softmax.setTokens(queryTokens);
      if (change === 'snapshot' || change === 'head' || change === 'row') {
        softmax.render(row, (draw) => context.belowTheFold.run(softmax.barsElement(), draw));
        s.title.textContent = model
          ? `Softmax of “${displayToken(row.query)}”, step by step — ${context.state.focusName}, scores q·k × ${fixed(model.neuron.scale, 4)}${model.focus.causal ? ', causal mask' : ''}`
          : `Softmax of “${displayToken(row.query)}”, step by step`;
        markHighlight();
      } else if (change === 'highlight') markHighlight();
    },
    async exportPicture() {
      // The bars are a Chart.js chart: with the library loaded, flushing draws them now.
      await loadChartJs();
      context.belowTheFold.flushAll();
      return { title: context.state.row?.line ?? 'Softmax', pieces: [{ canvas: softmax.barCanvasElement() }] };
    },
  };
};
