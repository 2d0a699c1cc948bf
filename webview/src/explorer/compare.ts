/** Compare Words: the three measures of two words with the deck's worked arithmetic. */
import { h } from '../dom';
import { displayToken } from '../../../src/shared/displayToken';
import type { CompareMessage } from '../../../src/shared/explorerProtocol';
import { post, requestId } from './channel';

export class CompareView {
  readonly element: HTMLElement;
  private readonly a: HTMLInputElement;
  private readonly b: HTMLInputElement;
  private readonly result: HTMLElement;
  private latest = 0;

  constructor() {
    this.a = h('input', { testid: 'explorer-compare-a', attrs: { type: 'text', placeholder: 'first word', 'aria-label': 'first word', spellcheck: 'false' } });
    this.b = h('input', { testid: 'explorer-compare-b', attrs: { type: 'text', placeholder: 'second word', 'aria-label': 'second word', spellcheck: 'false' } });
    const go = h('button', { text: 'Compare', testid: 'explorer-compare-go', attrs: { type: 'button' } });
    const form = h('form', { className: 'inline-form' }, [this.a, h('span', { text: '·' }), this.b, go]);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.compare();
    });
    go.addEventListener('click', () => this.compare());
    this.result = h('div', { className: 'worked', testid: 'explorer-compare' });
    this.element = h('section', { className: 'card', attrs: { 'aria-label': 'Compare words' } }, [h('h3', { text: 'Compare Words' }), form, this.result]);
  }

  /** The selected token becomes the first word when the box is empty. */
  suggest(token: string): void {
    if (this.a.value.trim() === '') this.a.value = token;
  }

  private compare(): void {
    const a = this.a.value.trim();
    const b = this.b.value.trim();
    if (!a || !b) {
      this.result.replaceChildren(h('p', { className: 'note', text: 'Give two words.' }));
      return;
    }
    this.latest = requestId();
    this.result.replaceChildren(h('p', { className: 'note', text: 'Comparing…' }));
    post({ type: 'requestCompare', requestId: this.latest, a, b });
  }

  owns(id: number): boolean {
    return id === this.latest;
  }

  show(message: CompareMessage): void {
    if (message.requestId !== this.latest) return;
    Object.assign(this.result.dataset, { cosine: String(message.cosine), dot: String(message.dot), scaled: String(message.scaled) });
    const line = (label: string, text: string, testid: string) => h('p', { testid }, [h('span', { className: 'measure', text: `${label} ` }), h('code', { text })]);
    this.result.replaceChildren(
      h('p', { className: 'note', text: `“${displayToken(message.a, 32)}” and “${displayToken(message.b, 32)}”` }),
      line('dot', message.worked.dot, 'explorer-compare-dot'),
      line('scaled dot', message.worked.scaled, 'explorer-compare-scaled'),
      line('cosine', message.worked.cosine, 'explorer-compare-cosine'),
      ...(message.zeroVector ? [h('p', { className: 'note', text: 'One of the two vectors is all zeros: it has no direction, so its cosine is reported as 0.' })] : []),
    );
  }

  failed(message: string): void {
    this.result.replaceChildren(h('p', { className: 'error', text: message }));
  }
}
