import * as vscode from 'vscode';
import type { ActiveEmbeddings } from '../activeEmbeddings';
import { Disposable } from '../disposable';
import { formatCount, plainLabel } from './display';

/** The status bar entry of the active embedding set: name and count × dims; a click switches it. */
export class EmbeddingsStatusBar extends Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor(
    private readonly embeddings: ActiveEmbeddings,
    switchCommand: string,
  ) {
    super();
    this.item = this.register(vscode.window.createStatusBarItem('headlight.embeddings', vscode.StatusBarAlignment.Right, 100));
    this.item.name = 'Headlight Embeddings';
    this.item.command = { command: switchCommand, title: 'Use Embeddings File' };
    this.register(embeddings.onDidChange(() => this.update()));
    this.update();
    this.item.show();
  }

  /** The text shown now (for the test API). */
  get text(): string {
    return this.item.text;
  }

  private update(): void {
    const set = this.embeddings.peek();
    if (set === undefined) {
      this.item.text = '$(loading~spin) Headlight embeddings';
      this.item.tooltip = 'Headlight: loading the embedding set…';
      return;
    }
    const size = `${formatCount(set.store.count)} × ${formatCount(set.store.dim)}`;
    this.item.text = `$(symbol-array) ${plainLabel(set.label, 32)} ${size}`;
    this.item.tooltip = `Headlight embeddings: ${plainLabel(set.label, 200)}\n${size} (words × dimensions)\n${
      set.uri === undefined ? 'Bundled with Headlight' : plainLabel(set.uri.fsPath || set.uri.toString(), 200)
    }\n\nClick to use another embeddings file.`;
    this.item.accessibilityInformation = { label: `Headlight embeddings: ${set.label}, ${size} words by dimensions. Click to switch.` };
  }
}
