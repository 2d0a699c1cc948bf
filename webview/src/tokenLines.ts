/**
 * The token-line view (BertViz's head view): queries on the left, keys on the right, one line per
 * (query, key) whose opacity is the weight (relative to the head's largest). Hovering or focusing
 * a token isolates its lines: a query shows where it looks, a key shows who looks at it.
 * Tokens are DOM text; the lines are one canvas, so 512² lines cost one pass of strokes.
 */
import { toCss, type Palette } from './colour';
import { h, sizeCanvas } from './dom';
import { maxOf } from './heatmap';
import type { DenseMatrix } from '../../src/shared/wire';

const ROW = 18;
const GAP = 160;

type Isolate = { readonly side: 'query' | 'key'; readonly index: number } | undefined;

export class TokenLinesView {
  readonly element: HTMLElement;
  private readonly left = h('div', { className: 'line-tokens left', attrs: { role: 'list', 'aria-label': 'Queries' } });
  private readonly right = h('div', { className: 'line-tokens right', attrs: { role: 'list', 'aria-label': 'Keys' } });
  private readonly canvas = h('canvas', { className: 'lines-canvas', attrs: { 'aria-hidden': 'true' } });
  private tokens: readonly string[] = [];
  private weights: DenseMatrix | undefined;
  private isolate: Isolate;

  constructor(private palette: Palette) {
    this.element = h('div', { className: 'token-lines' }, [this.left, this.canvas, this.right]);
  }

  setPalette(palette: Palette): void {
    this.palette = palette;
    this.draw();
  }

  render(tokens: readonly string[], weights: DenseMatrix): void {
    this.tokens = tokens;
    this.weights = weights;
    this.isolate = undefined;
    const make = (side: 'query' | 'key') =>
      tokens.map((t, index) => {
        const el = h('div', { className: 'line-token', text: t, title: t, attrs: { role: 'listitem', tabindex: 0 } });
        const on = (): void => this.setIsolate({ side, index });
        const off = (): void => this.setIsolate(undefined);
        el.addEventListener('mouseenter', on);
        el.addEventListener('focus', on);
        el.addEventListener('mouseleave', off);
        el.addEventListener('blur', off);
        return el;
      });
    this.left.replaceChildren(h('div', { className: 'line-head', text: 'query' }), ...make('query'));
    this.right.replaceChildren(h('div', { className: 'line-head', text: 'key' }), ...make('key'));
    this.draw();
  }

  private setIsolate(isolate: Isolate): void {
    this.isolate = isolate;
    for (const [side, column] of [['query', this.left], ['key', this.right]] as const) {
      const items = column.querySelectorAll<HTMLElement>('.line-token');
      items.forEach((el, i) => el.classList.toggle('active', isolate !== undefined && isolate.side === side && isolate.index === i));
    }
    this.draw();
  }

  /** Draws into the panel's canvas, or into another context (PNG export) at an offset. */
  draw(target?: { ctx: CanvasRenderingContext2D; x: number; y: number }): void {
    const weights = this.weights;
    if (!weights) return;
    const n = this.tokens.length;
    const height = (n + 1) * ROW;
    const ctx = target?.ctx ?? sizeCanvas(this.canvas, GAP, height);
    const ox = target?.x ?? 0;
    const oy = (target?.y ?? 0) + ROW;
    const max = maxOf(weights) || 1;
    const p = this.palette;
    ctx.save();
    ctx.lineWidth = n > 128 ? 1 : 1.5;
    const iso = this.isolate;
    // One path per opacity level: 512² lines become 16 strokes instead of 262,144
    // (a stroke per line with its own style took seconds).
    const LEVELS = 16;
    const paths: Path2D[] = Array.from({ length: LEVELS + 1 }, () => new Path2D());
    const used = new Uint8Array(LEVELS + 1);
    // Invisible lines cost as much as visible ones: below ~2% of the largest weight, skip them.
    // Canvas strokes are rasterised when the frame is finalised, and 512² antialiased lines took
    // Chromium ~9 s there; past 64 tokens each query draws only its strongest keys (a hovered
    // token still shows all of its own lines).
    const floor = 0.02;
    const perQuery = n > 128 ? 3 : n > 64 ? 6 : n;
    for (let i = 0; i < n; i++) {
      if (iso?.side === 'query' && iso.index !== i) continue;
      const y0 = oy + i * ROW + ROW / 2;
      const cutoff = iso ? 0 : kthLargest(weights.data.subarray(i * n, (i + 1) * n), perQuery) / max;
      for (let j = 0; j < n; j++) {
        if (iso?.side === 'key' && iso.index !== j) continue;
        const alpha = weights.data[i * n + j]! / max;
        if (!(alpha > floor) || alpha < cutoff) continue;
        const level = Math.min(LEVELS, Math.ceil(alpha * LEVELS));
        const path = paths[level]!;
        path.moveTo(ox + 2, y0);
        path.lineTo(ox + GAP - 2, oy + j * ROW + ROW / 2);
        used[level] = 1;
      }
    }
    for (let level = 1; level <= LEVELS; level++) {
      if (!used[level]) continue;
      ctx.strokeStyle = toCss({ ...p.accent, a: level / LEVELS });
      ctx.stroke(paths[level]!);
    }
    ctx.restore();
  }

  /** How lines are thinned for long inputs, for the note under the view. */
  static thinningNote(n: number): string {
    return n > 64 ? `With ${n} tokens each query draws its ${n > 128 ? 3 : 6} strongest lines; hover a token to see all of its lines.` : '';
  }

  /** Everything needed to redraw this view into an export image. */
  exportSize(): { width: number; height: number; rowHeight: number; gap: number } {
    return { width: GAP, height: (this.tokens.length + 1) * ROW, rowHeight: ROW, gap: GAP };
  }

  tokenList(): readonly string[] {
    return this.tokens;
  }
}

/** The k-th largest value of a row (k ≥ length: the smallest). */
function kthLargest(row: Float32Array, k: number): number {
  if (k >= row.length) return -Infinity;
  const sorted = Float32Array.from(row).sort();
  return sorted[row.length - k]!;
}
