/**
 * The Embedding Explorer as a custom read-only editor (contributes.customEditors,
 * viewType headlight.embeddingExplorer): VS Code asks for a document (indexing starts at once)
 * and then for an editor of it (the page is set at once, so it paints before the index is
 * complete and shows the progress). Follows vscode-extension-samples' custom-editor-sample
 * (binaryCustomEditor / pawDrawEditor.ts) for the document / editor split and the handshake.
 */
import * as vscode from 'vscode';
import { renderWebviewHtml } from '../../shared/webviewHtml';
import { epochMs } from '../../shared/protocol';
import { newNonce, webviewOptions } from '../attention/html';
import explorerCss from '../../../media/explorer.css';
import { ExplorerDocument, type ExplorerDocumentOptions } from './document';
import { ExplorerSession, type SessionHost } from './session';

export class ExplorerProvider implements vscode.CustomReadonlyEditorProvider<ExplorerDocument> {
  private readonly live = new Set<ExplorerSession>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly workerScript: string,
    private readonly host: SessionHost,
    private readonly documentOptions: ExplorerDocumentOptions = {},
  ) {}

  /** The Explorers open right now. */
  get sessions(): readonly ExplorerSession[] {
    return [...this.live];
  }

  openCustomDocument(uri: vscode.Uri): ExplorerDocument {
    return new ExplorerDocument(uri, this.workerScript, this.host.log, epochMs(), this.documentOptions);
  }

  resolveCustomEditor(document: ExplorerDocument, panel: vscode.WebviewPanel): void {
    const timings: Record<string, number> = { opened: document.openedAt, resolved: epochMs() };
    panel.webview.options = webviewOptions(this.extensionUri);
    panel.webview.html = renderWebviewHtml({
      cspSource: panel.webview.cspSource,
      nonce: newNonce(),
      title: `Embedding Explorer: ${document.label}`,
      view: 'explorer',
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'explorer.js')).toString(),
      styleUris: [],
      inlineStyles: [explorerCss],
      boot: { file: document.label },
    });
    timings.htmlSet = epochMs();
    const session = new ExplorerSession(document, panel, this.host, timings);
    this.live.add(session);
    panel.onDidDispose(() => this.live.delete(session));
  }
}
