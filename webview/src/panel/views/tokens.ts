/**
 * The input strip above the views: the tokens (click one to see its softmax), the words left out
 * of the embedding set, and a line about the picture (set, source, sizes, compute time).
 */
import { h } from '../../dom';
import { displayToken, visibleControls } from '../../../../src/shared/displayToken';
import type { PanelSnapshot } from '../../../../src/shared/protocol';
import type { PanelContext, PanelView, PanelViewFactory } from '../view';

export const tokensView: PanelViewFactory = (context: PanelContext): PanelView => {
  const tokenStrip = h('div', { className: 'token-strip', attrs: { 'aria-label': 'Input tokens' } });
  const oovNotice = h('div', { className: 'oov', testid: 'oov', attrs: { role: 'note' } });
  const meta = h('p', { className: 'meta' });
  const element = h('div', { className: 'input' }, [tokenStrip, oovNotice, meta]);

  function renderTokens(s: PanelSnapshot): void {
    let index = 0;
    tokenStrip.replaceChildren(
      ...s.words.map((word) => {
        // Shown in its display form (controls visible, long ones cut); the raw token in data-token.
        if (!word.known) {
          return h('span', { className: 'token unknown', text: displayToken(word.text), testid: 'oov-word', title: `Not in ${s.setLabel}: left out`, attrs: { 'data-token': word.text } });
        }
        const i = index++;
        const el = h('button', { className: 'token', text: displayToken(word.text), testid: 'token', title: `Query ${i + 1}: show its softmax`, attrs: { type: 'button', 'data-index': i, 'data-token': word.text } });
        el.addEventListener('click', () => context.selectRow(i));
        el.addEventListener('mouseenter', () => context.highlightToken(i));
        el.addEventListener('mouseleave', () => context.highlightToken(-1));
        return el;
      }),
    );
    oovNotice.hidden = s.oov.length === 0;
    oovNotice.replaceChildren(
      ...(s.oov.length === 0
        ? []
        : [h('span', { text: `Not in ${s.setLabel}, left out: ` }), ...s.oov.flatMap((word, i) => [h('code', { text: displayToken(word) }), i < s.oov.length - 1 ? ', ' : ''])]),
    );
    const m = s.model;
    meta.textContent = [
      visibleControls(s.setLabel),
      visibleControls(s.sourceLabel),
      `${s.tokens.length} tokens`,
      `d = ${m.d}`,
      `${m.heads} head${m.heads === 1 ? '' : 's'}, d_k = ${m.dk}`,
      `computed in ${Math.round(s.computeMs)} ms`,
    ].join(' · ');
  }

  function markTokens(): void {
    const { row, highlighted } = context.state;
    for (const el of tokenStrip.querySelectorAll<HTMLElement>('[data-testid="token"]')) {
      const index = Number(el.dataset.index);
      el.classList.toggle('selected', index === row?.row);
      el.classList.toggle('highlighted', index === highlighted);
    }
  }

  return {
    element,
    place: 'input',
    update(change) {
      const { snapshot } = context.state;
      if (change === 'snapshot') {
        element.hidden = !snapshot;
        if (!snapshot) tokenStrip.replaceChildren();
      }
      if (!snapshot) return;
      if (change === 'snapshot') renderTokens(snapshot);
      if (change === 'snapshot' || change === 'head' || change === 'row' || change === 'highlight') markTokens();
    },
  };
};
