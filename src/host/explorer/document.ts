import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExplorerPreview, ExplorerSummary, LoadStatus } from '../../shared/explorerProtocol';
import { ExplorerClient } from './client';
import { readVirtualForExplorer } from './readVirtual';

export interface ExplorerState {
  readonly status: LoadStatus;
  readonly progress: number;
  readonly summary: ExplorerSummary | undefined;
  /** The header and first tokens, once read (before the index is complete). */
  readonly preview: ExplorerPreview | undefined;
  readonly message: string;
}

export interface ExplorerDocumentOptions {
  /** Read every file through vscode.workspace.fs, in-process (VS Code for the Web: no disk, no worker threads). */
  readonly readThroughWorkspace?: boolean;
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
    private readonly options: ExplorerDocumentOptions = {},
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
    let lastPercent = -1;
    const onProgress = (fraction: number) => {
      const percent = Math.floor(fraction * 100);
      if (percent === lastPercent) return;
      lastPercent = percent;
      this.set({ ...this.current, progress: Math.max(0, Math.min(1, fraction)) });
    };
    try {
      // From disk (in the Explorer's worker) when the file is on this machine's; else read whole
      // through vscode.workspace.fs (virtual workspaces, VS Code for the Web).
      const summary =
        this.uri.scheme === 'file' && !this.options.readThroughWorkspace
          ? await this.client.load(this.uri.fsPath, this.label, onProgress, (preview) => {
              if (this.current.status === 'loading') this.set({ ...this.current, preview });
            })
          : await this.client.loadWith(() => readVirtualForExplorer(this.uri, this.label, onProgress), this.label, (await vscode.workspace.fs.stat(this.uri)).size);
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
