/**
 * A model's input strip: the model (name, layers × heads, dtype), its units as buttons (hover or
 * focus one to highlight it in every view and its range in the editor; click for its softmax),
 * and the unit options — hide special tokens (renormalised or not, as exBERT does) and tokens
 * merged into words (bertviz #23). The host computes with the options; this view only posts them.
 */
import { h } from '../../dom';
import type { ModelViewOptions } from '../../../../src/shared/modelView';
import { passProgress } from '../model/decode';
import type { PanelContext, PanelView, PanelViewFactory } from '../view';

export const modelTokensView: PanelViewFactory = (context: PanelContext): PanelView => {
  const header = h('p', { className: 'meta model-meta', testid: 'model-meta' });
  const strip = h('div', { className: 'token-strip', testid: 'model-tokens', attrs: { 'aria-label': 'Input tokens' } });
  const check = (label: string, testid: string): { box: HTMLInputElement; label: HTMLElement } => {
    const box = h('input', { testid, attrs: { type: 'checkbox' } });
    return { box, label: h('label', { className: 'model-option' }, [box, ` ${label}`]) };
  };
  const hide = check('Hide special tokens', 'model-hide-special');
  const renormalize = check('renormalise', 'model-renormalize');
  const aggregate = h('select', { testid: 'model-aggregate', attrs: { 'aria-label': 'Rows and columns' } }, [
    h('option', { text: 'tokens', attrs: { value: 'tokens' } }),
    h('option', { text: 'words (keys summed, queries averaged)', attrs: { value: 'words' } }),
  ]);
  const options = h('div', { className: 'model-options', attrs: { role: 'group', 'aria-label': 'Units' } }, [
    hide.label,
    renormalize.label,
    h('label', { className: 'model-option' }, ['Rows and columns: ', aggregate]),
  ]);
  const element = h('div', { className: 'input model-input' }, [header, options, strip]);
  element.hidden = true;

  const postOptions = (): void => {
    const next: ModelViewOptions = { hideSpecial: hide.box.checked, renormalize: renormalize.box.checked, aggregate: aggregate.value === 'words' ? 'words' : 'tokens' };
    renormalize.box.disabled = !next.hideSpecial;
    context.post({ type: 'setModelViewOptions', options: next });
  };
  hide.box.addEventListener('change', postOptions);
  renormalize.box.addEventListener('change', postOptions);
  aggregate.addEventListener('change', postOptions);

  function describe(): void {
    const model = context.state.model!;
    const m = model.snapshot.model;
    header.textContent = [
      m.name,
      `${m.type}, ${m.layers} layers × ${m.heads} heads${m.kvHeads !== m.heads ? ` (${m.kvHeads} kv heads)` : ''}`,
      m.dtype,
      `${model.snapshot.tokens.length} tokens`,
      model.timings ? `forward ${Math.round(model.timings.forwardMs)} ms` : passProgress(model.thumbs.length, m.layers),
    ].join(' · ');
  }

  function render(): void {
    const model = context.state.model!;
    const s = model.snapshot;
    describe();
    hide.box.checked = s.options.hideSpecial;
    renormalize.box.checked = s.options.renormalize;
    renormalize.box.disabled = !s.options.hideSpecial;
    aggregate.value = s.options.aggregate;
    strip.replaceChildren(
      ...context.state.shownTokens.map((label, i) => {
        const unit = s.units[i]!;
        const el = h('button', {
          className: unit.special ? 'token special' : 'token',
          text: label,
          testid: 'token',
          title: unit.range ? `Characters ${unit.range[0]}–${unit.range[1]}: hover to see them in the editor, click for its softmax` : 'Added by the tokenizer (no place in the text)',
          attrs: { type: 'button', 'data-index': i, 'data-token': unit.label, 'data-special': unit.special, 'data-start': unit.range?.[0], 'data-end': unit.range?.[1] },
        });
        el.addEventListener('click', () => context.selectRow(i));
        el.addEventListener('mouseenter', () => context.highlightToken(i));
        el.addEventListener('focus', () => context.highlightToken(i));
        el.addEventListener('mouseleave', () => context.highlightToken(-1));
        el.addEventListener('blur', () => context.highlightToken(-1));
        return el;
      }),
    );
  }

  function mark(): void {
    const { selectedUnit, highlighted } = context.state;
    for (const el of strip.querySelectorAll<HTMLElement>('[data-testid="token"]')) {
      const index = Number(el.dataset.index);
      el.classList.toggle('selected', index === selectedUnit);
      el.classList.toggle('highlighted', index === highlighted);
      el.setAttribute('aria-pressed', String(index === selectedUnit));
    }
  }

  return {
    element,
    place: 'input',
    update(change) {
      const { model } = context.state;
      if (change === 'snapshot') {
        element.hidden = !model;
        if (!model) strip.replaceChildren();
      }
      if (!model) return;
      if (change === 'snapshot') render();
      if (change === 'layers' || change === 'complete') describe();
      if (change === 'snapshot' || change === 'head' || change === 'row' || change === 'highlight') mark();
    },
  };
};
