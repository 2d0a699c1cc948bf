/**
 * The unknown-words offer above the tokens: "5 words are not in Lesson (bundled)", then one
 * button per source the host offers (the bundled trained word vectors, the bundled model) and
 * "Not now". A click posts `chooseUnknownWords`; the host switches the source and runs Show
 * Attention again, so the offer goes away with the next picture. Buttons, so Tab and Enter work.
 */
import { h } from '../../dom';
import { visibleControls } from '../../../../src/shared/displayToken';
import { assertNever, type UnknownWordsChoice, type UnknownWordsOffer } from '../../../../src/shared/protocol';
import type { PanelContext, PanelView, PanelViewFactory } from '../view';

function label(choice: UnknownWordsChoice): string {
  switch (choice) {
    case 'trainedVectors':
      return 'Use the trained word vectors (bundled)';
    case 'bundledModel':
      return 'Use the bundled model';
    case 'notNow':
      return 'Not now';
    default:
      return assertNever(choice, 'unknown-words choice');
  }
}

function detail(choice: UnknownWordsChoice): string {
  switch (choice) {
    case 'trainedVectors':
      return '20,000 common English words; any other word gets a vector from its character n-grams';
    case 'bundledModel':
      return 'a small GPT-2-style transformer trained on English text: every word becomes tokens, none is left out';
    case 'notNow':
      return 'Keep this set; ask again after a window reload';
    default:
      return assertNever(choice, 'unknown-words choice');
  }
}

export const unknownWordsOfferView: PanelViewFactory = (context: PanelContext): PanelView => {
  const text = h('p', { className: 'offer-text', testid: 'unknown-words-text', attrs: { id: 'unknown-words-text' } });
  const actions = h('div', { className: 'offer-actions' });
  const element = h('section', { className: 'offer', testid: 'unknown-words-offer', attrs: { 'aria-labelledby': 'unknown-words-text' } }, [text, actions]);
  element.hidden = true;
  let shown: UnknownWordsOffer | undefined;

  function render(offer: UnknownWordsOffer): void {
    const words = offer.count === 1 ? '1 word is' : `${offer.count} words are`;
    text.textContent = `${words} not in ${visibleControls(offer.setLabel)}.`;
    const choices: UnknownWordsChoice[] = [...offer.sources, 'notNow'];
    actions.replaceChildren(
      ...choices.map((choice, i) => {
        const button = h('button', {
          className: i === 0 ? 'offer-button primary' : 'offer-button',
          text: label(choice),
          title: detail(choice),
          testid: 'unknown-words-choice',
          attrs: { type: 'button', 'data-choice': choice },
        });
        button.addEventListener('click', () => {
          // One answer per offer: a second click while the host switches would switch twice.
          for (const b of actions.querySelectorAll('button')) b.disabled = true;
          context.post({ type: 'chooseUnknownWords', choice });
          if (choice === 'notNow') element.hidden = true;
        });
        return button;
      }),
    );
  }

  return {
    element,
    place: 'input',
    update(change) {
      if (change !== 'snapshot' && change !== 'unknownWords') return;
      const offer = context.state.model ? undefined : context.state.unknownWords;
      if (offer === shown) return;
      shown = offer;
      element.hidden = offer === undefined;
      if (offer) render(offer);
    },
  };
};
