import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExplorerPreview, ExplorerSummary, LoadStatus } from '../../shared/explorerProtocol';
import { ExplorerClient } from './client';

export interface ExplorerState {
  readonly status: LoadStatus;
  readonly progress: number;
  readonly summary: ExplorerSummary | undefined;
  /** The header and first tokens, once read (before the index is complete). */
  readonly preview: ExplorerPreview | undefined;
  readonly message: string;
}

/**
 * One file open in the Embedding Explorer (a vscode.CustomDocument): its engine (client.ts) and
 * the state of its indexing. Indexing starts when the document is opened, before any webview
 * exists, so the first paint and the loading overlap; every Explorer of the file shares it.
 * Disposed by VS Code when the file's last Explorer closes: the worker and the store end with it.
 */
export class ExplorerDocument implements vscode.CustomDocument {
  private readonly changed = new vscode.EventEmitter<ExplorerState>();
  /** Fires on progress, on the preview, on `ready` and on `error`. */
  readonly onDidChange = this.changed.event;
  private current: ExplorerState = { status: 'loading', progress: 0, summary: undefined, preview: undefined, message: '' };
  readonly client: ExplorerClient;
  /** Settles when indexing ends (never rejects: a failure is the state `error`). */
  readonly loaded: Promise<ExplorerState>;
  readonly label: string;
  /** When VS Code asked for the document (epoch ms): the start of the first-paint measurement. */
  readonly openedAt: number;

  constructor(
    readonly uri: vscode.Uri,
    workerScript: string,
    private readonly log: vscode.LogOutputChannel,
    openedAt: number,
  ) {
    this.openedAt = openedAt;
    this.label = path.posix.basename(uri.path);
    this.client = new ExplorerClient(workerScript, (message) => log.warn(message));
    this.loaded = this.index();
  }

  get state(): ExplorerState {
    return this.current;
  }

  dispose(): void {
    this.client.dispose();
    this.changed.dispose();
  }

  private async index(): Promise<ExplorerState> {
    if (this.uri.scheme !== 'file') {
      return this.set({ status: 'error', progress: 0, summary: undefined, preview: undefined, message: `The Embedding Explorer reads files from disk; ${this.label} is on "${this.uri.scheme}:".` });
    }
    let lastPercent = -1;
    try {
      const summary = await this.client.load(this.uri.fsPath, this.label, (fraction) => {
        const percent = Math.floor(fraction * 100);
        if (percent === lastPercent) return;
        lastPercent = percent;
        this.set({ ...this.current, progress: Math.max(0, Math.min(1, fraction)) });
      }, (preview) => {
        if (this.current.status === 'loading') this.set({ ...this.current, preview });
      });
      this.log.info(`explorer: ${this.label}: ${summary.count} × ${summary.dim} (${summary.format}) indexed in ${summary.loadMs.toFixed(0)} ms, ${summary.problems} problem(s)`);
      return this.set({ status: 'ready', progress: 1, summary, preview: this.current.preview, message: '' });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.warn(`explorer: ${this.label}: ${message}`);
      return this.set({ status: 'error', progress: this.current.progress, summary: undefined, preview: undefined, message: `Cannot index ${this.label}: ${message}. (Not an embeddings file? “Reopen Editor With…” opens it another way.)` });
    }
  }

  private set(state: ExplorerState): ExplorerState {
    this.current = state;
    this.changed.fire(state);
    return state;
  }
}
