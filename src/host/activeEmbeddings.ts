import * as vscode from 'vscode';
import { Disposable } from './disposable';

/** What Show Attention, the hovers and the status bar see of the active embedding set. */
export interface ActiveSet {
  /** Shown in the status bar and panel title: file name, or "Lesson (bundled)". */
  readonly label: string;
  /** The file it came from; undefined for the bundled lesson set. */
  readonly uri: vscode.Uri | undefined;
  /** The store (typed as unknown here until src/emb/store.ts exists; becomes EmbeddingStore). */
  readonly store: unknown;
}

/**
 * The embedding set that Show Attention uses: the bundled lesson vocabulary until the user picks a
 * file with "Headlight: Use Embeddings File". (Placeholder body: the .emb host work implements it;
 * the public shape — onDidChange, get(), use() — stays.)
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

  /** The active set, loading the bundled lesson set on first use. */
  async get(): Promise<ActiveSet> {
    throw new Error('ActiveEmbeddings.get: not implemented yet');
  }

  /** Make a file (or the bundled lesson set) the active set; fires onDidChange. */
  async use(_source: vscode.Uri | 'lesson'): Promise<void> {
    throw new Error('ActiveEmbeddings.use: not implemented yet');
  }
}
