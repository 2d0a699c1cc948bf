/** "All heads": every head's weights as a small multiple; click one (or Enter) to focus it. */
import { h } from '../../dom';
import { ThumbGrid } from '../../thumbs';
import { section } from '../section';
import type { PanelContext, PanelView, PanelViewFactory } from '../view';

export const allHeadsView: PanelViewFactory = (context: PanelContext): PanelView => {
  const s = section(context, 'heads-section', 'All heads', 'heads', [{ id: 'all-weights', label: 'all heads' }]);
  const thumbs = new ThumbGrid(context.palette, { testid: 'head-thumb', size: 84, onFocus: (head) => context.focusHead(head) });
  s.body.append(thumbs.element, h('p', { className: 'note', text: 'Each square is one head’s weights (darker = more weight, scaled to that head’s largest). Click one to focus it.' }));

  return {
    element: s.element,
    charts: ['heads'],
    update(change) {
      const { snapshot, head } = context.state;
      if (change === 'palette') thumbs.setPalette(context.palette);
      if (!snapshot) return;
      if (change === 'snapshot') thumbs.render(snapshot.thumbs, snapshot.head.index);
      else if (change === 'head' && head) thumbs.setFocused(head.index);
    },
    /** Focus shown at once, before the host answers. */
    exportPicture() {
      const snapshot = context.state.snapshot!;
      return { title: `All ${snapshot.model.heads} heads`, pieces: thumbs.canvases().map((canvas, i) => ({ canvas, caption: `Head ${i + 1}` })) };
    },
  };
};
