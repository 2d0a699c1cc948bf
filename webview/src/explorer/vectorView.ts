/**
 * A token's vector: its value on every named dimension (with a bar for its size), its norm, and
 * where it came from (its own row, or character n-grams for an out-of-vocabulary word).
 */
import { h } from '../dom';
import { displayToken } from '../../../src/shared/displayToken';
import type { TokenMessage } from '../../../src/shared/explorerProtocol';

/** Dimensions listed before "… and 300 more" (a table of 65,536 rows helps nobody). */
const DIMS_SHOWN = 512;

export class VectorView {
  readonly element: HTMLElement;
  private readonly heading: HTMLElement;
  private readonly note: HTMLElement;
  private readonly table: HTMLTableElement;

  constructor() {
    this.heading = h('h2', { className: 'vector-heading', testid: 'explorer-token', text: 'Select a token' });
    this.note = h('p', { className: 'note', testid: 'explorer-vector-note' });
    this.table = h('table', { className: 'vector-table', testid: 'explorer-vector' });
    this.element = h('section', { className: 'card', attrs: { 'aria-label': 'Vector' } }, [this.heading, this.note, h('div', { className: 'vector-scroll' }, [this.table])]);
  }

  show(message: TokenMessage, dimNames: readonly string[]): void {
    const values = new Float32Array(message.vector);
    this.heading.textContent = displayToken(message.token);
    this.heading.dataset.token = message.token;
    const where = message.origin === 'subwords' ? 'not in the vocabulary: built from subwords (the mean of its character n-gram vectors)' : `row ${(message.index + 1).toLocaleString('en-US')}`;
    this.note.textContent = `${where} · ${values.length} dimensions · norm ‖v‖ = ${message.norm.toFixed(4)}`;
    this.note.dataset.origin = message.origin;
    this.note.dataset.norm = String(message.norm);
    let max = 0;
    for (const v of values) max = Math.max(max, Math.abs(v));
    const rows: HTMLElement[] = [];
    const shown = Math.min(values.length, DIMS_SHOWN);
    for (let d = 0; d < shown; d++) {
      const value = values[d]!;
      const bar = h('span', { className: value < 0 ? 'bar negative' : 'bar' });
      bar.style.width = `${max === 0 ? 0 : (Math.abs(value) / max) * 100}%`;
      rows.push(
        h('tr', { testid: 'vector-dim', attrs: { 'data-dim': d, 'data-value': value } }, [
          h('th', { text: dimNames[d] ?? `dim ${d + 1}`, attrs: { scope: 'row' } }),
          h('td', { className: 'num', text: value.toFixed(4).replace('-', '−') }),
          h('td', { className: 'bar-cell' }, [bar]),
        ]),
      );
    }
    this.table.replaceChildren(
      h('thead', {}, [h('tr', {}, [h('th', { text: 'dimension', attrs: { scope: 'col' } }), h('th', { text: 'value', attrs: { scope: 'col' } }), h('th', { text: '', attrs: { scope: 'col' } })])]),
      h('tbody', {}, rows),
    );
    this.table.dataset.dim = String(values.length);
    if (values.length > shown) this.table.append(h('caption', { text: `… and ${(values.length - shown).toLocaleString('en-US')} more dimensions` }));
  }

  clear(message: string): void {
    this.heading.textContent = message;
    delete this.heading.dataset.token;
    this.note.textContent = '';
    this.table.replaceChildren();
  }
}
