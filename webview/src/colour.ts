/**
 * Colours of the charts, derived from the VS Code theme the webview runs in. Pure (no DOM): the
 * theme is read by theme.ts and handed in as a lookup, so light, dark and high-contrast palettes
 * are unit-tested without a browser.
 */

export interface Rgb {
  readonly r: number;
  readonly g: number;
  readonly b: number;
  readonly a: number;
}

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

/** VS Code puts one theme class on <body>; the most specific one wins if several are present. */
export function themeKindFromClasses(classes: readonly string[]): ThemeKind {
  if (classes.includes('vscode-high-contrast-light')) return 'high-contrast-light';
  if (classes.includes('vscode-high-contrast')) return 'high-contrast';
  if (classes.includes('vscode-light')) return 'light';
  return 'dark';
}

const clampByte = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));

/** Parses #rgb, #rgba, #rrggbb, #rrggbbaa, rgb(…) and rgba(…); undefined for anything else. */
export function parseColor(text: string): Rgb | undefined {
  const value = text.trim().toLowerCase();
  let m = /^#([0-9a-f]{3,4})$/.exec(value);
  if (m) {
    const [r, g, b, a = 'f'] = m[1]!.split('');
    return { r: parseInt(r! + r!, 16), g: parseInt(g! + g!, 16), b: parseInt(b! + b!, 16), a: parseInt(a + a, 16) / 255 };
  }
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/.exec(value);
  if (m) {
    const hex = m[1]!;
    return {
      r: parseInt(hex.slice(0, 2), 16),
      g: parseInt(hex.slice(2, 4), 16),
      b: parseInt(hex.slice(4, 6), 16),
      a: m[2] ? parseInt(m[2], 16) / 255 : 1,
    };
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/.exec(value);
  if (m) {
    const alpha = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return { r: clampByte(+m[1]!), g: clampByte(+m[2]!), b: clampByte(+m[3]!), a: Math.max(0, Math.min(1, alpha)) };
  }
  return undefined;
}

export function toCss(c: Rgb): string {
  return c.a >= 1 ? `rgb(${c.r}, ${c.g}, ${c.b})` : `rgba(${c.r}, ${c.g}, ${c.b}, ${+c.a.toFixed(3)})`;
}

/** Straight interpolation a → b at t ∈ [0, 1] (alpha blended over the same way). */
export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  const u = Math.max(0, Math.min(1, t));
  return {
    r: clampByte(a.r + (b.r - a.r) * u),
    g: clampByte(a.g + (b.g - a.g) * u),
    b: clampByte(a.b + (b.b - a.b) * u),
    a: a.a + (b.a - a.a) * u,
  };
}

/** A colour with alpha composited over an opaque background. */
export function over(top: Rgb, background: Rgb): Rgb {
  return { ...mix(background, { ...top, a: 1 }, top.a), a: 1 };
}

/** WCAG relative luminance. */
export function luminance(c: Rgb): number {
  const channel = (v: number): number => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Whichever of the two candidates reads better on `background`. */
export function readableOn(background: Rgb, first: Rgb, second: Rgb): Rgb {
  return contrastRatio(background, first) >= contrastRatio(background, second) ? first : second;
}

export interface Palette {
  readonly kind: ThemeKind;
  readonly background: Rgb;
  readonly foreground: Rgb;
  /** Muted text: axis labels, notes. */
  readonly muted: Rgb;
  /** The high end of the weight scale. */
  readonly accent: Rgb;
  /** The negative end of signed (diverging) scales. */
  readonly negative: Rgb;
  /** Outline of the focused/selected item; cell borders in high contrast. */
  readonly focus: Rgb;
  /**
   * What the editor's cursor points at, in the panel (a query row and key column): an orange
   * apart from the focus outline's blue, as the Embedding Explorer's map marks its pick.
   */
  readonly highlight: Rgb;
  /** Lines of grids and axes. */
  readonly grid: Rgb;
  /** Masked cells. */
  readonly masked: Rgb;
  /** Draw a border around every cell (high contrast themes). */
  readonly cellBorders: boolean;
  readonly fontFamily: string;
  readonly monoFamily: string;
}

/** Fallbacks per theme kind for when a variable is missing (VS Code always sets them in practice). */
const FALLBACK: Readonly<Record<ThemeKind, Readonly<Record<string, string>>>> = {
  light: { bg: '#ffffff', fg: '#3b3b3b', muted: '#717171', accent: '#1a85ff', negative: '#e51400', focus: '#005fb8', highlight: '#d18616', grid: '#e5e5e5' },
  dark: { bg: '#1f1f1f', fg: '#cccccc', muted: '#9d9d9d', accent: '#3794ff', negative: '#f14c4c', focus: '#0078d4', highlight: '#d18616', grid: '#3c3c3c' },
  'high-contrast': { bg: '#000000', fg: '#ffffff', muted: '#ffffff', accent: '#ffffff', negative: '#f48771', focus: '#f38518', highlight: '#ffff00', grid: '#6fc3df' },
  'high-contrast-light': { bg: '#ffffff', fg: '#292929', muted: '#292929', accent: '#0f4a85', negative: '#b5200d', focus: '#006bbd', highlight: '#b5200d', grid: '#0f4a85' },
};

/**
 * The chart palette for a theme. `cssVar(name)` returns the computed value of `--vscode-<name>`
 * ('' when unset). High contrast themes get the foreground as the top of the scale (maximum
 * contrast against the background, as those themes ask) and outlined cells.
 */
export function paletteFor(kind: ThemeKind, cssVar: (name: string) => string): Palette {
  const fallback = FALLBACK[kind];
  const pick = (names: readonly string[], fallbackKey: string): Rgb => {
    for (const name of names) {
      const parsed = parseColor(cssVar(name));
      if (parsed) return parsed;
    }
    return parseColor(fallback[fallbackKey]!)!;
  };
  const background = { ...pick(['editor-background'], 'bg'), a: 1 };
  const foreground = over(pick(['editor-foreground', 'foreground'], 'fg'), background);
  const highContrast = kind === 'high-contrast' || kind === 'high-contrast-light';
  const accent = highContrast ? foreground : over(pick(['charts-blue', 'textLink-foreground'], 'accent'), background);
  return {
    kind,
    background,
    foreground,
    muted: over(pick(['descriptionForeground'], 'muted'), background),
    accent,
    negative: over(pick(['charts-red', 'errorForeground'], 'negative'), background),
    focus: over(pick(highContrast ? ['contrastActiveBorder', 'focusBorder'] : ['focusBorder'], 'focus'), background),
    // High contrast: the focus outline is already orange (contrastActiveBorder), so yellow.
    highlight: over(pick(highContrast ? ['charts-yellow'] : ['charts-orange', 'editorWarning-foreground'], 'highlight'), background),
    grid: over(pick(highContrast ? ['contrastBorder', 'charts-lines'] : ['charts-lines', 'widget-border', 'panel-border'], 'grid'), background),
    masked: mix(background, foreground, 0.08),
    cellBorders: highContrast,
    fontFamily: cssVar('font-family') || 'sans-serif',
    monoFamily: cssVar('editor-font-family') || 'monospace',
  };
}

/** Colour of a weight w ∈ [0, max] on the sequential scale background → accent. */
export function weightColor(p: Palette, weight: number, max: number): Rgb {
  // Linear, so a cell twice as dark means twice the weight; 0 is the background itself.
  return mix(p.background, p.accent, max > 0 ? weight / max : 0);
}

/** Colour of a signed value on the diverging scale negative ← background → accent. */
export function signedColor(p: Palette, value: number, maxAbs: number): Rgb {
  const t = maxAbs > 0 ? value / maxAbs : 0;
  return t >= 0 ? mix(p.background, p.accent, t) : mix(p.background, p.negative, -t);
}

/** Text drawn on a cell: foreground or background, whichever reads better. */
export function cellTextColor(p: Palette, cell: Rgb): Rgb {
  return readableOn(cell, p.foreground, p.background);
}
