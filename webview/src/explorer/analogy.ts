/** The analogy box: a − b + c (gensim's most_similar(positive=[a, c], negative=[b])). */
import { h } from '../dom';
import { displayToken } from '../../../src/shared/displayToken';
import type { AnalogyMessage } from '../../../src/shared/explorerProtocol';
import { post, requestId } from './channel';

export class AnalogyView {
  readonly element: HTMLElement;
  private readonly inputs: [HTMLInputElement, HTMLInputElement, HTMLInputElement];
  private readonly result: HTMLElement;
  private latest = 0;

  constructor(private readonly onSelect: (token: string) => void) {
    const input = (name: string, placeholder: string) => h('input', { testid: `explorer-analogy-${name}`, attrs: { type: 'text', placeholder, 'aria-label': `analogy ${name}`, spellcheck: 'false' } });
    this.inputs = [input('a', 'king'), input('b', 'man'), input('c', 'woman')];
    const solve = h('button', { text: 'Solve', testid: 'explorer-analogy-solve', attrs: { type: 'button' } });
    const form = h('form', { className: 'inline-form' }, [this.inputs[0], h('span', { text: '−' }), this.inputs[1], h('span', { text: '+' }), this.inputs[2], solve]);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.solve();
    });
    solve.addEventListener('click', () => this.solve());
    this.result = h('ol', { className: 'answers', testid: 'explorer-analogy-answers' });
    this.element = h('section', { className: 'card', attrs: { 'aria-label': 'Analogy' } }, [h('h3', { text: 'Analogy  a − b + c' }), form, this.result]);
  }

  private solve(): void {
    const [a, b, c] = this.inputs.map((i) => i.value.trim());
    if (!a || !b || !c) {
      this.result.replaceChildren(h('li', { className: 'note', text: 'Fill in all three words.' }));
      return;
    }
    this.latest = requestId();
    this.result.replaceChildren(h('li', { className: 'note', text: 'Solving…' }));
    post({ type: 'requestAnalogy', requestId: this.latest, a, b, c, k: 10 });
  }

  owns(id: number): boolean {
    return id === this.latest;
  }

  show(message: AnalogyMessage): void {
    if (message.requestId !== this.latest) return;
    this.result.replaceChildren(
      ...message.answers.map((answer) => {
        const pick = h('button', { className: 'link', text: displayToken(answer.token), attrs: { type: 'button' } });
        pick.addEventListener('click', () => this.onSelect(answer.token));
        return h('li', { testid: 'explorer-analogy-answer', attrs: { 'data-token': answer.token, 'data-score': answer.score } }, [pick, h('span', { className: 'num', text: ` ${answer.score.toFixed(4)}` })]);
      }),
    );
  }

  failed(message: string): void {
    this.result.replaceChildren(h('li', { className: 'error', text: message }));
  }
}
