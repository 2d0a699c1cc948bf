/**
 * A word's nearest tokens by cosine, dot or scaled dot (the measure ranks; all three are shown),
 * with the number of neighbours to list. A neighbour is a button: it selects that token.
 */
import { h } from '../dom';
import { displayToken } from '../../../src/shared/displayToken';
import type { Measure } from '../../../src/core/types';
import type { NeighboursMessage } from '../../../src/shared/explorerProtocol';
import { EXPLORER_LIMITS } from '../../../src/shared/explorerProtocol';

const MEASURE_LABELS: Readonly<Record<Measure, string>> = { cosine: 'cosine', dot: 'dot', scaled: 'scaled dot (÷√d)' };

export class NeighboursView {
  readonly element: HTMLElement;
  private readonly measure: HTMLSelectElement;
  private readonly k: HTMLInputElement;
  private readonly caption: HTMLElement;
  private readonly body: HTMLElement;

  constructor(
    private readonly onChange: () => void,
    private readonly onSelect: (token: string) => void,
  ) {
    this.measure = h('select', { testid: 'explorer-measure', attrs: { 'aria-label': 'Rank by' } }, (['cosine', 'dot', 'scaled'] as const).map((m) => h('option', { text: MEASURE_LABELS[m], attrs: { value: m } })));
    this.k = h('input', { testid: 'explorer-k', attrs: { type: 'number', min: 1, max: EXPLORER_LIMITS.maxNeighbours, value: 10, 'aria-label': 'How many neighbours' } });
    this.measure.addEventListener('change', () => this.onChange());
    this.k.addEventListener('change', () => this.onChange());
    this.caption = h('p', { className: 'note', testid: 'explorer-neighbours-note' });
    this.body = h('tbody');
    const table = h('table', { className: 'results' }, [
      h('thead', {}, [h('tr', {}, ['#', 'token', 'cosine', 'dot', 'scaled dot'].map((t) => h('th', { text: t, attrs: { scope: 'col' } })))]),
      this.body,
    ]);
    this.element = h('section', { className: 'card', testid: 'explorer-neighbours', attrs: { 'aria-label': 'Nearest tokens' } }, [
      h('div', { className: 'card-head' }, [h('h3', { text: 'Nearest tokens' }), h('label', {}, ['rank by ', this.measure]), h('label', {}, ['show ', this.k])]),
      this.caption,
      table,
    ]);
  }

  get selectedMeasure(): Measure {
    const v = this.measure.value;
    return v === 'dot' || v === 'scaled' ? v : 'cosine';
  }

  get count(): number {
    const k = Math.floor(Number(this.k.value));
    return Number.isFinite(k) ? Math.max(1, Math.min(EXPLORER_LIMITS.maxNeighbours, k)) : 10;
  }

  pending(word: string): void {
    this.caption.textContent = `Finding the tokens nearest to “${displayToken(word, 32)}”…`;
    this.body.replaceChildren();
    this.element.dataset.state = 'pending';
  }

  show(message: NeighboursMessage): void {
    const from = message.origin === 'subwords' ? ' (its vector built from subwords)' : '';
    this.caption.textContent = `Nearest to “${displayToken(message.word, 32)}”${from} by ${MEASURE_LABELS[message.measure]}, in ${message.ms.toFixed(0)} ms`;
    this.element.dataset.state = 'ready';
    this.element.dataset.word = message.word;
    this.element.dataset.measure = message.measure;
    const ranked = message.measure;
    this.body.replaceChildren(
      ...message.neighbours.map((n, i) => {
        const pick = h('button', { className: 'link', text: displayToken(n.token), attrs: { type: 'button' } });
        pick.addEventListener('click', () => this.onSelect(n.token));
        const cell = (measure: Measure, value: number) => h('td', { className: measure === ranked ? 'num ranked' : 'num', text: value.toFixed(4).replace('-', '−') });
        return h('tr', { testid: 'explorer-neighbour', attrs: { 'data-token': n.token, 'data-index': n.index, 'data-cosine': n.cosine, 'data-dot': n.dot, 'data-scaled': n.scaled } }, [
          h('td', { className: 'num', text: String(i + 1) }),
          h('td', {}, [pick]),
          cell('cosine', n.cosine),
          cell('dot', n.dot),
          cell('scaled', n.scaled),
        ]);
      }),
    );
  }

  failed(message: string): void {
    this.caption.textContent = message;
    this.body.replaceChildren();
    this.element.dataset.state = 'error';
  }
}
