/**
 * The HTML shell of Headlight's webviews and its Content-Security-Policy. Pure string building so
 * the policy can be unit-tested; the host supplies the nonce (crypto) and the resource URIs.
 *
 * The policy allows nothing by default; our one script runs by nonce (the bundles it imports
 * after the first paint, from our own dist/, are fetched with that nonce: webview/src/lazy.ts);
 * styles come from our own files, or our own style sheet inside the page in a nonce-bearing
 * <style> (one request fewer before the first paint), plus whatever <style> elements Chart.js and
 * Lit create under the same nonce;
 * images only from our own resources and data: URLs (canvas exports); fonts from our own files.
 * No 'unsafe-inline', no 'unsafe-eval', no connect-src: a webview has nothing to fetch.
 * Initial data travels in an escaped data-* attribute, never in an inline script.
 */

export interface CspSources {
  /** `webview.cspSource` */
  readonly cspSource: string;
  /** Base64 from 16 random bytes, fresh for every HTML document. */
  readonly nonce: string;
}

const NONCE_PATTERN = /^[A-Za-z0-9+/=_-]{16,}$/;

export function buildCsp({ cspSource, nonce }: CspSources): string {
  if (!NONCE_PATTERN.test(nonce)) {
    throw new Error('buildCsp: the nonce must be at least 16 base64 characters');
  }
  // cspSource is like "'self' https://*.vscode-cdn.net": a source list, never a directive break.
  if (/[;,\r\n]/.test(cspSource)) {
    throw new Error(`buildCsp: unexpected characters in the webview source ${JSON.stringify(cspSource)}`);
  }
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ');
}

/** Escapes text for an HTML attribute value in double quotes, or for element content. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface WebviewHtmlParts extends CspSources {
  readonly title: string;
  readonly scriptUri: string;
  readonly styleUris: readonly string[];
  /** Our own style sheets' text, placed in nonce-bearing <style> elements (saves a request before first paint). */
  readonly inlineStyles?: readonly string[];
  /** Which UI the shared shell hosts: read by the script from `#app[data-view]`. */
  readonly view: 'attention' | 'heads' | 'explorer';
  /** Optional JSON the script reads from `#app[data-boot]` (escaped, never executed). */
  readonly boot?: unknown;
}

export function renderWebviewHtml(parts: WebviewHtmlParts): string {
  const csp = buildCsp(parts);
  for (const css of parts.inlineStyles ?? []) {
    // Our own files; a closing tag inside one would end the element early.
    if (/<\/style/i.test(css)) throw new Error('renderWebviewHtml: an inline style sheet contains "</style"');
  }
  const styles = [
    ...parts.styleUris.map((uri) => `<link rel="stylesheet" href="${escapeHtml(uri)}" nonce="${parts.nonce}">`),
    ...(parts.inlineStyles ?? []).map((css) => `<style nonce="${parts.nonce}">\n${css}\n</style>`),
  ].join('\n    ');
  const boot = parts.boot === undefined ? '' : ` data-boot="${escapeHtml(JSON.stringify(parts.boot))}"`;
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <title>${escapeHtml(parts.title)}</title>
    ${styles}
  </head>
  <body>
    <div id="app" data-view="${parts.view}" data-state="empty"${boot}></div>
    <script nonce="${parts.nonce}" src="${escapeHtml(parts.scriptUri)}"></script>
  </body>
</html>`;
}
