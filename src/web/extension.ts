/**
 * Headlight in VS Code for the Web (package.json `browser`, bundled to dist/web/extension.js).
 *
 * The same features as the desktop entry (src/extension.ts), wired the same way: the `.emb`
 * language (declarative), diagnostics, quick fixes and hovers on open documents, the word
 * commands, Show Attention with its panel and Heads view, exports, the guided lesson, and the
 * Embedding Explorer (its files read whole through `vscode.workspace.fs`, up to 1 GiB).
 * What differs is underneath, in esbuild's aliases for this bundle (src/web/shims): no Node
 * workers (parsing and attention run in this worker, in slices), no local disk (files are read
 * through `vscode.workspace.fs`), and the bundled lesson set is read from the extension's URI.
 */
import './shims/globals';
import * as vscode from 'vscode';
import { ActiveEmbeddings } from '../host/activeEmbeddings';
import { startActivationTimer } from '../host/activationTiming';
import { activateAttentionFeatures } from '../host/attention';
import { DisposableStore } from '../host/disposable';
import { activateEmbFeatures } from '../host/emb';
import { activateExplorerFeatures } from '../host/explorer';
import { registerLesson } from '../host/lesson';
import type { HeadlightTestApi } from '../host/testApi';

/**
 * In the browser the extension folder is a URI (https:, vscode-remote:, …), not a local path:
 * the lesson set is found relative to `extensionUri` rather than through `Uri.file`.
 */
class WebActiveEmbeddings extends ActiveEmbeddings {
  override lessonUri(): vscode.Uri {
    return vscode.Uri.joinPath(this.context.extensionUri, 'samples', 'lesson.emb');
  }
}

export function activate(context: vscode.ExtensionContext): HeadlightTestApi {
  const timer = startActivationTimer('web');
  const store = new DisposableStore();
  context.subscriptions.push(store);
  const log = store.add(vscode.window.createOutputChannel('Headlight', { log: true }));
  const embeddings = store.add(new WebActiveEmbeddings(context, log));
  const emb = activateEmbFeatures({ context, log, embeddings, owner: store });
  const attention = activateAttentionFeatures({ context, log, embeddings, owner: store });
  registerLesson({ context, log, embeddings, owner: store }, attention);
  // The customEditors contribution is the same for the web: its files are read through
  // vscode.workspace.fs and indexed in this worker (src/host/explorer/readVirtual.ts).
  const explorer = activateExplorerFeatures({ context, log, embeddings, owner: store }, { web: true });
  return timer.finish(log, { embeddings, emb, attention, explorer });
}

export function deactivate(): void {
  // Everything is owned by the DisposableStore in context.subscriptions.
}
