import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCsp, escapeHtml, renderWebviewHtml } from '../../../src/shared/webviewHtml';

const SOURCE = "'self' https://*.vscode-cdn.net";
const NONCE = 'cmFuZG9tYnl0ZXMxMjM0NQ==';

test('the CSP allows nothing by default, scripts by nonce only, resources from the webview source', () => {
  assert.equal(
    buildCsp({ cspSource: SOURCE, nonce: NONCE }),
    `default-src 'none'; img-src ${SOURCE} data:; style-src ${SOURCE} 'nonce-${NONCE}'; script-src 'nonce-${NONCE}'; font-src ${SOURCE}`,
  );
  const csp = buildCsp({ cspSource: SOURCE, nonce: NONCE });
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|connect-src|\*;/);
});

test('a weak nonce or a source that would break the policy is refused', () => {
  assert.throws(() => buildCsp({ cspSource: SOURCE, nonce: 'abc' }), /nonce/);
  assert.throws(() => buildCsp({ cspSource: SOURCE, nonce: `${NONCE}' 'unsafe-inline` }), /nonce/);
  assert.throws(() => buildCsp({ cspSource: "https://x; script-src *", nonce: NONCE }), /unexpected characters/);
});

test('the HTML loads one script with the nonce and no inline code', () => {
  const html = renderWebviewHtml({
    cspSource: SOURCE,
    nonce: NONCE,
    title: 'Attention <b>',
    view: 'attention',
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
    styleUris: ['https://file+.vscode-resource.vscode-cdn.net/ext/media/attention.css'],
    boot: { tokens: ['</script><script>alert(1)</script>'] },
  });
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0]!, new RegExp(`nonce="${NONCE}"`));
  assert.match(scripts[0]!, /src="https:\/\/file\+\.vscode-resource/);
  assert.match(html, /<script[^>]*><\/script>/, 'the script element is empty: no inline code');
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/);
  assert.match(html, /<title>Attention &lt;b&gt;<\/title>/);
  assert.doesNotMatch(html, /<\/script><script>alert/);
  assert.match(html, /data-boot="\{&quot;tokens&quot;:\[&quot;&lt;\/script&gt;/);
  assert.match(html, /<div id="app" data-view="attention" data-state="empty"/);
  assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
  assert.doesNotMatch(html, /\sstyle=/i, 'no inline styles');
});

test('our style sheet can travel inside the page, in a <style> with the nonce; a sheet that would close the element early is refused', () => {
  const parts = { cspSource: SOURCE, nonce: NONCE, title: 't', view: 'attention', scriptUri: 'https://x/dist/webview.js', styleUris: [] } as const;
  const html = renderWebviewHtml({ ...parts, inlineStyles: ['.cell { color: red; }'] });
  assert.match(html, new RegExp(`<style nonce="${NONCE.replace(/[+/=]/g, (c) => `\\${c}`)}">\\s*\\.cell \\{ color: red; \\}\\s*</style>`));
  assert.doesNotMatch(html, /<link rel="stylesheet"/);
  assert.throws(() => renderWebviewHtml({ ...parts, inlineStyles: ['a{}</style><script>alert(1)</script>'] }), /contains "<\/style"/);
});

test('escapeHtml escapes the five characters that matter', () => {
  assert.equal(escapeHtml(`<img src=x onerror="alert('1')">&`), '&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;');
});
