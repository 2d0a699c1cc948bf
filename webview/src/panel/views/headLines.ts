/**
 * The head view (BertViz's head view): the token lines of one layer, every head at once in its
 * own colour. Swatches toggle heads (click) or show only one (double-click); hovering or focusing
 * a token isolates its lines — a query shows where it looks, a key who looks at it — and
 * highlights it in the editor.
 *
 * Weights over units: every head of the layer as the host sent it for this view
 * (modelLayerHeads, asked once per layer), or meanwhile the layer's thumbnails when they are not
 * pooled (n ≤ 64 units). Quantised to 1/255, plenty for an opacity.
 *
 * The host computes a layer's unpooled heads with a forward pass of its own, on the same worker
 * as Show Attention's: so they are asked for only once the picture is complete and the view is
 * near the viewport (or exported), never while a pass is being painted, where they would compete
 * with it for the two cores.
 */
import { toCss } from '../../colour';
import { h, sizeCanvas } from '../../dom';
import { headColour, passProgress, thumbWeights } from '../model/decode';
import { section } from '../section';
import type { PanelContext, PanelView, PanelViewFactory } from '../view';

const ROW = 18;
const GAP = 200;
const LEVELS = 8;
/** How long a PNG export waits for a layer's heads it had to ask for. */
const EXPORT_WAIT_MS = 20_000;

type Isolate = { readonly side: 'query' | 'key'; readonly index: number } | undefined;

export const headLinesView: PanelViewFactory = (context: PanelContext): PanelView => {
  const s = section(context, 'head-lines-section', 'Head view: one layer, every head', 'headview');
  s.element.hidden = true; // until a model's picture arrives
  const layerSelect = h('select', { testid: 'head-view-layer', attrs: { 'aria-label': 'Layer' } });
  const swatches = h('div', { className: 'head-swatches', testid: 'head-swatches', attrs: { role: 'group', 'aria-label': 'Heads shown (click toggles, double-click shows only that head)' } });
  const left = h('div', { className: 'line-tokens left', attrs: { role: 'list', 'aria-label': 'Queries' } });
  const right = h('div', { className: 'line-tokens right', attrs: { role: 'list', 'aria-label': 'Keys' } });
  const canvas = h('canvas', { testid: 'head-view', className: 'lines-canvas', attrs: { 'aria-hidden': 'true' } });
  const note = h('p', { className: 'note', testid: 'head-view-note' });
  s.body.append(
    h('div', { className: 'head-view-controls' }, [h('label', {}, ['Layer ', layerSelect]), swatches]),
    h('div', { className: 'token-lines' }, [left, canvas, right]),
    note,
  );
  context.belowTheFold.watch(s.element);

  let layer = 0;
  let shown: boolean[] = [];
  let isolate: Isolate;
  /** Per head, Float32 [n, n] over units; undefined while the host has not sent them. */
  let heads: Float32Array[] | undefined;
  let requested = -1;
  /** load() found the layer not computed yet: it loads again when the layer arrives (once). */
  let awaitingLayer = false;

  layerSelect.addEventListener('change', () => {
    layer = Number(layerSelect.value) || 0;
    load();
  });

  /** The layer's heads from what is here, or ask the host once. */
  function load(): void {
    const model = context.state.model;
    if (!model) return;
    const n = model.snapshot.units.length;
    const sent = model.layerHeads;
    const thumbs = model.thumbs[layer]?.heads;
    awaitingLayer = !thumbs;
    if (!thumbs) {
      // A pass being painted has not reached this layer: said, and loaded when it arrives.
      heads = undefined;
      note.textContent = passProgress(model.thumbs.length, model.snapshot.model.layers);
    } else if (sent && sent.layer === layer && sent.n === n) {
      heads = sent.heads.map(thumbWeights);
      note.textContent = '';
    } else if (thumbs.every((t) => t.rows === n && t.cols === n)) {
      heads = thumbs.map(thumbWeights);
      note.textContent = '';
    } else {
      heads = undefined;
      note.textContent = `Asking for layer ${layer + 1}’s ${thumbs.length} heads over ${n} tokens…`;
      // Asked for in draw(), which runs when the view is near the viewport.
    }
    s.element.dataset.layer = String(layer);
    render();
  }

  function renderSwatches(count: number): void {
    swatches.replaceChildren(
      ...Array.from({ length: count }, (_, head) => {
        const colour = headColour(head, count);
        const b = h('button', {
          className: 'head-swatch',
          testid: 'head-swatch',
          text: String(head + 1),
          title: `Head ${head + 1}: click to show or hide, double-click to show only this head`,
          attrs: { type: 'button', 'data-head': head, 'aria-pressed': String(shown[head] ?? true), 'aria-label': `Head ${head + 1}` },
        });
        b.style.borderColor = toCss(colour);
        b.style.backgroundColor = shown[head] ? toCss({ ...colour, a: 0.35 }) : 'transparent';
        b.addEventListener('click', () => {
          shown[head] = !shown[head];
          renderSwatches(count);
          draw();
        });
        b.addEventListener('dblclick', () => {
          shown = shown.map((_, i) => i === head);
          renderSwatches(count);
          draw();
        });
        return b;
      }),
    );
  }

  function setIsolate(next: Isolate): void {
    isolate = next;
    for (const [side, column] of [['query', left], ['key', right]] as const) {
      column.querySelectorAll<HTMLElement>('.line-token').forEach((el, i) => el.classList.toggle('active', next !== undefined && next.side === side && next.index === i));
    }
    context.highlightToken(next ? next.index : -1);
    draw();
  }

  function render(): void {
    const tokens = context.state.shownTokens;
    const make = (side: 'query' | 'key'): HTMLElement[] =>
      tokens.map((t, index) => {
        const el = h('div', { className: 'line-token', text: t, title: t, attrs: { role: 'listitem', tabindex: 0, 'data-index': index } });
        const on = (): void => setIsolate({ side, index });
        const off = (): void => setIsolate(undefined);
        el.addEventListener('mouseenter', on);
        el.addEventListener('focus', on);
        el.addEventListener('mouseleave', off);
        el.addEventListener('blur', off);
        return el;
      });
    left.replaceChildren(h('div', { className: 'line-head', text: 'query' }), ...make('query'));
    right.replaceChildren(h('div', { className: 'line-head', text: 'key' }), ...make('key'));
    isolate = undefined;
    context.belowTheFold.run(s.element, draw);
  }

  /** The layer's unpooled heads from the host, once per layer, when the picture is complete. */
  function ask(): void {
    if (heads || requested === layer || !context.state.model?.complete || !context.state.model.thumbs[layer]) return;
    requested = layer;
    context.post({ type: 'requestLayerHeads', layer });
  }

  /** Exports waiting for the layer's heads (resolved when they arrive). */
  let waiting: (() => void)[] = [];

  function draw(): void {
    ask();
    const n = context.state.shownTokens.length;
    const ctx = sizeCanvas(canvas, GAP, (n + 1) * ROW);
    canvas.dataset.painted = String(heads !== undefined);
    if (!heads) return;
    // The host's highlight (the editor's cursor) isolates a query when nothing is hovered here.
    const highlighted = context.state.highlighted;
    const iso: Isolate = isolate ?? (highlighted >= 0 ? { side: 'query', index: highlighted } : undefined);
    const floor = n > 64 ? 0.1 : 0.02;
    ctx.lineWidth = n > 128 ? 1 : 1.5;
    let lines = 0;
    heads.forEach((w, head) => {
      if (!shown[head]) return;
      // One path per opacity level and head: H · LEVELS strokes whatever n is.
      const paths = Array.from({ length: LEVELS + 1 }, () => new Path2D());
      const used = new Uint8Array(LEVELS + 1);
      for (let i = 0; i < n; i++) {
        if (iso?.side === 'query' && iso.index !== i) continue;
        for (let j = 0; j < n; j++) {
          if (iso?.side === 'key' && iso.index !== j) continue;
          const weight = w[i * n + j]!;
          if (!(weight > (iso ? 0.005 : floor))) continue;
          const level = Math.min(LEVELS, Math.ceil(weight * LEVELS));
          paths[level]!.moveTo(2, ROW + i * ROW + ROW / 2);
          paths[level]!.lineTo(GAP - 2, ROW + j * ROW + ROW / 2);
          used[level] = 1;
          lines++;
        }
      }
      const colour = headColour(head, heads!.length);
      for (let level = 1; level <= LEVELS; level++) {
        if (!used[level]) continue;
        ctx.strokeStyle = toCss({ ...colour, a: (0.15 + 0.85 * level) / LEVELS });
        ctx.stroke(paths[level]!);
      }
    });
    canvas.dataset.lines = String(lines);
    canvas.dataset.heads = shown.map((on, i) => (on ? i : -1)).filter((i) => i >= 0).join(',');
  }

  /** Queries, the lines, keys and the shown heads' colours, for a PNG (the labels are DOM here). */
  function exportLines(): { width: number; height: number; paint: (ctx: CanvasRenderingContext2D, x: number, y: number) => void } {
    const tokens = context.state.shownTokens;
    const p = context.palette;
    const labelWidth = 110;
    const legend = ROW + 6;
    const height = (tokens.length + 1) * ROW + legend;
    const cut = (t: string): string => (t.length > 16 ? `${t.slice(0, 15)}…` : t);
    return {
      width: labelWidth + GAP + labelWidth,
      height,
      paint: (ctx, x, y) => {
        ctx.save();
        ctx.font = `12px ${p.fontFamily}`;
        ctx.textBaseline = 'middle';
        ctx.fillStyle = toCss(p.muted);
        ctx.textAlign = 'right';
        ctx.fillText('query', x + labelWidth - 6, y + ROW / 2);
        ctx.textAlign = 'left';
        ctx.fillText('key', x + labelWidth + GAP + 6, y + ROW / 2);
        ctx.fillStyle = toCss(p.foreground);
        tokens.forEach((t, i) => {
          const middle = y + ROW + i * ROW + ROW / 2;
          ctx.textAlign = 'right';
          ctx.fillText(cut(t), x + labelWidth - 6, middle);
          ctx.textAlign = 'left';
          ctx.fillText(cut(t), x + labelWidth + GAP + 6, middle);
        });
        ctx.drawImage(canvas, x + labelWidth, y, GAP, (tokens.length + 1) * ROW);
        let at = x;
        const top = y + (tokens.length + 1) * ROW + 6;
        shown.forEach((on, head) => {
          if (!on || !heads) return;
          ctx.fillStyle = toCss(headColour(head, heads.length));
          ctx.fillRect(at, top, 12, 12);
          ctx.fillStyle = toCss(p.foreground);
          ctx.textAlign = 'left';
          ctx.fillText(`H${head + 1}`, at + 15, top + 6);
          at += 44;
        });
        ctx.restore();
      },
    };
  }

  return {
    element: s.element,
    charts: ['headview'],
    async exportPicture() {
      const model = context.state.model;
      if (!model) throw new Error('no model is shown');
      context.belowTheFold.flushAll();
      if (!heads && model.complete && model.thumbs[layer]) {
        // Nobody scrolled here: asked for now, and waited for (a pass over the layers up to it).
        ask();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, EXPORT_WAIT_MS);
          waiting.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      if (!heads) throw new Error(`layer ${layer + 1}’s heads have not arrived yet`);
      const on = shown.filter(Boolean).length;
      return {
        title: `Head view of ${model.snapshot.model.name}, layer ${layer + 1}: ${on === shown.length ? `all ${on} heads` : `${on} of ${shown.length} heads`}, query → key`,
        pieces: [{ draw: exportLines() }],
      };
    },
    update(change) {
      const model = context.state.model;
      if (change === 'snapshot') {
        s.element.hidden = !model;
        if (!model) return;
        const m = model.snapshot.model;
        layer = model.focus.layer;
        requested = -1;
        shown = Array.from({ length: m.heads }, () => true);
        layerSelect.replaceChildren(...Array.from({ length: m.layers }, (_, l) => h('option', { text: `${l + 1}`, attrs: { value: l } })));
        layerSelect.value = String(layer);
        renderSwatches(m.heads);
        load();
        return;
      }
      if (!model) return;
      if (change === 'head' && model.focus.layer !== layer) {
        layer = model.focus.layer;
        layerSelect.value = String(layer);
        load();
      } else if ((change === 'layerHeads' && model.layerHeads?.layer === layer) || (change === 'layers' && awaitingLayer && model.thumbs[layer]) || (change === 'complete' && !heads)) {
        load();
        if (change === 'layerHeads') {
          const resolve = waiting;
          waiting = [];
          for (const r of resolve) r();
        }
      } else if (change === 'layers' && awaitingLayer) {
        note.textContent = passProgress(model.thumbs.length, model.snapshot.model.layers);
      } else if (change === 'highlight' || change === 'palette') {
        context.belowTheFold.run(s.element, draw);
      }
    },
  };
};
