import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cellTextColor,
  contrastRatio,
  mix,
  paletteFor,
  parseColor,
  signedColor,
  themeKindFromClasses,
  toCss,
  weightColor,
} from '../../../webview/src/colour';

test('CSS colours as VS Code writes them are parsed', () => {
  assert.deepEqual(parseColor('#1f1f1f'), { r: 31, g: 31, b: 31, a: 1 });
  assert.deepEqual(parseColor('#fff'), { r: 255, g: 255, b: 255, a: 1 });
  assert.deepEqual(parseColor('#00000080'), { r: 0, g: 0, b: 0, a: 128 / 255 });
  assert.deepEqual(parseColor('rgba(255, 0, 0, 0.5)'), { r: 255, g: 0, b: 0, a: 0.5 });
  assert.deepEqual(parseColor(' rgb(1 2 3) '), { r: 1, g: 2, b: 3, a: 1 });
  assert.equal(parseColor('var(--x)'), undefined);
  assert.equal(parseColor(''), undefined);
  assert.equal(parseColor('#12'), undefined);
});

test('the theme kind comes from the body class VS Code sets', () => {
  assert.equal(themeKindFromClasses(['vscode-light']), 'light');
  assert.equal(themeKindFromClasses(['vscode-dark']), 'dark');
  assert.equal(themeKindFromClasses(['vscode-high-contrast']), 'high-contrast');
  assert.equal(themeKindFromClasses(['vscode-high-contrast', 'vscode-high-contrast-light']), 'high-contrast-light');
  assert.equal(themeKindFromClasses([]), 'dark');
});

const DARK_VARS: Record<string, string> = {
  'editor-background': '#1e1e1e',
  'editor-foreground': '#d4d4d4',
  'charts-blue': '#3794ff',
  'charts-red': '#f14c4c',
  focusBorder: '#007fd4',
  descriptionForeground: 'rgba(204, 204, 204, 0.7)',
};
const LIGHT_VARS: Record<string, string> = {
  'editor-background': '#ffffff',
  'editor-foreground': '#000000',
  'charts-blue': '#1a85ff',
  'charts-red': '#e51400',
  focusBorder: '#0090f1',
};
const HC_VARS: Record<string, string> = {
  'editor-background': '#000000',
  'editor-foreground': '#ffffff',
  'charts-blue': '#3794ff',
  contrastBorder: '#6fc3df',
  contrastActiveBorder: '#f38518',
};

test('the weight scale runs from the theme background (0) to its chart blue (max) in light and dark', () => {
  for (const [kind, vars] of [['dark', DARK_VARS], ['light', LIGHT_VARS]] as const) {
    const p = paletteFor(kind, (name) => vars[name] ?? '');
    assert.equal(toCss(weightColor(p, 0, 0.4)), toCss(parseColor(vars['editor-background']!)!), kind);
    assert.equal(toCss(weightColor(p, 0.4, 0.4)), toCss(parseColor(vars['charts-blue']!)!), kind);
    assert.equal(p.cellBorders, false);
    // Halfway is halfway: linear, so twice the colour distance means twice the weight.
    assert.deepEqual(weightColor(p, 0.2, 0.4), mix(p.background, p.accent, 0.5));
  }
});

test('high contrast uses the foreground as the top of the scale and outlines cells', () => {
  const p = paletteFor('high-contrast', (name) => HC_VARS[name] ?? '');
  assert.equal(toCss(p.accent), 'rgb(255, 255, 255)');
  assert.equal(toCss(p.focus), toCss(parseColor('#f38518')!));
  assert.equal(p.cellBorders, true);
  assert.equal(contrastRatio(weightColor(p, 1, 1), p.background), 21);
  const light = paletteFor('high-contrast-light', () => '');
  assert.equal(light.cellBorders, true);
  assert.ok(contrastRatio(light.accent, light.background) > 7);
});

test('missing variables fall back to the theme kind’s defaults, never to nothing', () => {
  const p = paletteFor('light', () => '');
  assert.equal(toCss(p.background), 'rgb(255, 255, 255)');
  assert.ok(contrastRatio(p.foreground, p.background) > 4.5);
});

test('text on a cell takes whichever of foreground and background reads better', () => {
  const p = paletteFor('dark', (name) => DARK_VARS[name] ?? '');
  for (const w of [0, 0.1, 0.25, 0.5, 0.75, 1]) {
    const cell = weightColor(p, w, 1);
    const text = cellTextColor(p, cell);
    const other = toCss(text) === toCss(p.foreground) ? p.background : p.foreground;
    assert.ok(contrastRatio(cell, text) >= contrastRatio(cell, other), `weight ${w}`);
  }
});

test('signed values diverge: negative toward red, positive toward blue, 0 is the background', () => {
  const p = paletteFor('dark', (name) => DARK_VARS[name] ?? '');
  assert.deepEqual(signedColor(p, 0, 2), p.background);
  assert.deepEqual(signedColor(p, 2, 2), p.accent);
  assert.deepEqual(signedColor(p, -2, 2), p.negative);
});
