/**
 * One Embedding Explorer webview: the ready → init handshake, then questions relayed to the
 * document's engine and answers posted back (the pattern of vscode-extension-samples'
 * custom-editor-sample, src/pawDrawEditor.ts: the page says it is ready, the host sends the
 * document). Everything received is validated; what fails is logged and dropped. Nothing is
 * posted before `ready` or after the panel closed.
 */
import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import {
  assertNever,
  validateFromExplorer,
  type FromExplorerMessage,
  type ToExplorerMessage,
} from '../../shared/explorerProtocol';
import { epochMs } from '../../shared/protocol';
import type { ParsedEmb } from '../../emb/types';
import type { EngineAnswers, EngineQuery } from './engine';
import { ExplorerQueryError } from './engine';
import type { ExplorerDocument, ExplorerState } from './document';

export interface SessionHost {
  readonly log: vscode.LogOutputChannel;
  /** Make the document's file the set Show Attention uses, from the Explorer's own parse (`parsed`) rather than a second read. */
  useAsActiveSet(uri: vscode.Uri, parsed: () => Promise<ParsedEmb>): Promise<void>;
}

export class ExplorerSession extends Disposable {
  private ready = false;
  private gone = false;
  /** Messages received that failed validation (tests read it). */
  rejectedMessages = 0;
  /** The webview's milestones (`painted`), for the timing test and the log. */
  webviewMilestones: Readonly<Record<string, number>> = {};
  /** The last message of each type posted (tests read them). */
  readonly lastPosted = new Map<ToExplorerMessage['type'], ToExplorerMessage>();
  private readonly timings: Record<string, number>;
  private previewPosted: ExplorerState['preview'];

  constructor(
    readonly document: ExplorerDocument,
    readonly panel: vscode.WebviewPanel,
    private readonly host: SessionHost,
    timings: Record<string, number>,
  ) {
    super();
    this.timings = timings;
    this.register(panel.webview.onDidReceiveMessage((data: unknown) => this.receive(data)));
    this.register(
      document.onDidChange((state) => {
        if (state.status === 'loading' && state.preview && state.preview !== this.previewPosted) {
          this.previewPosted = state.preview;
          this.post({ type: 'preview', preview: state.preview });
        } else if (state.status === 'loading') this.post({ type: 'progress', fraction: state.progress });
        else if (state.status === 'ready' && state.summary) this.post({ type: 'loaded', summary: state.summary });
        else this.post({ type: 'failed', message: state.message });
      }),
    );
    this.register(
      panel.onDidDispose(() => {
        this.gone = true;
        this.dispose();
      }),
    );
  }

  private post(message: ToExplorerMessage): void {
    if (!this.ready || this.gone || this.isDisposed) return;
    this.lastPosted.set(message.type, message);
    void this.panel.webview.postMessage(message);
  }

  private receive(data: unknown): void {
    const checked = validateFromExplorer(data);
    if (!checked.ok) {
      this.rejectedMessages++;
      this.host.log.warn(`explorer: ignored a message from the webview: ${checked.reason}`);
      return;
    }
    this.handle(checked.message);
  }

  private handle(message: FromExplorerMessage): void {
    switch (message.type) {
      case 'ready': {
        this.ready = true;
        this.timings.readyReceived = epochMs();
        const state = this.document.state;
        this.previewPosted = state.preview;
        this.post({ type: 'init', file: this.document.label, status: state.status, progress: state.progress, summary: state.summary, preview: state.preview, message: state.message, timings: this.timings });
        return;
      }
      case 'requestRows':
        this.relay(message.requestId, { kind: 'rows', query: message.query, start: message.start, count: message.count }, (a) => ({ type: 'rows', requestId: message.requestId, ...a }));
        return;
      case 'requestToken':
        this.relay(message.requestId, { kind: 'token', word: message.word }, (a) => ({ type: 'token', requestId: message.requestId, ...a }));
        return;
      case 'requestNeighbours':
        this.relay(message.requestId, { kind: 'neighbours', word: message.word, measure: message.measure, k: message.k }, (a) => ({ type: 'neighbours', requestId: message.requestId, ...a }));
        return;
      case 'requestAnalogy':
        this.relay(message.requestId, { kind: 'analogy', a: message.a, b: message.b, c: message.c, k: message.k }, (a) => ({ type: 'analogy', requestId: message.requestId, ...a }));
        return;
      case 'requestCompare':
        this.relay(message.requestId, { kind: 'compare', a: message.a, b: message.b }, (a) => ({ type: 'compare', requestId: message.requestId, ...a }));
        return;
      case 'requestMap':
        this.relay(message.requestId, { kind: 'map', method: message.method, source: message.source }, (a) => ({ type: 'map', requestId: message.requestId, ...a }));
        return;
      case 'useAsActiveSet':
        this.host.useAsActiveSet(this.document.uri, () => this.document.client.parsed()).then(
          () => this.post({ type: 'activeSet', active: true, message: `${this.document.label} is now the set Show Attention uses.` }),
          (error: unknown) => this.post({ type: 'activeSet', active: false, message: `Cannot use ${this.document.label}: ${error instanceof Error ? error.message : String(error)}` }),
        );
        return;
      case 'painted': {
        this.webviewMilestones = { ...this.webviewMilestones, ...message.milestones };
        const painted = message.milestones.firstPaint;
        if (painted !== undefined) this.host.log.info(`explorer: ${this.document.label}: first paint ${(painted - this.document.openedAt).toFixed(0)} ms after opening`);
        return;
      }
      case 'log':
        this.host.log[message.level](`explorer webview: ${message.message}`);
        return;
      default:
        assertNever(message);
    }
  }

  /** Asks the engine and posts the answer (or why there is none) under the request's id. */
  private relay<K extends EngineQuery['kind']>(
    requestId: number,
    query: Extract<EngineQuery, { kind: K }>,
    toMessage: (answer: EngineAnswers[K]) => ToExplorerMessage,
  ): void {
    this.document.client.ask<K>(query).then(
      (answer) => this.post(toMessage(answer)),
      (error: unknown) => {
        const text = error instanceof Error ? error.message : String(error);
        if (!(error instanceof ExplorerQueryError)) this.host.log.warn(`explorer: ${query.kind} failed: ${text}`);
        this.post({ type: 'queryFailed', requestId, message: text });
      },
    );
  }
}
