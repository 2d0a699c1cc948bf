/**
 * The panel's bundles that load after its first paint: Chart.js (dist/webview-charts.js) and the
 * controls' @vscode-elements (dist/webview-elements.js), each built on its own beside
 * dist/webview.js and imported from there. The first paint then needs only this bundle: the
 * tokens and the heatmap, drawn straight to a canvas.
 *
 * The CSP allows them: a module imported by a script that carries the page's nonce is fetched
 * with that nonce (and only from our own dist/, a localResourceRoot).
 */

/** This bundle's own URL, read while it is evaluated (document.currentScript is null later). */
const ownUrl = (document.currentScript as HTMLScriptElement | null)?.src || document.baseURI;
const imports = new Map<string, Promise<unknown>>();

/** Imports the bundle `file` next to this one, once. */
export function importBeside<T>(file: 'webview-charts.js' | 'webview-elements.js'): Promise<T> {
  let pending = imports.get(file);
  if (!pending) {
    pending = import(/* a URL at run time: not bundled */ new URL(file, ownUrl).href);
    imports.set(file, pending);
  }
  return pending as Promise<T>;
}
