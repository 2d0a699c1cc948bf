/**
 * Attention rollout (Abnar & Zuidema 2020) up to a chosen layer, as a heatmap over units: how
 * much each position's representation after that layer draws on each input token, the heads
 * averaged and the residual added at every layer (src/core/rollout.ts computes it on the host).
 */
import { h } from '../../dom';
import { HeatmapView } from '../../heatmap';
import { section } from '../section';
import type { PanelContext, PanelView, PanelViewFactory } from '../view';

export const rolloutView: PanelViewFactory = (context: PanelContext): PanelView => {
  const s = section(context, 'rollout-section', 'Attention rollout', 'rollout');
  s.element.hidden = true; // until a model's picture arrives
  const layerSelect = h('select', { testid: 'rollout-layer', attrs: { 'aria-label': 'Up to layer' } });
  layerSelect.addEventListener('change', () => context.post({ type: 'setRolloutLayer', upTo: Number(layerSelect.value) || 0 }));
  const note = h('p', { className: 'note', testid: 'rollout-note' });
  s.body.append(h('label', { className: 'row-picker' }, ['Through layers 1 … ', layerSelect]), note);
  const heatmap = new HeatmapView(s.body, context.palette, (row) => context.selectRow(row), { testid: 'rollout', value: 'rollout' });
  heatmap.attachKeyboard();

  function paint(): void {
    const model = context.state.model!;
    const r = model.rollout;
    const matrix = { rows: r.matrix.rows, cols: r.matrix.cols, data: new Float32Array(r.matrix.data) };
    layerSelect.value = String(r.upTo);
    note.textContent = `Row i: how much position i after layer ${r.upTo + 1} draws on each input token. Each layer: the mean of its heads Ā, then ${1 - r.residual}·Ā + ${r.residual}·I for the residual connection, rows renormalised, multiplied through layers 1 … ${r.upTo + 1}.`;
    s.element.dataset.upTo = String(r.upTo);
    context.belowTheFold.run(s.element, () =>
      heatmap.render({ tokens: context.state.shownTokens, weights: matrix, selectedRow: context.state.selectedUnit, printValuesUpTo: context.state.printValuesUpTo }),
    );
  }

  context.belowTheFold.watch(s.element);
  return {
    element: s.element,
    charts: ['rollout'],
    exportPicture() {
      const model = context.state.model;
      if (!model) throw new Error('no model is shown');
      // Drawn when scrolled to: draw it now if it has not been.
      context.belowTheFold.flushAll();
      const c = heatmap.canvases();
      return {
        title: `Attention rollout of ${model.snapshot.model.name} through layers 1 … ${model.rollout.upTo + 1} (residual ${model.rollout.residual}), query × key`,
        pieces: [{ canvas: c.chart }, { canvas: c.legend, caption: c.legendText }],
      };
    },
    update(change) {
      const model = context.state.model;
      if (change === 'palette') heatmap.setPalette(context.palette);
      if (change === 'snapshot') {
        s.element.hidden = !model;
        if (!model) return;
        layerSelect.replaceChildren(...Array.from({ length: model.snapshot.model.layers }, (_, l) => h('option', { text: `${l + 1}`, attrs: { value: l } })));
      }
      if (!model) return;
      if (change === 'snapshot' || change === 'rollout' || change === 'row') paint();
    },
  };
};
