/**
 * The model view (BertViz's model view): every layer × head of a model as a thumbnail, a last
 * column with each layer's head average, the focused (layer, head) outlined. Click a head, or
 * move with the arrow keys (Page Up/Down, Home/End) and press Enter, to focus it: the matrix
 * views below follow.
 *
 * Fits the panel's width at 32 × 32 from 300 px up (gridLayout shrinks the cells, then the gaps;
 * the labels go to every few rows and columns): no sideways scrolling.
 *
 * Responsive at 32 × 32 heads: one canvas the height of the viewport (sticky inside a scroller
 * whose spacer gives the full height), drawing only the rows in view. Each layer's row is
 * painted once into its own offscreen canvas (a row atlas, at device pixels, through a 256-entry
 * colour table) the first time it scrolls into view; after that a frame is one drawImage per
 * visible row plus the outlines. Rows painted within ATLAS_BUDGET_MS per frame, the rest in
 * later frames and while idle. Every frame is timed: on the canvas, `data-max-frame-ms` is the
 * longest so far (`data-frames` how many), `data-max-interaction-frame-ms` the longest of those
 * a hover, scroll or key asked for, and `data-max-row-paint-ms` the longest row painting — for
 * the e2e test of the 50 ms budget.
 *
 * While a pass is being painted (progressive paint), the layers not computed yet are drawn as
 * placeholder cells with "computing layer k/L" over the first of them, and said above the grid
 * (`model-progress`); their rows fill in as the layers arrive.
 */
import { toCss, weightColor, type Palette } from '../../colour';
import { h, readable, sizeCanvas } from '../../dom';
import { headLabel, type ModelThumb } from '../../../../src/shared/modelView';
import { cellAt, cellLeft, gridLayout, moveCursor, rowTop, scrollToLayer, visibleLayers, type Cursor, type GridLayout } from '../model/gridLayout';
import { passProgress } from '../model/decode';
import { section } from '../section';
import type { PanelContext, PanelView, PanelViewFactory } from '../view';

/** The tallest the grid's viewport gets before its rows scroll. */
const VIEWPORT_MAX = 560;

/** Intensities 0…255 on the weight scale (background → accent), as RGBA words in the platform's byte order. */
function colourTable(palette: Palette): Uint32Array {
  const table = new Uint32Array(256);
  const bytes = new Uint8Array(table.buffer);
  for (let v = 0; v < 256; v++) {
    const c = weightColor(palette, v, 255);
    bytes.set([c.r, c.g, c.b, 255], v * 4);
  }
  return table;
}

/** Every how many layers a row gets its `L#` label: rows under 13 px would overlap their 11 px labels. */
function labelEvery(g: GridLayout): number {
  const step = g.cell + g.pad;
  return step < 13 ? Math.ceil(13 / step) : 1;
}

/** Time a frame may spend painting row atlases; the rest are painted in the following frames. */
const ATLAS_BUDGET_MS = 8;

export const modelGridView: PanelViewFactory = (context: PanelContext): PanelView => {
  const s = section(context, 'model-section', 'Model view: every layer and head', 'model');
  s.element.hidden = true; // until a model's picture arrives
  const canvas = h('canvas', {
    testid: 'model-view',
    className: 'model-grid',
    attrs: { role: 'img', tabindex: 0, 'aria-label': 'Every layer and head. Arrow keys move, Enter focuses the head.', 'aria-describedby': 'model-view-status' },
  });
  const spacer = h('div', { className: 'model-grid-spacer', attrs: { 'aria-hidden': 'true' } });
  const scroller = h('div', { className: 'model-grid-scroll' }, [canvas, spacer]);
  const tooltip = h('div', { className: 'tooltip', testid: 'model-view-tooltip', attrs: { role: 'tooltip', hidden: true } });
  const status = h('p', { className: 'note', testid: 'model-view-status', attrs: { id: 'model-view-status', role: 'status' } });
  const progress = h('p', { className: 'note model-progress', testid: 'model-progress', attrs: { role: 'status', hidden: true } });
  s.body.append(progress, h('div', { className: 'model-grid-frame' }, [scroller, tooltip]), status);
  canvas.dataset.maxFrameMs = '0';
  canvas.dataset.frames = '0';

  let layout: GridLayout | undefined;
  let viewportHeight = 0;
  let hostWidth = 0;
  let rows: (HTMLCanvasElement | undefined)[] = [];
  let table = colourTable(context.palette);
  let cursor: Cursor = { layer: 0, head: 0 };
  let hover: { layer: number; column: number } | undefined;
  let frameRequested = false;
  /** The scroller's offset as last scrolled: reading scrollTop in a draw would force a layout of the page. */
  let scrollTop = 0;
  const scrollTo = (top: number): void => {
    if (top === scrollTop) return;
    scrollTop = top;
    scroller.scrollTop = top;
  };
  let maxFrameMs = 0;
  let frames = 0;
  const scratch = document.createElement('canvas');
  let image: ImageData | undefined;
  /** The longest painting of one row atlas (data-max-row-paint-ms). */
  let atlasMs = 0;

  if (typeof ResizeObserver === 'function') {
    new ResizeObserver((entries) => {
      for (const entry of entries) {
        const width = entry.contentRect.width;
        if (width > 0 && Math.abs(width - hostWidth) >= 1) {
          hostWidth = width;
          if (context.state.model) relayout();
        }
      }
    }).observe(s.body);
  }

  function relayout(): void {
    const model = context.state.model;
    if (!model) return;
    const m = model.snapshot.model;
    layout = gridLayout(m.layers, m.heads, hostWidth > 0 ? hostWidth : 720);
    viewportHeight = Math.min(layout.height, VIEWPORT_MAX);
    sizeCanvas(canvas, layout.width, viewportHeight);
    scroller.style.maxHeight = `${viewportHeight}px`;
    spacer.style.height = `${layout.height - viewportHeight}px`;
    spacer.style.width = `${layout.width}px`;
    canvas.dataset.layout = JSON.stringify(layout);
    canvas.dataset.viewport = String(viewportHeight);
    rows = [];
    // A new model starts at the top; a resize keeps the offset (clamped to the new height).
    scrollTop = Math.min(scrollTop, Math.max(0, layout.height - viewportHeight));
    schedule();
  }

  /** One thumbnail into the row atlas, relative to its head's largest weight. */
  function paintThumb(ctx: CanvasRenderingContext2D, thumb: ModelThumb, x: number, size: number): void {
    const w = Math.max(1, thumb.cols), hgt = Math.max(1, thumb.rows);
    if (scratch.width !== w || scratch.height !== hgt) {
      scratch.width = w;
      scratch.height = hgt;
      image = undefined;
    }
    const sctx = scratch.getContext('2d')!;
    image ??= sctx.createImageData(w, hgt);
    const pixels = new Uint32Array(image.data.buffer);
    const bytes = new Uint8Array(thumb.data);
    const inverse = thumb.max > 0 ? 1 / thumb.max : 0;
    // One word per pixel through the colour table.
    for (let at = 0; at < bytes.length; at++) pixels[at] = table[Math.min(255, (bytes[at]! * inverse + 0.5) | 0)]!;
    sctx.putImageData(image, 0, 0);
    ctx.drawImage(scratch, x, 0, size, size);
  }

  /** A layer's row of thumbnails at device pixels, painted the first time it is seen; undefined while not computed. */
  function rowAtlas(layer: number, g: GridLayout, ratio: number): HTMLCanvasElement | undefined {
    const cached = rows[layer];
    if (cached) return cached;
    const model = context.state.model!;
    const thumbs = model.thumbs[layer];
    if (!thumbs) return undefined;
    const began = performance.now();
    const atlas = document.createElement('canvas');
    const width = g.width - g.gutter;
    atlas.width = Math.max(1, Math.round(width * ratio));
    atlas.height = Math.max(1, Math.round(g.cell * ratio));
    const ctx = atlas.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    const size = g.cell * ratio;
    for (let column = 0; column <= g.heads; column++) {
      const thumb = column < g.heads ? thumbs.heads[column]! : thumbs.average;
      const x = (cellLeft(g, column) - g.gutter) * ratio;
      paintThumb(ctx, thumb, x, size);
      // A small cell (a narrow panel at 32 heads) keeps its few pixels for the weights.
      if (g.cell >= 10) {
        ctx.strokeStyle = toCss(context.palette.grid);
        ctx.lineWidth = 1;
        ctx.strokeRect(x + 0.5, 0.5, size - 1, size - 1);
      }
    }
    rows[layer] = atlas;
    atlasMs = Math.max(atlasMs, performance.now() - began);
    canvas.dataset.maxRowPaintMs = atlasMs.toFixed(2);
    return atlas;
  }

  /** Frames asked for by a hover, a scroll or a key (their longest: data-max-interaction-frame-ms). */
  let interacting = false;
  let maxInteractionMs = 0;
  function interact(): void {
    interacting = true;
    schedule();
  }

  function schedule(): void {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(() => {
      frameRequested = false;
      draw();
      interacting = false;
    });
  }

  function draw(): void {
    const model = context.state.model;
    const g = layout;
    if (!model || !g) return;
    const started = performance.now();
    const palette = context.palette;
    const ctx = canvas.getContext('2d')!;
    const ratio = canvas.width / Math.max(1, g.width);
    const top = scrollTop;
    ctx.save();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = toCss(palette.background);
    ctx.fillRect(0, 0, g.width, viewportHeight);
    ctx.font = `11px ${palette.fontFamily}`;
    ctx.textBaseline = 'middle';
    // Rows, under the header.
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, g.header, g.width, viewportHeight - g.header);
    ctx.clip();
    const { first, last } = visibleLayers(g, top, viewportHeight);
    ctx.imageSmoothingEnabled = false;
    let pending = false;
    const done = model.thumbs.length;
    for (let layer = first; layer <= last; layer++) {
      const y = rowTop(g, layer) - top;
      const atlas = layer < done && (rows[layer] || performance.now() - started < ATLAS_BUDGET_MS) ? rowAtlas(layer, g, ratio) : undefined;
      if (atlas) {
        ctx.drawImage(atlas, g.gutter, y, g.width - g.gutter, g.cell);
      } else {
        // Painted in a later frame (the frame stays short), or not computed yet.
        if (layer < done) pending = true;
        ctx.fillStyle = toCss(palette.masked);
        for (let column = 0; column <= g.heads; column++) ctx.fillRect(cellLeft(g, column), y, g.cell, g.cell);
        if (layer === done) {
          ctx.fillStyle = toCss(palette.foreground);
          ctx.textAlign = 'left';
          ctx.fillText(passProgress(done, g.layers), g.gutter + 4, y + g.cell / 2);
        }
      }
      if (layer % labelEvery(g) === 0 || layer === model.focus.layer) {
        ctx.fillStyle = toCss(layer === model.focus.layer ? palette.foreground : palette.muted);
        ctx.textAlign = 'right';
        ctx.fillText(`L${layer + 1}`, g.gutter - 6, y + g.cell / 2);
      }
    }
    const outline = (layer: number, column: number, colour: string, width: number, dash: number[]): void => {
      if (layer < first || layer > last) return;
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.setLineDash(dash);
      ctx.strokeRect(cellLeft(g, column) - width / 2 - 0.5, rowTop(g, layer) - top - width / 2 - 0.5, g.cell + width + 1, g.cell + width + 1);
      ctx.setLineDash([]);
    };
    if (hover) outline(hover.layer, hover.column, toCss(palette.foreground), 1, []);
    if (document.activeElement === canvas) outline(cursor.layer, cursor.head, toCss(palette.focus), 2, [3, 2]);
    outline(model.focus.layer, model.focus.head, toCss(palette.focus), 2, []);
    ctx.restore();
    // The header: head numbers and "avg".
    ctx.fillStyle = toCss(palette.muted);
    ctx.textAlign = 'center';
    const every = g.cell < 24 ? Math.ceil(24 / (g.cell + g.pad)) : 1;
    for (let column = 0; column < g.heads; column++) {
      if (column % every === 0 || column === model.focus.head) {
        ctx.fillStyle = toCss(column === model.focus.head ? palette.foreground : palette.muted);
        ctx.fillText(`H${column + 1}`, cellLeft(g, column) + g.cell / 2, g.header / 2);
      }
    }
    ctx.fillStyle = toCss(palette.muted);
    ctx.fillText('avg', cellLeft(g, g.heads) + g.cell / 2, g.header / 2);
    ctx.restore();
    canvas.dataset.painted = 'true';
    canvas.dataset.layersDone = String(done);
    canvas.dataset.firstLayer = String(first);
    canvas.dataset.lastLayer = String(last);
    const took = performance.now() - started;
    frames++;
    if (took > maxFrameMs) maxFrameMs = took;
    canvas.dataset.maxFrameMs = maxFrameMs.toFixed(2);
    canvas.dataset.lastFrameMs = took.toFixed(2);
    if (interacting) {
      maxInteractionMs = Math.max(maxInteractionMs, took);
      canvas.dataset.maxInteractionFrameMs = maxInteractionMs.toFixed(2);
    }
    canvas.dataset.frames = String(frames);
    if (pending) schedule();
    else warmRows();
  }

  /** Rows not yet seen are painted while the page is idle, a budget at a time, so scrolling rarely waits. */
  let warming = false;
  function warmRows(): void {
    const g = layout;
    if (warming || !g || !context.state.model) return;
    const done = context.state.model.thumbs.length;
    const next = Array.from({ length: done }, (_, l) => l).find((l) => !rows[l]);
    if (next === undefined) return;
    warming = true;
    setTimeout(() => {
      warming = false;
      const current = layout;
      if (current !== g || !context.state.model) return;
      const ratio = canvas.width / Math.max(1, g.width);
      const started = performance.now();
      const done = context.state.model.thumbs.length;
      for (let l = 0; l < done && performance.now() - started < ATLAS_BUDGET_MS; l++) if (!rows[l]) rowAtlas(l, g, ratio);
      warmRows();
    }, 0);
  }

  function describeCell(layer: number, column: number): string {
    const model = context.state.model!;
    const g = layout!;
    const layerThumbs = model.thumbs[layer];
    const name = column < g.heads ? `Layer ${layer + 1}, head ${column + 1}` : `Layer ${layer + 1}, average of its ${g.heads} heads`;
    const focused = column === model.focus.head && layer === model.focus.layer ? ' (focused)' : '';
    if (!layerThumbs) return `${name}${focused}: not computed yet (${passProgress(model.thumbs.length, g.layers)})`;
    const thumb = column < g.heads ? layerThumbs.heads[column]! : layerThumbs.average;
    return `${name}${focused}: largest weight ${readable(thumb.max)}`;
  }

  function showProgress(): void {
    const model = context.state.model;
    const layers = model?.snapshot.model.layers ?? 0;
    const done = model?.thumbs.length ?? 0;
    progress.hidden = !model || done >= layers;
    progress.textContent = progress.hidden ? '' : `${passProgress(done, layers)} The focused head below is exact already; the other layers fill in as they are computed.`;
  }

  function updateStatus(): void {
    const model = context.state.model;
    if (!model || !layout) return;
    status.textContent = `${describeCell(cursor.layer, cursor.head)}. Click a head or press Enter to focus it; the views below show the focused head.`;
    canvas.dataset.cursorLayer = String(cursor.layer);
    canvas.dataset.cursorHead = String(cursor.head);
    canvas.dataset.focusedLayer = String(model.focus.layer);
    canvas.dataset.focusedHead = String(model.focus.head);
  }

  function showTooltip(event: MouseEvent): void {
    const model = context.state.model;
    const g = layout;
    if (!model || !g) return;
    const box = canvas.getBoundingClientRect();
    const x = event.clientX - box.left;
    const y = event.clientY - box.top;
    const hit = y < g.header ? undefined : cellAt(g, x, y + scrollTop);
    const next = hit ? { layer: hit.layer, column: hit.column } : undefined;
    if (next?.layer !== hover?.layer || next?.column !== hover?.column) {
      hover = next;
      interact();
    }
    if (!hit) {
      tooltip.hidden = true;
      return;
    }
    const layerThumbs = model.thumbs[hit.layer];
    if (!layerThumbs) {
      tooltip.replaceChildren(h('strong', { text: describeCell(hit.layer, hit.column) }));
      delete tooltip.dataset.weight;
      tooltip.dataset.layer = String(hit.layer);
      tooltip.dataset.head = hit.column < g.heads ? String(hit.column) : 'average';
      tooltip.hidden = false;
      const frame = scroller.getBoundingClientRect();
      tooltip.style.left = `${event.clientX - frame.left + 14}px`;
      tooltip.style.top = `${event.clientY - frame.top + 14}px`;
      return;
    }
    const thumb = hit.column < g.heads ? layerThumbs.heads[hit.column]! : layerThumbs.average;
    const row = Math.min(thumb.rows - 1, Math.floor(hit.v * thumb.rows));
    const col = Math.min(thumb.cols - 1, Math.floor(hit.u * thumb.cols));
    const weight = new Uint8Array(thumb.data)[row * thumb.cols + col]! / 255;
    const units = context.state.shownTokens;
    const span = (cell: number, cells: number): string => {
      const from = Math.floor((cell * units.length) / cells);
      const to = Math.max(from, Math.ceil(((cell + 1) * units.length) / cells) - 1);
      return from === to ? `“${units[from] ?? ''}”` : `“${units[from] ?? ''}” … “${units[to] ?? ''}”`;
    };
    const pooled = thumb.rows < units.length || thumb.cols < units.length;
    tooltip.replaceChildren(
      h('strong', { text: describeCell(hit.layer, hit.column) }),
      h('div', { text: `${span(row, thumb.rows)} → ${span(col, thumb.cols)}: ${pooled ? 'largest weight' : 'weight'} ${readable(weight)}` }),
    );
    tooltip.dataset.layer = String(hit.layer);
    tooltip.dataset.head = hit.column < g.heads ? String(hit.column) : 'average';
    tooltip.dataset.row = String(row);
    tooltip.dataset.col = String(col);
    tooltip.dataset.weight = String(weight);
    tooltip.hidden = false;
    const frame = scroller.getBoundingClientRect();
    tooltip.style.left = `${event.clientX - frame.left + 14}px`;
    tooltip.style.top = `${event.clientY - frame.top + 14}px`;
  }

  scroller.addEventListener('scroll', () => {
    scrollTop = scroller.scrollTop;
    tooltip.hidden = true;
    interact();
  });
  canvas.addEventListener('mousemove', showTooltip);
  canvas.addEventListener('mouseleave', () => {
    tooltip.hidden = true;
    hover = undefined;
    interact();
  });
  canvas.addEventListener('click', (event) => {
    const g = layout;
    if (!g) return;
    const box = canvas.getBoundingClientRect();
    const y = event.clientY - box.top;
    const hit = y < g.header ? undefined : cellAt(g, event.clientX - box.left, y + scrollTop);
    if (!hit || hit.column >= g.heads) return;
    cursor = { layer: hit.layer, head: hit.column };
    updateStatus();
    context.focusModelHead(hit.layer, hit.column);
  });
  canvas.addEventListener('focus', () => schedule());
  canvas.addEventListener('blur', () => schedule());
  canvas.addEventListener('keydown', (event) => {
    const g = layout;
    if (!g) return;
    if (event.key === 'Enter' || event.key === ' ') {
      context.focusModelHead(cursor.layer, cursor.head);
      event.preventDefault();
      return;
    }
    const next = moveCursor(cursor, event.key, g.layers, g.heads);
    if (!next) return;
    event.preventDefault();
    cursor = next;
    scrollTo(scrollToLayer(g, cursor.layer, scrollTop, viewportHeight));
    updateStatus();
    interact();
  });

  /**
   * The whole grid for a PNG, every row (the canvas holds only the rows in view): the row
   * atlases at device pixels, the labels, the focused head outlined.
   */
  function exportGrid(): { width: number; height: number; paint: (ctx: CanvasRenderingContext2D, x: number, y: number) => void } {
    const model = context.state.model;
    const g = layout;
    if (!model || !g) throw new Error('the model view is not drawn yet');
    if (model.thumbs.length < g.layers) throw new Error(`the model view is still being computed (${passProgress(model.thumbs.length, g.layers)})`);
    const ratio = canvas.width / Math.max(1, g.width);
    const palette = context.palette;
    return {
      width: g.width,
      height: g.height,
      paint: (ctx, x, y) => {
        ctx.save();
        ctx.imageSmoothingEnabled = false;
        ctx.font = `11px ${palette.fontFamily}`;
        ctx.textBaseline = 'middle';
        ctx.textAlign = 'center';
        const every = g.cell < 24 ? Math.ceil(24 / (g.cell + g.pad)) : 1;
        for (let column = 0; column < g.heads; column++) {
          if (column % every !== 0 && column !== model.focus.head) continue;
          ctx.fillStyle = toCss(column === model.focus.head ? palette.foreground : palette.muted);
          ctx.fillText(`H${column + 1}`, x + cellLeft(g, column) + g.cell / 2, y + g.header / 2);
        }
        ctx.fillStyle = toCss(palette.muted);
        ctx.fillText('avg', x + cellLeft(g, g.heads) + g.cell / 2, y + g.header / 2);
        ctx.textAlign = 'right';
        for (let layer = 0; layer < g.layers; layer++) {
          const top = y + rowTop(g, layer);
          ctx.drawImage(rowAtlas(layer, g, ratio)!, x + g.gutter, top, g.width - g.gutter, g.cell);
          if (layer % labelEvery(g) !== 0 && layer !== model.focus.layer) continue;
          ctx.fillStyle = toCss(layer === model.focus.layer ? palette.foreground : palette.muted);
          ctx.fillText(`L${layer + 1}`, x + g.gutter - 6, top + g.cell / 2);
        }
        ctx.strokeStyle = toCss(palette.focus);
        ctx.lineWidth = 2;
        ctx.strokeRect(x + cellLeft(g, model.focus.head) - 1.5, y + rowTop(g, model.focus.layer) - 1.5, g.cell + 3, g.cell + 3);
        ctx.restore();
      },
    };
  }

  return {
    element: s.element,
    charts: ['model'],
    exportPicture() {
      const model = context.state.model;
      if (!model) throw new Error('no model is shown');
      const m = model.snapshot.model;
      return {
        title: `Model view: ${m.name}, ${m.layers} layers × ${m.heads} heads and each layer’s average; focused ${headLabel(model.focus.layer, model.focus.head)}`,
        pieces: [{ draw: exportGrid(), caption: 'Each cell: a head’s weights (query rows × key columns), scaled to that head’s largest weight' }],
      };
    },
    update(change) {
      const model = context.state.model;
      if (change === 'snapshot') {
        s.element.hidden = !model;
        if (!model) return;
        const m = model.snapshot.model;
        s.title.textContent = `Model view: ${m.layers} layers × ${m.heads} heads, and each layer’s average`;
        cursor = { layer: model.focus.layer, head: model.focus.head };
        hover = undefined;
        relayout();
        updateStatus();
        showProgress();
        return;
      }
      if (!model) return;
      if (change === 'layers' || change === 'complete') {
        showProgress();
        updateStatus();
        schedule();
        return;
      }
      if (change === 'palette') {
        table = colourTable(context.palette);
        rows = [];
        draw();
      } else if (change === 'head') {
        cursor = { layer: model.focus.layer, head: model.focus.head };
        if (layout) scrollTo(scrollToLayer(layout, cursor.layer, scrollTop, viewportHeight));
        updateStatus();
        schedule();
      }
    },
  };
};
