import type * as vscode from 'vscode';
import type { ActiveEmbeddings } from './activeEmbeddings';
import type { DisposableStore } from './disposable';

/** What every feature gets at activation. Register listeners on `owner`, never leave them loose. */
export interface FeatureContext {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly embeddings: ActiveEmbeddings;
  readonly owner: DisposableStore;
}
