/**
 * The virtualised token list: only the rows in view (and a few around them) exist as elements;
 * the host serves the rows of a range on request (`requestRows`), so 3M tokens cost what 40 do.
 * Searched as you type: a new query asks for its first screen, the host searches once and slices.
 *
 * Keyboard: the list is one tab stop (role=listbox, aria-activedescendant); ↑/↓, Page Up/Down,
 * Home/End move the active row, Enter selects it. A click selects too.
 */
import { h } from '../dom';
import { displayToken } from '../../../src/shared/displayToken';
import type { RowsMessage } from '../../../src/shared/explorerProtocol';
import { EXPLORER_LIMITS } from '../../../src/shared/explorerProtocol';
import { missingRange, scrollHeight, scrollToShow, visibleRows, type ListGeometry } from './virtualWindow';
import { post, requestId } from './channel';

const ROW_HEIGHT = 22;

export class TokenList {
  readonly element: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly status: HTMLElement;
  private readonly oovBanner: HTMLElement;
  private query = '';
  private total: number | undefined;
  private capped = false;
  private oov: string | undefined;
  private readonly rows = new Map<number, { index: number; token: string }>();
  private inFlight: { id: number; query: string } | undefined;
  private active = 0;
  private enabled = false;
  /** Showing the preview's rows (preview()) until the file is indexed. */
  private previewing = false;
  private previewCount = 0;
  private readonly pool: HTMLElement[] = [];

  constructor(private readonly onSelect: (token: string) => void) {
    this.spacer = h('div', { className: 'list-spacer' });
    this.viewport = h('div', {
      className: 'token-list',
      testid: 'explorer-list',
      attrs: { role: 'listbox', tabindex: 0, 'aria-label': 'Tokens' },
    }, [this.spacer]);
    this.status = h('div', { className: 'list-status', testid: 'explorer-list-status', attrs: { 'aria-live': 'polite' } });
    this.oovBanner = h('div', { className: 'oov-banner', testid: 'explorer-oov', attrs: { hidden: true } });
    this.element = h('div', { className: 'list-box' }, [this.oovBanner, this.viewport, this.status]);
    this.viewport.addEventListener('scroll', () => this.render());
    this.viewport.addEventListener('keydown', (event) => this.onKey(event));
    this.viewport.addEventListener('click', (event) => {
      const row = (event.target as HTMLElement).closest<HTMLElement>('[data-position]');
      if (!row) return;
      this.setActive(Number(row.dataset.position));
      this.selectActive();
    });
    new ResizeObserver(() => this.render()).observe(this.viewport);
  }

  /** The file is indexed: show its first rows. */
  enable(): void {
    this.enabled = true;
    this.previewing = false;
    this.setQuery(this.query, true);
  }

  /**
   * Before the index is complete: the file's first tokens (the header's `count` rows in all), shown
   * as the list's first page, without asking the host (it cannot answer yet). enable() replaces them.
   */
  preview(tokens: readonly string[], count: number): void {
    if (this.enabled) return;
    this.previewing = true;
    this.previewCount = tokens.length;
    this.total = count;
    this.rows.clear();
    tokens.forEach((token, i) => this.rows.set(i, { index: i, token }));
    this.render();
  }

  focus(): void {
    this.viewport.focus();
  }

  /** A new search (an empty one lists the file in order). */
  setQuery(query: string, force = false): void {
    if (!force && query === this.query) return;
    this.query = query;
    this.total = undefined;
    this.capped = false;
    this.oov = undefined;
    this.rows.clear();
    this.active = 0;
    this.viewport.scrollTop = 0;
    this.render();
  }

  /** The row a search's Enter picks: the OOV word when offered and nothing matched exactly, else the first row. */
  firstChoice(): string | undefined {
    const first = this.rows.get(0);
    if (this.oov !== undefined && (first === undefined || first.token.toLowerCase() !== this.oov.toLowerCase())) return this.oov;
    return first?.token;
  }

  receive(message: RowsMessage): void {
    if (message.query !== this.query) {
      if (this.inFlight?.id === message.requestId) this.inFlight = undefined;
      this.render();
      return;
    }
    if (this.inFlight?.id === message.requestId) this.inFlight = undefined;
    this.total = message.total;
    this.capped = message.capped;
    this.oov = message.oov;
    message.indices.forEach((index, i) => this.rows.set(message.start + i, { index, token: message.tokens[i]! }));
    this.render();
  }

  failed(id: number): void {
    if (this.inFlight?.id === id) this.inFlight = undefined;
  }

  private geometry(): ListGeometry {
    return { total: this.total ?? 0, rowHeight: ROW_HEIGHT, viewport: Math.max(ROW_HEIGHT, this.viewport.clientHeight) };
  }

  private render(): void {
    if (!this.enabled && !this.previewing) return;
    const g = this.geometry();
    this.spacer.style.height = `${scrollHeight(g)}px`;
    const shown = visibleRows(g, this.viewport.scrollTop);
    const perView = Math.ceil(g.viewport / ROW_HEIGHT) + 8;
    // Ask for what is missing: the first screen of a new query, or the rows scrolled into view.
    if (this.enabled && this.inFlight === undefined) {
      const wanted = this.total === undefined ? { start: 0, count: perView } : missingRange(shown.first, shown.end, (r) => this.rows.has(r));
      if (wanted) {
        const id = requestId();
        this.inFlight = { id, query: this.query };
        // A little more than asked below the window, so slow scrolling rarely waits.
        post({ type: 'requestRows', requestId: id, query: this.query, start: wanted.start, count: Math.min(EXPLORER_LIMITS.maxRows, wanted.count + perView) });
      }
    }
    let used = 0;
    for (let r = shown.first; r < shown.end; r++) {
      const row = this.pool[used] ?? this.newRow();
      used++;
      const item = this.rows.get(r);
      row.style.top = `${shown.top + (r - shown.first) * ROW_HEIGHT}px`;
      row.dataset.position = String(r);
      row.id = `token-row-${r}`;
      row.setAttribute('aria-selected', String(r === this.active));
      row.classList.toggle('active', r === this.active);
      const [number, text] = row.children as unknown as [HTMLElement, HTMLElement];
      if (item) {
        row.dataset.index = String(item.index);
        row.dataset.token = item.token;
        number.textContent = `#${(item.index + 1).toLocaleString('en-US')}`;
        text.textContent = displayToken(item.token);
      } else {
        delete row.dataset.index;
        delete row.dataset.token;
        number.textContent = '';
        text.textContent = '…';
      }
      row.hidden = false;
    }
    for (let i = used; i < this.pool.length; i++) this.pool[i]!.hidden = true;
    if (this.rows.has(this.active)) this.viewport.setAttribute('aria-activedescendant', `token-row-${this.active}`);
    else this.viewport.removeAttribute('aria-activedescendant');
    this.renderStatus();
  }

  private renderStatus(): void {
    const total = this.total;
    if (this.previewing) this.status.textContent = `The first ${this.previewCount.toLocaleString('en-US')} of ${(total ?? 0).toLocaleString('en-US')} tokens; the rest once the file is indexed`;
    else if (total === undefined) this.status.textContent = this.query.trim() ? 'Searching…' : 'Loading rows…';
    else if (this.query.trim() === '') this.status.textContent = `${total.toLocaleString('en-US')} tokens in file order`;
    else if (total === 0) this.status.textContent = `No token contains “${displayToken(this.query.trim(), 32)}”`;
    else this.status.textContent = `${total.toLocaleString('en-US')}${this.capped ? '+' : ''} ${total === 1 ? 'match' : 'matches'} for “${displayToken(this.query.trim(), 32)}”${this.capped ? ` (the first ${total.toLocaleString('en-US')} shown)` : ''}`;
    this.status.dataset.total = String(total ?? '');
    if (this.oov !== undefined && this.oovBanner.dataset.word !== this.oov) {
      const word = this.oov;
      this.oovBanner.replaceChildren(
        h('span', { text: `“${displayToken(word, 32)}” is not in the vocabulary; its vector is built from subwords (character n-grams). ` }),
        button('Look it up', () => this.onSelect(word), 'explorer-oov-open'),
      );
      this.oovBanner.dataset.word = word;
      this.oovBanner.hidden = false;
    } else if (this.oov === undefined) {
      this.oovBanner.hidden = true;
      delete this.oovBanner.dataset.word;
    }
  }

  private newRow(): HTMLElement {
    const row = h('div', { className: 'token-row', testid: 'explorer-row', attrs: { role: 'option' } }, [h('span', { className: 'row-number' }), h('span', { className: 'row-token' })]);
    this.viewport.append(row);
    this.pool.push(row);
    return row;
  }

  private onKey(event: KeyboardEvent): void {
    const total = this.total ?? 0;
    if (total === 0) return;
    const perView = Math.max(1, Math.floor(this.viewport.clientHeight / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: perView, PageUp: -perView };
    if (event.key in moves) this.setActive(this.active + moves[event.key]!);
    else if (event.key === 'Home') this.setActive(0);
    else if (event.key === 'End') this.setActive(total - 1);
    else if (event.key === 'Enter') this.selectActive();
    else return;
    event.preventDefault();
  }

  private setActive(position: number): void {
    const total = this.total ?? 0;
    this.active = Math.max(0, Math.min(total - 1, position));
    const g = this.geometry();
    const wanted = scrollToShow(g, this.viewport.scrollTop, this.active);
    if (wanted !== this.viewport.scrollTop) this.viewport.scrollTop = wanted;
    this.render();
  }

  private selectActive(): void {
    const item = this.rows.get(this.active);
    if (item) this.onSelect(item.token);
  }
}

export function button(label: string, onClick: () => void, testid?: string): HTMLButtonElement {
  const b = h('button', { text: label, testid, attrs: { type: 'button' } });
  b.addEventListener('click', onClick);
  return b;
}
