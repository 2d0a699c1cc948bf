/** "Context pulls": every token's input row and its attention output, on one plane. */
import { loadChartJs } from '../../charts';
import { EmbeddingPlotView } from '../../plot';
import { section } from '../section';
import { stopwatch } from '../milestones';
import type { PanelContext, PanelView, PanelViewFactory } from '../view';

export const plotView: PanelViewFactory = (context: PanelContext): PanelView => {
  const s = section(context, 'plot-section', 'Context pulls: embeddings → attention outputs', 'plot', [
    { id: 'output', label: 'outputs' },
    { id: 'embeddings', label: 'embeddings' },
  ]);
  const plot = new EmbeddingPlotView(context.palette, (projection) => context.post({ type: 'setProjection', projection }));
  s.body.append(plot.element);
  context.belowTheFold.watch(s.element);

  function render(): void {
    const { snapshot, shownTokens } = context.state;
    if (!snapshot) return;
    const view = context.state.plotView ?? snapshot.plot;
    context.belowTheFold.run(s.element, () => {
      const clock = stopwatch();
      plot.render(shownTokens, view);
      context.debugLog(`timing: embedding plot of ${shownTokens.length} tokens drawn in ${clock.total()} ms`);
    });
  }

  return {
    element: s.element,
    charts: ['plot'],
    update(change) {
      const { snapshot } = context.state;
      if (change === 'palette') plot.setPalette(context.palette);
      // Embeddings only: a model's rows are not one embedding per token.
      if (change === 'snapshot') s.element.hidden = !snapshot;
      if (!snapshot) return;
      if (change === 'snapshot') plot.setDimensions(snapshot.model.dimNames);
      if (change === 'snapshot' || change === 'plot') render();
    },
    async exportPicture() {
      await loadChartJs();
      context.belowTheFold.flushAll();
      const view = context.state.plotView ?? context.state.snapshot!.plot;
      return { title: `Context pulls: ${view.xLabel} × ${view.yLabel}`, pieces: [{ canvas: plot.canvasElement() }] };
    },
  };
};
