import * as vscode from 'vscode';
import { Disposable } from './disposable';

/**
 * The embedding set that Show Attention, hovers-on-selection and the status bar use: the bundled
 * lesson vocabulary until the user picks a file with "Headlight: Use Embeddings File".
 * (Placeholder: the .emb feature work replaces the body; the public shape stays.)
 */
export class ActiveEmbeddings extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;

  constructor(
    readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {
    super();
  }
}
