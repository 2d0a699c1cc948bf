/**
 * The projector-style map: N tokens (the first N in file order, a search's matches, or a word's
 * neighbourhood) projected to 2-D by PCA or UMAP in the host's worker, drawn on a canvas in the
 * theme's colours. Hovering a point shows its token (as text, in a tooltip element); a click, or
 * Enter on the point picked with the arrow keys, selects the token.
 */
import { h, sizeCanvas } from '../dom';
import { displayToken } from '../../../src/shared/displayToken';
import { EXPLORER_LIMITS, type MapMessage, type MapMethod, type MapSource } from '../../../src/shared/explorerProtocol';
import { fitPoints, pointAt, toCanvas, type Fit } from './mapGeometry';
import { post, requestId } from './channel';

const HEIGHT = 420;
const MARGIN = 24;
const RADIUS = 2.5;
const HIT_RADIUS = 7;

export class MapView {
  readonly element: HTMLElement;
  private readonly source: HTMLSelectElement;
  private readonly method: HTMLSelectElement;
  private readonly count: HTMLInputElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly tooltip: HTMLElement;
  private readonly note: HTMLElement;
  private map: { message: MapMessage; points: Float32Array; fit: Fit } | undefined;
  private hovered = -1;
  private selectedToken: string | undefined;
  private latest = 0;

  constructor(
    private readonly context: () => { selected: string | undefined; query: string },
    private readonly onSelect: (token: string) => void,
  ) {
    this.source = h('select', { testid: 'explorer-map-source', attrs: { 'aria-label': 'Tokens on the map' } }, [
      h('option', { text: 'the first N in file order', attrs: { value: 'first' } }),
      h('option', { text: 'the search result', attrs: { value: 'search' } }),
      h('option', { text: 'the selected word’s neighbourhood', attrs: { value: 'neighbourhood' } }),
    ]);
    this.method = h('select', { testid: 'explorer-map-method', attrs: { 'aria-label': 'Projection' } }, [h('option', { text: 'PCA', attrs: { value: 'pca' } }), h('option', { text: 'UMAP', attrs: { value: 'umap' } })]);
    this.count = h('input', { testid: 'explorer-map-count', attrs: { type: 'number', min: 3, max: EXPLORER_LIMITS.maxMapPointsPca, value: 500, 'aria-label': 'N tokens' } });
    const draw = h('button', { text: 'Draw', testid: 'explorer-map-draw', attrs: { type: 'button' } });
    draw.addEventListener('click', () => this.request());
    this.canvas = h('canvas', { className: 'map-canvas', testid: 'explorer-map', attrs: { tabindex: 0, role: 'img', 'aria-label': 'Map of the tokens' } });
    this.tooltip = h('div', { className: 'map-tooltip', testid: 'explorer-map-tooltip', attrs: { hidden: true, role: 'status' } });
    this.note = h('p', { className: 'note', testid: 'explorer-map-note', text: 'Choose the tokens and a projection, then Draw.' });
    this.element = h('section', { className: 'card map-card', attrs: { 'aria-label': 'Map' } }, [
      h('div', { className: 'card-head' }, [h('h3', { text: 'Map' }), h('label', {}, ['of ', this.source]), h('label', {}, ['N ', this.count]), h('label', {}, ['by ', this.method]), draw]),
      h('div', { className: 'map-box' }, [this.canvas, this.tooltip]),
      this.note,
    ]);
    this.canvas.addEventListener('mousemove', (event) => this.hover(event.offsetX, event.offsetY));
    this.canvas.addEventListener('mouseleave', () => this.setHovered(-1));
    this.canvas.addEventListener('click', (event) => {
      const at = this.hit(event.offsetX, event.offsetY);
      if (at >= 0 && this.map) this.onSelect(this.map.message.tokens[at]!);
    });
    this.canvas.addEventListener('keydown', (event) => this.onKey(event));
    new ResizeObserver(() => this.paint()).observe(this.element);
  }

  owns(id: number): boolean {
    return id === this.latest;
  }

  /** The selected token is ringed on the map. */
  select(token: string): void {
    this.selectedToken = token;
    this.paint();
  }

  request(): void {
    const n = Math.floor(Number(this.count.value));
    const method: MapMethod = this.method.value === 'umap' ? 'umap' : 'pca';
    const limit = method === 'umap' ? EXPLORER_LIMITS.maxMapPointsUmap : EXPLORER_LIMITS.maxMapPointsPca;
    const count = Math.max(3, Math.min(limit, Number.isFinite(n) ? n : 500));
    const { selected, query } = this.context();
    let source: MapSource;
    if (this.source.value === 'search') {
      if (!query.trim()) return this.fail('Type a search first: the map then shows its matches.');
      source = { kind: 'search', query: query.trim(), count };
    } else if (this.source.value === 'neighbourhood') {
      if (!selected) return this.fail('Select a token first: the map then shows it and its nearest tokens.');
      source = { kind: 'neighbourhood', word: selected, count };
    } else {
      source = { kind: 'first', count };
    }
    this.latest = requestId();
    this.note.textContent = `Projecting ${count.toLocaleString('en-US')} tokens by ${method === 'umap' ? 'UMAP' : 'PCA'}…`;
    this.canvas.dataset.painted = 'false';
    post({ type: 'requestMap', requestId: this.latest, method, source });
  }

  show(message: MapMessage): void {
    if (message.requestId !== this.latest) return;
    const points = new Float32Array(message.points);
    this.map = { message, points, fit: { scale: 1, offsetX: 0, offsetY: 0 } };
    this.hovered = -1;
    this.note.textContent = `${message.note} (${message.ms.toFixed(0)} ms)`;
    this.paint();
  }

  fail(message: string): void {
    this.note.textContent = message;
    this.canvas.dataset.painted = 'false';
  }

  /** Repaint (theme change, resize). */
  paint(): void {
    const width = Math.max(200, this.element.clientWidth - 24);
    const ctx = sizeCanvas(this.canvas, width, HEIGHT);
    const style = getComputedStyle(document.body);
    const colour = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
    const fg = colour('--vscode-foreground', '#ccc');
    const point = colour('--vscode-charts-blue', colour('--vscode-textLink-foreground', '#3794ff'));
    const highlight = colour('--vscode-charts-orange', colour('--vscode-focusBorder', '#d18616'));
    ctx.clearRect(0, 0, width, HEIGHT);
    const map = this.map;
    if (!map) return;
    map.fit = fitPoints(map.points, { width, height: HEIGHT, margin: MARGIN });
    ctx.fillStyle = point;
    ctx.globalAlpha = map.points.length / 2 > 2000 ? 0.55 : 0.8;
    let drawn = 0;
    for (let i = 0, n = map.points.length / 2; i < n; i++) {
      const p = toCanvas(map.fit, map.points[2 * i]!, map.points[2 * i + 1]!);
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
      ctx.beginPath();
      ctx.arc(p.x, p.y, RADIUS, 0, 2 * Math.PI);
      ctx.fill();
      drawn++;
    }
    ctx.globalAlpha = 1;
    // Labels for a small map: up to 60 tokens are readable side by side.
    ctx.fillStyle = fg;
    ctx.font = `11px ${style.getPropertyValue('--vscode-font-family') || 'sans-serif'}`;
    if (map.message.tokens.length <= 60) {
      map.message.tokens.forEach((token, i) => {
        const p = toCanvas(map.fit, map.points[2 * i]!, map.points[2 * i + 1]!);
        ctx.fillText(displayToken(token, 16), p.x + 4, p.y - 4);
      });
    }
    const ring = (i: number) => {
      const p = toCanvas(map.fit, map.points[2 * i]!, map.points[2 * i + 1]!);
      ctx.strokeStyle = highlight;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(p.x, p.y, RADIUS + 3, 0, 2 * Math.PI);
      ctx.stroke();
    };
    const selectedAt = this.selectedToken === undefined ? -1 : map.message.tokens.indexOf(this.selectedToken);
    if (selectedAt >= 0) ring(selectedAt);
    if (this.hovered >= 0) ring(this.hovered);
    ctx.fillStyle = fg;
    ctx.fillText(map.message.xLabel, width - MARGIN - ctx.measureText(map.message.xLabel).width, HEIGHT - 6);
    ctx.save();
    ctx.translate(12, MARGIN + ctx.measureText(map.message.yLabel).width);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(map.message.yLabel, 0, 0);
    ctx.restore();
    this.canvas.dataset.points = String(drawn);
    this.canvas.dataset.method = map.message.method;
    this.canvas.dataset.painted = 'true';
  }

  private hit(x: number, y: number): number {
    return this.map ? pointAt(this.map.points, this.map.fit, x, y, HIT_RADIUS) : -1;
  }

  private hover(x: number, y: number): void {
    this.setHovered(this.hit(x, y));
  }

  private setHovered(index: number): void {
    if (index === this.hovered) return;
    this.hovered = index;
    const map = this.map;
    if (!map || index < 0) {
      this.tooltip.hidden = true;
      this.paint();
      return;
    }
    const p = toCanvas(map.fit, map.points[2 * index]!, map.points[2 * index + 1]!);
    this.tooltip.textContent = displayToken(map.message.tokens[index]!);
    this.tooltip.dataset.token = map.message.tokens[index]!;
    this.tooltip.style.left = `${p.x + 10}px`;
    this.tooltip.style.top = `${p.y + 10}px`;
    this.tooltip.hidden = false;
    this.paint();
  }

  private onKey(event: KeyboardEvent): void {
    const map = this.map;
    if (!map) return;
    const n = map.message.tokens.length;
    if (event.key === 'ArrowRight' || event.key === 'ArrowDown') this.setHovered((this.hovered + 1) % n);
    else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') this.setHovered((this.hovered - 1 + n) % n);
    else if (event.key === 'Enter' && this.hovered >= 0) this.onSelect(map.message.tokens[this.hovered]!);
    else if (event.key === 'Escape') this.setHovered(-1);
    else return;
    event.preventDefault();
  }
}
