/**
 * The webviews' HTML and options: a fresh crypto nonce per document, resources only from dist/
 * and media/, scripts only by nonce (see src/shared/webviewHtml.ts for the policy itself).
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { renderWebviewHtml } from '../../shared/webviewHtml';
import attentionCss from '../../../media/attention.css';
import headsCss from '../../../media/heads.css';

export type WebviewKind = 'attention' | 'heads';

/** Each webview's script (dist/) and style sheet (media/, bundled into the host as text and sent inside the HTML). */
const BUNDLES: Readonly<Record<WebviewKind, { script: string; css: string; title: string }>> = {
  attention: { script: 'webview.js', css: attentionCss, title: 'Headlight Attention' },
  heads: { script: 'heads.js', css: headsCss, title: 'Headlight Heads' },
};

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/** `boot`: data the page reads from `#app[data-boot]` (escaped JSON, never executed). */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, kind: WebviewKind, boot?: unknown): string {
  const bundle = BUNDLES[kind];
  return renderWebviewHtml({
    boot,
    cspSource: webview.cspSource,
    nonce: newNonce(),
    title: bundle.title,
    view: kind,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', bundle.script)).toString(),
    styleUris: [],
    inlineStyles: [bundle.css],
  });
}
