/**
 * Attention rollout (Abnar & Zuidema 2020) up to a chosen layer, as a heatmap over units: how
 * much each position's representation after that layer draws on each input token, the heads
 * averaged and the residual added at every layer (src/core/rollout.ts computes it on the host).
 */
import { h } from '../../dom';
import { HeatmapView } from '../../heatmap';
import { passProgress } from '../model/decode';
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

  /** The heatmap's frame and its legend: hidden while there is no rollout yet. */
  const drawn = [heatmap.element.parentElement, heatmap.element.parentElement?.nextElementSibling].filter((e): e is HTMLElement => e instanceof HTMLElement);

  function paint(): void {
    const model = context.state.model!;
    const r = model.rollout;
    layerSelect.disabled = !r;
    for (const e of drawn) e.hidden = !r;
    if (!r) {
      // It multiplies through every layer: said while the pass runs, not left blank.
      note.textContent = `${passProgress(model.thumbs.length, model.snapshot.model.layers)} The rollout multiplies through every layer.`;
      s.element.dataset.pending = 'true';
      return;
    }
    delete s.element.dataset.pending;
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
      if (!model?.rollout) throw new Error(model ? 'the rollout is still being computed' : 'no model is shown');
      const rollout = model.rollout;
      // Drawn when scrolled to: draw it now if it has not been.
      context.belowTheFold.flushAll();
      const c = heatmap.canvases();
      return {
        title: `Attention rollout of ${model.snapshot.model.name} through layers 1 … ${rollout.upTo + 1} (residual ${rollout.residual}), query × key`,
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
      if (change === 'snapshot' || change === 'rollout' || change === 'row' || change === 'complete' || (change === 'layers' && !model.rollout)) paint();
    },
  };
};
