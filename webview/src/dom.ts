/**
 * The one way the webviews build DOM: elements with attributes and text set through the DOM API
 * (textContent, setAttribute), never innerHTML. Tokens come from files anyone may have written;
 * as text they can only ever be text.
 */

export interface ElementSpec {
  readonly className?: string;
  readonly text?: string;
  readonly testid?: string;
  readonly title?: string;
  /** Attributes other than class, style and event handlers (refused: no inline code or style). */
  readonly attrs?: Readonly<Record<string, string | number | boolean | undefined>>;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  spec: ElementSpec = {},
  children: readonly (Node | string | undefined | false)[] = [],
): HTMLElementTagNameMap[K] {
  return fill(document.createElement(tag), spec, children);
}

/** A custom element (the vscode-elements), same rules. */
export function custom(tag: string, spec: ElementSpec = {}, children: readonly (Node | string | undefined | false)[] = []): HTMLElement {
  return fill(document.createElement(tag), spec, children);
}

/** Text as text, attributes checked: no event handlers or inline styles ever come from data. */
function fill<E extends HTMLElement>(el: E, spec: ElementSpec, children: readonly (Node | string | undefined | false)[]): E {
  if (spec.className) el.className = spec.className;
  if (spec.text !== undefined) el.textContent = spec.text;
  if (spec.testid) el.dataset.testid = spec.testid;
  if (spec.title) el.title = spec.title;
  for (const [name, value] of Object.entries(spec.attrs ?? {})) {
    if (value === undefined || value === false) continue;
    if (/^on|^style$/i.test(name)) throw new Error(`${el.localName}: attribute ${name} is not allowed`);
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === undefined || child === false) continue;
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return el;
}

/** A canvas sized in CSS pixels and backed at the device pixel ratio, so text and cells stay crisp. */
export function sizeCanvas(canvas: HTMLCanvasElement, cssWidth: number, cssHeight: number): CanvasRenderingContext2D {
  const ratio = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
  // Browsers cap canvas sides (32,767 px in Chromium): keep the backing store inside that.
  const scale = Math.min(ratio, 16000 / Math.max(1, cssWidth), 16000 / Math.max(1, cssHeight));
  canvas.width = Math.max(1, Math.round(cssWidth * scale));
  canvas.height = Math.max(1, Math.round(cssHeight * scale));
  canvas.style.width = `${cssWidth}px`;
  canvas.style.height = `${cssHeight}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('canvas: no 2d context');
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  return ctx;
}

export function clear(el: Element): void {
  el.replaceChildren();
}

/** Numbers the way the deck prints them: two decimals. */
export function fixed(value: number, digits = 2): string {
  if (value === -Infinity) return '−∞';
  if (value === Infinity) return '∞';
  if (Number.isNaN(value)) return '—';
  const text = value.toFixed(digits);
  return text === `-${(0).toFixed(digits)}` ? (0).toFixed(digits) : text.replace('-', '−');
}

/** A value for a legend or a label: two decimals, or two significant digits when that would print 0.00. */
export function readable(value: number): string {
  return value !== 0 && Math.abs(value) < 0.005 && Number.isFinite(value) ? value.toPrecision(2) : fixed(value);
}
