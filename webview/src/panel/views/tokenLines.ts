/** "Who attends to whom": the focused head's token lines (BertViz's head view for one head). */
import { toCss } from '../../colour';
import { h } from '../../dom';
import { TokenLinesView } from '../../tokenLines';
import { section } from '../section';
import { stopwatch } from '../milestones';
import type { PanelContext, PanelView, PanelViewFactory } from '../view';

export const tokenLinesView: PanelViewFactory = (context: PanelContext): PanelView => {
  const s = section(context, 'lines-section', 'Who attends to whom', 'lines', [{ id: 'weights', label: 'weights' }]);
  const lines = new TokenLinesView(context.palette);
  const note = h('p', { className: 'note' });
  s.body.append(lines.element, note);
  context.belowTheFold.watch(s.element);

  function render(): void {
    const { head, shownTokens, focusName } = context.state;
    if (!head) return;
    s.title.textContent = `Who attends to whom — ${focusName}`;
    context.belowTheFold.run(s.element, () => {
      const clock = stopwatch();
      lines.render(shownTokens, head.weights);
      context.debugLog(`timing: token lines of ${shownTokens.length} tokens drawn in ${clock.total()} ms`);
    });
    note.textContent = `Queries on the left, keys on the right; a line’s opacity is the weight. Hover a token to isolate its lines. ${TokenLinesView.thinningNote(shownTokens.length)}`;
  }

  return {
    element: s.element,
    charts: ['lines'],
    update(change) {
      if (change === 'palette') lines.setPalette(context.palette);
      if (change === 'snapshot' || change === 'head') render();
    },
    exportPicture() {
      context.belowTheFold.flush(s.element);
      const size = lines.exportSize();
      const tokens = lines.tokenList();
      const column = 140;
      const palette = context.palette;
      const label = (t: string): string => (t.length > 18 ? `${t.slice(0, 17)}…` : t);
      return {
        title: `Who attends to whom, ${context.state.focusName}`,
        pieces: [
          {
            draw: {
              width: column * 2 + size.gap,
              height: size.height,
              paint: (ctx, x, y) => {
                ctx.save();
                ctx.font = `12px ${palette.fontFamily}`;
                ctx.fillStyle = toCss(palette.foreground);
                ctx.textBaseline = 'middle';
                tokens.forEach((t, i) => {
                  const ty = y + (i + 1) * size.rowHeight + size.rowHeight / 2;
                  ctx.textAlign = 'right';
                  ctx.fillText(label(t), x + column - 6, ty);
                  ctx.textAlign = 'left';
                  ctx.fillText(label(t), x + column + size.gap + 6, ty);
                });
                ctx.restore();
                lines.draw({ ctx, x: x + column, y });
              },
            },
          },
        ],
      };
    },
  };
};
