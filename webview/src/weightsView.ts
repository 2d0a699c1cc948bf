/**
 * The focused head's projections W_Q, W_K, W_V (and its slice of W_O) as small signed heatmaps
 * with their shapes. They are only asked of the host when this section scrolls into view: for a
 * 768-wide model they are 4 × 768 × 64 floats per head, not worth sending unseen.
 */
import { signedColor, toCss, type Palette } from './colour';
import { fixed, h, sizeCanvas } from './dom';
import type { NamedMatrix } from '../../src/shared/protocol';

export class WeightsView {
  readonly element: HTMLElement;
  private readonly body = h('div', { className: 'weights-grid' });
  private readonly note = h('p', { className: 'note' });
  private readonly tooltip = h('div', { className: 'tooltip', attrs: { role: 'tooltip', hidden: true } });
  private matrices: readonly NamedMatrix[] = [];
  private canvasList: { name: string; canvas: HTMLCanvasElement }[] = [];
  private visible = false;
  /** `${snapshotId}:${head}` of what is shown or asked for, to ask once. */
  private loadedKey = '';

  constructor(
    private palette: Palette,
    private readonly request: () => void,
  ) {
    this.element = h('div', { className: 'weights' }, [this.note, this.body, this.tooltip]);
    new IntersectionObserver((entries) => {
      this.visible = entries.some((e) => e.isIntersecting);
      if (this.visible) this.request();
    }).observe(this.element);
  }

  isVisible(): boolean {
    return this.visible;
  }

  /** True when the matrices for `key` are neither shown nor asked for yet. */
  needs(key: string): boolean {
    return this.loadedKey !== key;
  }

  markRequested(key: string): void {
    this.loadedKey = key;
  }

  invalidate(): void {
    this.loadedKey = '';
    this.matrices = [];
    this.canvasList = [];
    this.body.replaceChildren();
    this.note.textContent = 'Scroll here to load the focused head’s projection matrices.';
  }

  setPalette(palette: Palette): void {
    this.palette = palette;
    this.paint();
  }

  render(head: number, matrices: readonly NamedMatrix[], unavailable: string): void {
    this.matrices = matrices;
    this.note.textContent = unavailable || `Head ${head + 1}: rows of W_Q, W_K, W_V map an embedding to this head’s queries, keys and values (y = x·Wᵀ); W_O’s columns bring the head’s output back. Blue is positive, red negative.`;
    this.paint();
  }

  private paint(): void {
    const p = this.palette;
    this.canvasList = [];
    this.body.replaceChildren(
      ...this.matrices.map(({ name, matrix }) => {
        const data = new Float32Array(matrix.data);
        let maxAbs = 0;
        for (const v of data) maxAbs = Math.max(maxAbs, Math.abs(v));
        const cell = Math.max(1, Math.min(28, Math.floor(260 / Math.max(matrix.rows, matrix.cols))));
        const canvas = h('canvas', { className: 'weight-matrix', attrs: { role: 'img', 'aria-label': `${name}, ${matrix.rows} × ${matrix.cols}` } });
        const ctx = sizeCanvas(canvas, matrix.cols * cell, matrix.rows * cell);
        for (let i = 0; i < matrix.rows; i++) {
          for (let j = 0; j < matrix.cols; j++) {
            ctx.fillStyle = toCss(signedColor(p, data[i * matrix.cols + j]!, maxAbs));
            ctx.fillRect(j * cell, i * cell, cell, cell);
          }
        }
        canvas.addEventListener('mousemove', (event) => {
          const rect = canvas.getBoundingClientRect();
          const i = Math.floor((event.clientY - rect.top) / cell);
          const j = Math.floor((event.clientX - rect.left) / cell);
          if (i < 0 || j < 0 || i >= matrix.rows || j >= matrix.cols) return;
          this.tooltip.textContent = `${name}[${i}, ${j}] = ${fixed(data[i * matrix.cols + j]!, 4)}`;
          this.tooltip.hidden = false;
          const frame = this.element.getBoundingClientRect();
          this.tooltip.style.left = `${event.clientX - frame.left + 12}px`;
          this.tooltip.style.top = `${event.clientY - frame.top + 12}px`;
        });
        canvas.addEventListener('mouseleave', () => (this.tooltip.hidden = true));
        this.canvasList.push({ name: `${name} ${matrix.rows}×${matrix.cols}`, canvas });
        return h('figure', { className: 'weight-figure' }, [
          canvas,
          h('figcaption', {}, [h('strong', { text: name }), ` ${matrix.rows} × ${matrix.cols}, |max| ${fixed(maxAbs, 3)}`]),
        ]);
      }),
    );
  }

  canvases(): readonly { name: string; canvas: HTMLCanvasElement }[] {
    return this.canvasList;
  }

  noteText(): string {
    return this.note.textContent ?? '';
  }
}
