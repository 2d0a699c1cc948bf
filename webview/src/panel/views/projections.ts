/**
 * "Projection matrices of the focused head": W_Q, W_K, W_V and W_O's slice, asked of the host
 * only once this section scrolls into view (never sent unasked).
 */
import { WeightsView } from '../../weightsView';
import { section } from '../section';
import type { PanelContext, PanelView, PanelViewFactory } from '../view';

export const projectionsView: PanelViewFactory = (context: PanelContext): PanelView => {
  const s = section(context, 'weights-section', 'Projection matrices of the focused head', 'weights', [
    { id: 'wq', label: 'W_Q' },
    { id: 'wk', label: 'W_K' },
    { id: 'wv', label: 'W_V' },
    { id: 'wo', label: 'W_O' },
  ]);
  const weightsView = new WeightsView(context.palette, () => requestIfNeeded());
  s.body.append(weightsView.element);

  function requestIfNeeded(): void {
    const { head, serial, snapshot } = context.state;
    if (!head || !snapshot || !weightsView.isVisible()) return;
    const key = `${serial}:${head.index}`;
    if (!weightsView.needs(key)) return;
    weightsView.markRequested(key);
    context.post({ type: 'requestWeights', head: head.index });
  }

  return {
    element: s.element,
    charts: ['weights'],
    update(change) {
      const { head, weights, snapshot } = context.state;
      if (change === 'palette') weightsView.setPalette(context.palette);
      // Embeddings only (the model views show q and k instead).
      if (change === 'snapshot') s.element.hidden = !snapshot;
      if (!head || !snapshot) return;
      if (change === 'snapshot' || change === 'head') {
        s.title.textContent = `Projection matrices of head ${head.index + 1}`;
        weightsView.invalidate();
        requestIfNeeded();
      }
      if (change === 'weights' && weights && weights.head === head.index) weightsView.render(weights.head, weights.matrices, weights.unavailable);
    },
    exportPicture() {
      const list = weightsView.canvases();
      if (list.length === 0) throw new Error(weightsView.noteText() || 'the projection matrices are not loaded yet: scroll to them first');
      return { title: `Projection matrices, head ${context.state.head!.index + 1}`, pieces: list.map(({ name, canvas }) => ({ canvas, caption: name })) };
    },
  };
};
