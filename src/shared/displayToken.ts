/**
 * A token as a person should see it, wherever it is shown: the `.emb` hover, quick picks, the
 * attention webview (chips, table heads, chart axes, tooltips), the Heads view and the panel's tab
 * title. Tokens come from files and may carry right-to-left overrides (`rtl\u202Etxt.exe` would
 * read as "rtlexe.txt"), other invisible controls, or run to thousands of characters.
 *
 * Pure: no `vscode`, no DOM, so the host and the webview bundle share it and it is unit-tested.
 * It makes text visible and bounded, not inert: the webview sets it as textContent, markdown
 * callers escape it on top (src/host/emb/display.ts `markdownText`).
 */

/** Bidirectional controls: they reorder what follows and can make a token pose as another. */
const BIDI_CONTROLS = new Set([0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]);

function isInvisibleControl(codePoint: number): boolean {
  return (
    codePoint < 0x20 || // C0, tab and newlines included: a token never legitimately holds them
    (codePoint >= 0x7f && codePoint <= 0x9f) || // DEL and C1
    codePoint === 0x2028 ||
    codePoint === 0x2029 ||
    BIDI_CONTROLS.has(codePoint)
  );
}

function codePointLabel(codePoint: number): string {
  return `⟨U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}⟩`;
}

/** Default width of a token in hovers, tables and quick picks (code points, before the note). */
export const DEFAULT_TOKEN_WIDTH = 64;

/**
 * The token as a person should see it: control and bidi characters shown as `⟨U+202E⟩`, and a
 * token longer than `maxCodePoints` cut with "… ⟨10,000 characters⟩" so the cut is never silent.
 * An ordinary word comes back unchanged.
 */
export function displayToken(token: string, maxCodePoints = DEFAULT_TOKEN_WIDTH): string {
  let out = '';
  let shown = 0;
  let total = 0;
  for (const char of token) {
    total++;
    if (shown >= maxCodePoints) continue;
    const codePoint = char.codePointAt(0) ?? 0;
    out += isInvisibleControl(codePoint) ? codePointLabel(codePoint) : char;
    shown++;
  }
  if (total > maxCodePoints) {
    out += `… ⟨${total.toLocaleString('en-US')} characters⟩`;
  }
  return out;
}

/**
 * Longer text that holds tokens (the softmax sentence): every invisible control made visible as
 * in `displayToken`, nothing cut.
 */
export function visibleControls(text: string): string {
  let out = '';
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    out += isInvisibleControl(codePoint) ? codePointLabel(codePoint) : char;
  }
  return out;
}
