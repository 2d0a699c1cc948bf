/**
 * Reads the VS Code theme from the webview's <body> (its class and the --vscode-* variables VS Code
 * injects) and tells listeners when the user switches theme, so every chart repaints in the new
 * colours without a round trip to the host.
 */
import { paletteFor, themeKindFromClasses, type Palette } from './colour';

export function readPalette(): Palette {
  const style = getComputedStyle(document.body);
  const kind = themeKindFromClasses([...document.body.classList]);
  return paletteFor(kind, (name) => style.getPropertyValue(`--vscode-${name}`).trim());
}

/** Calls `onChange` with the new palette whenever the body's theme class or style changes. */
export function watchTheme(onChange: (palette: Palette) => void): void {
  let last = JSON.stringify(readPalette());
  const observer = new MutationObserver(() => {
    const palette = readPalette();
    const key = JSON.stringify(palette);
    if (key !== last) {
      last = key;
      onChange(palette);
    }
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'style', 'data-vscode-theme-kind'] });
  // VS Code sets the variables on <html>; watch it too.
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['class', 'style'] });
}
