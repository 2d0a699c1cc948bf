/**
 * What the model predicts: for a causal LM the top next tokens with their probabilities, each
 * with an Append button (the host appends it to the text and computes again: generation one step
 * at a time); for the BERT family the top tokens at each mask.
 */
import { fixed, h } from '../../dom';
import { displayToken } from '../../../../src/shared/displayToken';
import type { PredictedToken } from '../../../../src/shared/modelView';
import { passProgress } from '../model/decode';
import { section } from '../section';
import type { PanelContext, PanelView, PanelViewFactory } from '../view';

export const predictionsView: PanelViewFactory = (context: PanelContext): PanelView => {
  const s = section(context, 'predictions-section', 'Predictions', undefined);
  s.element.hidden = true; // until a model's picture arrives
  const body = h('div', { className: 'predictions', testid: 'predictions' });
  s.body.append(body);

  const list = (top: readonly PredictedToken[], append: boolean): HTMLElement =>
    h('table', { className: 'numbers predictions-table' }, [
      h('thead', {}, [h('tr', {}, [h('th', { text: 'token', attrs: { scope: 'col' } }), h('th', { text: 'p', attrs: { scope: 'col' } }), ...(append ? [h('th', { text: '', attrs: { scope: 'col' } })] : [])])]),
      h(
        'tbody',
        {},
        top.map((t) => {
          const label = displayToken(t.text);
          const bar = h('span', { className: 'prediction-bar' });
          bar.style.width = `${Math.round(Math.max(0, Math.min(1, t.p)) * 100)}%`;
          const cells = [
            h('th', { text: t.raw === null ? `#${t.id} (unknown to the tokenizer)` : label, attrs: { scope: 'row' } }),
            h('td', {}, [h('span', { className: 'prediction-p', text: fixed(t.p, 4) }), h('span', { className: 'prediction-track' }, [bar])]),
          ];
          if (append) {
            const button = h('button', { className: 'tool', testid: 'prediction-append', text: 'Append', attrs: { type: 'button', 'aria-label': `Append ${label} and compute again`, 'data-id': t.id } });
            button.addEventListener('click', () => {
              button.disabled = true;
              context.post({ type: 'appendToken', id: t.id });
            });
            cells.push(h('td', {}, [button]));
          }
          return h('tr', { testid: 'prediction', attrs: { 'data-id': t.id, 'data-token': t.raw ?? '', 'data-p': t.p } }, cells);
        }),
      ),
    ]);

  function render(): void {
    const model = context.state.model!;
    const p = model.predictions;
    const labels = model.tokenLabels;
    if (!p) {
      // They come from the last layer's output: said while the pass runs, not left blank.
      s.title.textContent = 'Predictions';
      body.replaceChildren(h('p', { className: 'note', testid: 'predictions-pending', text: `${passProgress(model.thumbs.length, model.snapshot.model.layers)} The predictions need the last layer.` }));
      body.dataset.kind = 'pending';
      return;
    }
    switch (p.kind) {
      case 'next':
        s.title.textContent = `Next token after “${labels[labels.length - 1] ?? ''}”: top ${p.top.length}`;
        body.replaceChildren(list(p.top, true));
        break;
      case 'masks':
        s.title.textContent = `Predictions at the ${p.masks.length} mask token${p.masks.length === 1 ? '' : 's'}`;
        body.replaceChildren(
          ...(p.masks.length === 0
            ? [h('p', { className: 'note', text: 'Put a mask token in the text (e.g. [MASK]) to see what the model fills in.' })]
            : p.masks.map((m) => h('div', { className: 'mask-predictions', testid: 'mask-predictions', attrs: { 'data-position': m.position } }, [h('h3', { text: `Token ${m.position + 1}: ${labels[m.position] ?? ''}` }), list(m.top, false)]))),
        );
        break;
      case 'none':
        s.title.textContent = 'Predictions';
        body.replaceChildren(h('p', { className: 'note', text: p.reason }));
        break;
    }
    body.dataset.kind = p.kind;
  }

  return {
    element: s.element,
    update(change) {
      const model = context.state.model;
      if (change === 'snapshot') {
        s.element.hidden = !model;
        if (model) render();
      } else if (model && (change === 'complete' || (change === 'layers' && !model.predictions))) render();
    },
  };
};
