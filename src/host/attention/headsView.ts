/**
 * The "Heads" view in Headlight's activity bar container: a WebviewView listing every head of
 * the session as a thumbnail, the focused one highlighted; a click focuses it in the panel.
 */
import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import { assertNever, validateFromHeads, type FromHeadsMessage, type ToHeadsMessage } from '../../shared/protocol';
import { webviewHtml, webviewOptions } from './html';
import type { AttentionSession } from './session';
import type { ModelFeaturesApi } from '../model';
import { packBuffers } from '../../shared/wireBuffers';

export const HEADS_VIEW_ID = 'headlight.heads';

export class HeadsViewProvider extends Disposable implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;
  private viewListeners: vscode.Disposable[] = [];
  private webviewReady = false;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly session: AttentionSession,
    private readonly log: vscode.LogOutputChannel,
    private readonly showAttention: () => Thenable<unknown>,
    /** While a model result is shown, the view lists its layers × heads instead (src/host/model). */
    private readonly model?: ModelFeaturesApi,
  ) {
    super();
    if (model) {
      // The thumbnails change with a new result only; a new focus is one small message.
      let shownThumbs: unknown;
      this.register(
        model.onDidChange(() => {
          const state = model.state();
          const thumbs = model.isActive() ? state.snapshot?.thumbs : undefined;
          if (thumbs && thumbs === shownThumbs && state.info) this.post({ type: 'focus', head: state.layer * state.info.heads + state.head });
          else this.sendHeads();
          shownThumbs = thumbs;
        }),
      );
    }
    this.register(
      session.onDidChange((event) => {
        switch (event.kind) {
          case 'snapshot':
          case 'cleared':
          case 'error':
            this.sendHeads();
            break;
          case 'head':
            this.post({ type: 'focus', head: session.focusedHead });
            break;
          case 'computing':
          case 'row':
          case 'plot':
          case 'options':
            break;
          default:
            assertNever(event, 'session event');
        }
      }),
    );
    this.register({ dispose: () => this.releaseView() });
  }

  /** What the integration tests read. */
  state(): { readonly resolved: boolean; readonly visible: boolean; readonly ready: boolean } {
    return { resolved: this.view !== undefined, visible: this.view?.visible ?? false, ready: this.webviewReady };
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.releaseView();
    this.view = view;
    this.webviewReady = false;
    view.webview.options = webviewOptions(this.extensionUri);
    view.webview.html = webviewHtml(view.webview, this.extensionUri, 'heads');
    this.viewListeners = [
      view.webview.onDidReceiveMessage((data: unknown) => this.receive(data)),
      view.onDidChangeVisibility(() => {
        if (!view.visible) this.webviewReady = false;
      }),
      view.onDidDispose(() => {
        if (this.view === view) this.releaseView();
      }),
    ];
  }

  private releaseView(): void {
    for (const listener of this.viewListeners) listener.dispose();
    this.viewListeners = [];
    this.view = undefined;
    this.webviewReady = false;
  }

  private post(message: ToHeadsMessage): boolean {
    if (!this.view || !this.webviewReady || this.isDisposed) return false;
    void this.view.webview.postMessage(packBuffers(message)).then(undefined, (error: unknown) => this.log.warn(`heads view: posting failed: ${String(error)}`));
    return true;
  }

  private sendHeads(): void {
    // Nobody to tell (the view is closed or loading; it asks with `ready`): building the snapshot
    // now would only delay whoever else is waiting for this picture.
    if (!this.view || !this.webviewReady || this.isDisposed) return;
    const modelHeads = this.model?.headsForView();
    if (modelHeads) {
      this.post({ type: 'heads', ...modelHeads });
      return;
    }
    const snapshot = this.session.snapshot();
    this.post({
      type: 'heads',
      thumbs: snapshot?.thumbs ?? [],
      focusedHead: snapshot ? this.session.focusedHead : 0,
      tokens: snapshot?.tokens.length ?? 0,
      label: snapshot ? snapshot.sourceLabel : '',
    });
  }

  private receive(data: unknown): void {
    const checked = validateFromHeads(data);
    if (!checked.ok) {
      this.log.warn(`heads view: ignored a message: ${checked.reason}`);
      return;
    }
    const message: FromHeadsMessage = checked.message;
    switch (message.type) {
      case 'ready':
        this.webviewReady = true;
        this.sendHeads();
        break;
      case 'focusHead':
        if (!this.model?.focusFlatHead(message.head)) this.session.focusHead(message.head);
        break;
      case 'showAttention':
        void this.showAttention();
        break;
      case 'log':
        this.log.info(`heads webview (${message.level}): ${message.message}`);
        break;
      default:
        assertNever(message);
    }
  }
}
