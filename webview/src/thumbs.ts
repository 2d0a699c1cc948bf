/**
 * Every head at a glance (BertViz's model view): one small heatmap per head, drawn straight from
 * the Uint8 thumbnails the host sends (≤ 64 × 64 each, whatever n is), click or Enter to focus.
 * Used by the attention panel (`head-thumb`) and the Heads side view (`head-item`).
 */
import { toCss, weightColor, type Palette } from './colour';
import { h, readable, sizeCanvas } from './dom';
import type { WireThumb } from '../../src/shared/protocol';

/** A token's band on every thumbnail (its query row and key column): token `index` of `n`. */
export interface ThumbMark {
  readonly index: number;
  readonly n: number;
}

export function paintThumb(canvas: HTMLCanvasElement, thumb: WireThumb, palette: Palette, cssSize: number, mark?: ThumbMark): void {
  const ctx = sizeCanvas(canvas, cssSize, cssSize);
  const bytes = new Uint8Array(thumb.data);
  const image = new ImageData(Math.max(1, thumb.cols), Math.max(1, thumb.rows));
  for (let at = 0; at < bytes.length; at++) {
    const c = weightColor(palette, bytes[at]!, 255);
    image.data[at * 4] = c.r;
    image.data[at * 4 + 1] = c.g;
    image.data[at * 4 + 2] = c.b;
    image.data[at * 4 + 3] = 255;
  }
  const scratch = document.createElement('canvas');
  scratch.width = image.width;
  scratch.height = image.height;
  scratch.getContext('2d')!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(scratch, 0, 0, cssSize, cssSize);
  ctx.strokeStyle = toCss(palette.grid);
  ctx.strokeRect(0.5, 0.5, cssSize - 1, cssSize - 1);
  if (mark && mark.index >= 0 && mark.index < mark.n) {
    const from = (mark.index / mark.n) * cssSize;
    const size = Math.max(1, cssSize / mark.n);
    ctx.strokeStyle = toCss(palette.highlight);
    ctx.lineWidth = 1;
    ctx.strokeRect(0.5, from + 0.5, cssSize - 1, Math.max(1, size - 1));
    ctx.strokeRect(from + 0.5, 0.5, Math.max(1, size - 1), cssSize - 1);
  }
}

export interface ThumbGridOptions {
  readonly testid: 'head-thumb' | 'head-item';
  readonly size: number;
  readonly onFocus: (head: number) => void;
}

/** A listbox of heads; the focused one carries aria-selected="true". */
export class ThumbGrid {
  readonly element: HTMLElement;
  private items: HTMLElement[] = [];
  private canvasList: HTMLCanvasElement[] = [];
  private thumbs: readonly WireThumb[] = [];
  private focused = 0;
  private mark: ThumbMark | undefined;

  constructor(
    private palette: Palette,
    private readonly options: ThumbGridOptions,
  ) {
    this.element = h('div', { className: 'thumb-grid', attrs: { role: 'listbox', 'aria-label': 'Attention heads', 'aria-orientation': 'horizontal' } });
    this.element.addEventListener('keydown', (event) => {
      if (this.items.length === 0) return;
      const step = event.key === 'ArrowRight' || event.key === 'ArrowDown' ? 1 : event.key === 'ArrowLeft' || event.key === 'ArrowUp' ? -1 : 0;
      if (step !== 0) {
        const next = (this.focused + step + this.items.length) % this.items.length;
        this.options.onFocus(next);
        this.items[next]?.focus();
        event.preventDefault();
      }
    });
  }

  render(thumbs: readonly WireThumb[], focused: number): void {
    this.thumbs = thumbs;
    this.focused = focused;
    this.items = [];
    this.canvasList = [];
    this.element.replaceChildren(
      ...thumbs.map((thumb, head) => {
        const canvas = h('canvas', { attrs: { 'aria-hidden': 'true' } });
        paintThumb(canvas, thumb, this.palette, this.options.size, this.mark);
        this.canvasList.push(canvas);
        const item = h(
          'div',
          {
            testid: this.options.testid,
            className: 'thumb',
            title: `Head ${head + 1}: largest weight ${readable(thumb.max)}`,
            attrs: { role: 'option', 'data-head': head, 'aria-selected': head === focused ? 'true' : 'false', tabindex: head === focused ? 0 : -1 },
          },
          [canvas, h('span', { className: 'thumb-label', text: `Head ${head + 1}` })],
        );
        item.addEventListener('click', () => this.options.onFocus(head));
        item.addEventListener('keydown', (event) => {
          if (event.key === 'Enter' || event.key === ' ') {
            this.options.onFocus(head);
            event.preventDefault();
          }
        });
        this.items.push(item);
        return item;
      }),
    );
  }

  setFocused(head: number): void {
    this.focused = head;
    this.items.forEach((item, i) => {
      item.setAttribute('aria-selected', i === head ? 'true' : 'false');
      item.tabIndex = i === head ? 0 : -1;
    });
  }

  /** Marks a token on every thumbnail (undefined: none); repaints only when it changed. */
  setMark(mark: ThumbMark | undefined): void {
    if (mark?.index === this.mark?.index && mark?.n === this.mark?.n) return;
    this.mark = mark;
    this.canvasList.forEach((canvas, head) => paintThumb(canvas, this.thumbs[head]!, this.palette, this.options.size, mark));
    this.element.dataset.highlighted = String(mark?.index ?? -1);
  }

  setPalette(palette: Palette): void {
    this.palette = palette;
    this.render(this.thumbs, this.focused);
  }

  canvases(): readonly HTMLCanvasElement[] {
    return this.canvasList;
  }
}
