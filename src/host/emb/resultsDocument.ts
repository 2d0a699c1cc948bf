import * as vscode from 'vscode';
import { Disposable } from '../disposable';

export const RESULTS_SCHEME = 'headlight-result';

/**
 * Read-only markdown documents holding the results of the word commands (one per command, updated
 * in place so repeated comparisons do not pile up tabs), shown in the markdown preview beside the
 * editor. Nothing is written to disk.
 */
export class ResultsDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private readonly changed = this.register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;

  constructor(private readonly log: vscode.LogOutputChannel) {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(RESULTS_SCHEME, this));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  uriFor(name: string): vscode.Uri {
    return vscode.Uri.from({ scheme: RESULTS_SCHEME, path: `/${name}.md` });
  }

  /** Replace the content of the named results document and show it (preview, else the text). */
  async show(name: string, markdown: string): Promise<vscode.Uri> {
    const uri = this.uriFor(name);
    this.contents.set(uri.toString(), markdown);
    this.changed.fire(uri);
    const editor = vscode.window.activeTextEditor;
    try {
      await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
      // The preview takes focus; give it back so the user goes on where they were.
      if (editor !== undefined) await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, selection: editor.selection });
    } catch (error) {
      // No markdown preview (the built-in extension disabled): the markdown source reads well too.
      this.log.debug(`results: markdown preview unavailable (${String(error)}); opening the text`);
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.languages.setTextDocumentLanguage(document, 'markdown');
      await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
    }
    return uri;
  }
}
