import * as vscode from 'vscode';
import { DisposableStore } from './host/disposable';
import { activateEmbFeatures } from './host/emb';
import { activateAttentionFeatures } from './host/attention';
import { activateModelFeatures } from './host/model';
import { activateExplorerFeatures } from './host/explorer';
import { ActiveEmbeddings } from './host/activeEmbeddings';
import { startActivationTimer } from './host/activationTiming';
import { registerLesson } from './host/lesson';
import { openWelcomeOnFirstStart } from './host/welcome';
import type { HeadlightTestApi } from './host/testApi';

/** Wires the features together; every feature is a thin adapter over src/core and src/emb. */
export function activate(context: vscode.ExtensionContext): HeadlightTestApi {
  const timer = startActivationTimer();
  const store = new DisposableStore();
  context.subscriptions.push(store);
  const log = store.add(vscode.window.createOutputChannel('Headlight', { log: true }));
  const embeddings = store.add(new ActiveEmbeddings(context, log));
  const emb = activateEmbFeatures({ context, log, embeddings, owner: store });
  const model = activateModelFeatures({ context, log, embeddings, owner: store });
  const attention = activateAttentionFeatures({ context, log, embeddings, owner: store }, model);
  registerLesson({ context, log, embeddings, owner: store }, attention);
  const explorer = activateExplorerFeatures({ context, log, embeddings, owner: store });
  openWelcomeOnFirstStart({ context, log, embeddings, owner: store });
  return timer.finish(log, { embeddings, emb, attention, explorer, model });
}

export function deactivate(): void {
  // Everything is owned by the DisposableStore in context.subscriptions.
}
