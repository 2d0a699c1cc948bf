/**
 * "All heads": every head's weights as a small multiple; click one (or Enter) to focus it. With a
 * model, the unit under the editor's cursor is marked on each (its row and column band).
 */
import { h } from '../../dom';
import { ThumbGrid } from '../../thumbs';
import { passProgress, relativeThumb } from '../model/decode';
import { section } from '../section';
import type { PanelContext, PanelView, PanelViewFactory } from '../view';

export const allHeadsView: PanelViewFactory = (context: PanelContext): PanelView => {
  const s = section(context, 'heads-section', 'All heads', 'heads', [{ id: 'all-weights', label: 'all heads' }]);
  const thumbs = new ThumbGrid(context.palette, { testid: 'head-thumb', size: 84, onFocus: (head) => {
      // Shown at once, before the host answers.
      thumbs.setFocused(head);
      context.focusHead(head);
    } });
  const pending = h('p', { className: 'note', testid: 'heads-pending', attrs: { role: 'status', hidden: true } });
  s.body.append(pending, thumbs.element, h('p', { className: 'note', text: 'Each square is one head’s weights (darker = more weight, scaled to that head’s largest). Click one to focus it.' }));

  let shownLayer = -1;

  return {
    element: s.element,
    charts: ['heads'],
    update(change) {
      const { snapshot, model, head } = context.state;
      if (change === 'palette') thumbs.setPalette(context.palette);
      if (model) {
        const n = model.snapshot.units.length;
        thumbs.setMark(context.state.highlighted >= 0 ? { index: context.state.highlighted, n } : undefined);
        if (change === 'highlight') return;
        // One layer's heads: the focused one's. A new layer draws them anew.
        const layer = model.focus.layer;
        const layerThumbs = model.thumbs[layer];
        if (change === 'snapshot' || (layer !== shownLayer && (change === 'head' || change === 'layers'))) {
          s.title.textContent = `All heads of layer ${layer + 1}`;
          // Its layer not computed yet (a pass being painted): say so until it is.
          pending.hidden = layerThumbs !== undefined;
          pending.textContent = layerThumbs ? '' : passProgress(model.thumbs.length, model.snapshot.model.layers);
          thumbs.render(layerThumbs ? layerThumbs.heads.map(relativeThumb) : [], model.focus.head);
          shownLayer = layerThumbs ? layer : -1;
        } else if (change === 'layers' && !layerThumbs) pending.textContent = passProgress(model.thumbs.length, model.snapshot.model.layers);
        else if (change === 'head') thumbs.setFocused(model.focus.head);
        return;
      }
      if (!snapshot) return;
      if (change === 'snapshot') {
        thumbs.setMark(undefined);
        pending.hidden = true;
        shownLayer = -1;
        s.title.textContent = 'All heads';
        thumbs.render(snapshot.thumbs, snapshot.head.index);
      } else if (change === 'head' && head) thumbs.setFocused(head.index);
    },
    exportPicture() {
      const { model, headCount } = context.state;
      const title = model ? `All ${headCount} heads of layer ${model.focus.layer + 1}` : `All ${headCount} heads`;
      return { title, pieces: thumbs.canvases().map((canvas, i) => ({ canvas, caption: `Head ${i + 1}` })) };
    },
  };
};
