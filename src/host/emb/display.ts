/**
 * Turning text that arrived in a file into something safe to show. Tokens in `.emb` files come
 * from anywhere: they may carry markdown, HTML, `command:` links, right-to-left overrides or run
 * to thousands of characters. Everything here is pure (no `vscode`) so the escaping is unit-tested.
 *
 * Two layers, always in this order:
 *   1. `displayToken`  — (src/shared/displayToken.ts) what a person should see: invisible controls made visible, long tokens cut
 *                        with a visible note. Used for quick pick labels, the status bar, messages.
 *   2. `markdownText`  — the displayed text made inert inside markdown (hovers, results documents).
 */

// The display form itself is shared with the webview and the panel title.
import { DEFAULT_TOKEN_WIDTH, displayToken } from '../../shared/displayToken';

export { DEFAULT_TOKEN_WIDTH, displayToken };

/**
 * Text made inert in CommonMark/GFM: every ASCII punctuation character is backslash-escaped, so
 * nothing can open a link, an image, an HTML tag, code, emphasis or a table cell; a `:` and `.`
 * escaped also stop bare-URL autolinking. Use on text already passed through `displayToken`.
 */
export function markdownText(text: string): string {
  return text.replace(/[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g, (c) => `\\${c}`);
}

/** A token ready for a markdown hover or table cell: visible, bounded, inert. */
export function markdownToken(token: string, maxCodePoints = DEFAULT_TOKEN_WIDTH): string {
  const shown = displayToken(token, maxCodePoints);
  // A leading or trailing space would vanish in markdown; a spaced token keeps its inner spaces.
  return markdownText(shown).replace(/^ | $/g, '&nbsp;');
}

/**
 * Labels of quick pick items and the status bar render `$(name)` as an icon: break that syntax
 * with a zero-width space so a token like `$(alert)` shows as typed.
 */
export function plainLabel(token: string, maxCodePoints = DEFAULT_TOKEN_WIDTH): string {
  return displayToken(token, maxCodePoints).replace(/\$\(/g, '$\u200b(');
}

/** A score for people: fixed decimals, exponent for huge values, never "NaN" on screen. */
export function formatScore(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return value > 0 ? '∞' : value < 0 ? '−∞' : 'n/a';
  if (Math.abs(value) >= 1e6) return value.toExponential(3);
  const text = value.toFixed(digits);
  // "-0.0000" reads as a sign error; it is zero.
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
}

/** A stored float32 value as the file most likely wrote it: 0.418, not 0.41800001263618469. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return formatScore(value);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-4) return value.toExponential(3);
  return String(Number(value.toPrecision(6)));
}

/** Thousands separators for counts: "400,000". */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/** 1 → "1st", 2 → "2nd", 11 → "11th", 23 → "23rd". */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${formatCount(n)}${suffix}`;
}

/** Name of dimension `dim` (0-based) for people: the file's name for it, else "dim 1", "dim 2", … */
export function dimensionLabel(dimNames: readonly string[] | undefined, dim: number): string {
  const name = dimNames?.[dim];
  return name !== undefined && name.length > 0 ? name : `dim ${dim + 1}`;
}
