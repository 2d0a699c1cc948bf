/**
 * The one attention panel: a WebviewPanel beside the editor that shows the session.
 *
 * Messages: the webview's `ready` starts every exchange (also after the panel was hidden and its
 * webview recreated, or after a window reload); the host answers `init` with the whole state and
 * then follows the session with small updates. Everything received is validated first; what fails
 * is logged and dropped. Nothing is posted before `ready` or after dispose.
 */
import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import {
  assertNever,
  bootPayload,
  epochMs,
  validateFromPanel,
  type ChartId,
  type FromPanelMessage,
  type InitMessage,
  type ModelFromPanelMessage,
  type PanelSnapshot,
  type SvgChartId,
  type ToPanelMessage,
  type UnknownWordsChoice,
  type UnknownWordsOffer,
} from '../../shared/protocol';
import { pngBytesFromDataUrl } from '../../shared/viewModel';
import { displayToken } from '../../shared/displayToken';
import { webviewHtml, webviewOptions } from './html';
import type { AttentionSession, SessionEvent } from './session';
import { packBuffers } from '../../shared/wireBuffers';

export const VIEW_TYPE = 'headlight.attention';

export interface PanelHost {
  readonly extensionUri: vscode.Uri;
  readonly log: vscode.LogOutputChannel;
  readonly session: AttentionSession;
  /** The user asked for a PNG or a matrix from the panel's own buttons. */
  exportPng(chart: ChartId, bytes: Uint8Array): Promise<void>;
  exportMatrix(message: Extract<FromPanelMessage, { type: 'exportMatrix' }>): Promise<void>;
  /** The user asked for the focused head's heatmap as SVG (written from the host's numbers). */
  exportSvg(chart: SvgChartId): Promise<void>;
  pickWeightsFile(): Promise<void>;
  /** The model views' messages (src/shared/protocol/model.ts), for the model source (src/host/model/); unset: none is loaded. */
  modelMessage?(message: ModelFromPanelMessage): void | Promise<void>;
  /** The unknown-words offer (src/host/trainedDefaults.ts); unset: none is made. */
  readonly unknownWords?: {
    offer(): UnknownWordsOffer | undefined;
    choose(choice: UnknownWordsChoice): Promise<void>;
    readonly onDidChangeOffer: vscode.Event<void>;
  };
}

interface PendingCapture {
  readonly resolve: (bytes: Uint8Array) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

const CAPTURE_TIMEOUT_MS = 15_000;

/**
 * Pictures up to this size travel in the page's HTML (a few tens of kB of base64 at most: the
 * 32 × 32 weights and scores of the focused head, 16 thumbnails, the softmax row, the plot).
 */
const BOOT_MAX_TOKENS = 32;
const BOOT_MAX_HEADS = 16;

export class AttentionPanel extends Disposable {
  private readonly closed = this.register(new vscode.EventEmitter<void>());
  /** Fires once, when the user closes the panel (or it is disposed). */
  readonly onDidClose = this.closed.event;
  private readonly readyChanged = this.register(new vscode.EventEmitter<boolean>());
  private readonly initSent = this.register(new vscode.EventEmitter<void>());
  /**
   * Fires after each `init` answering the webview's `ready` (a new page, one recreated after the
   * panel was hidden, or after a reload): what follows it reaches a page that has its state.
   */
  readonly onDidSendInit = this.initSent.event;
  private webviewReady = false;
  private nextCaptureId = 1;
  private readonly captures = new Map<number, PendingCapture>();
  /** Messages received that failed validation (the test API reads it). */
  rejectedMessages = 0;
  private panelGone = false;
  /** The snapshot the page's HTML carries, if any. */
  private booted: PanelSnapshot | undefined;
  private loaded = false;

  /**
   * A new panel beside the editor. `load: false` leaves its page for a `load()` call: the
   * workbench can start creating the panel while the host builds what the page carries.
   */
  static create(host: PanelHost, load = true): AttentionPanel {
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPE,
      'Attention',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { ...webviewOptions(host.extensionUri), retainContextWhenHidden: false },
    );
    const created = new AttentionPanel(panel, host);
    if (load) created.load();
    return created;
  }

  /** Adopts a panel VS Code restored after a reload (WebviewPanelSerializer). */
  static revive(panel: vscode.WebviewPanel, host: PanelHost): AttentionPanel {
    const revived = new AttentionPanel(panel, host);
    revived.load();
    return revived;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly host: PanelHost,
  ) {
    super();
    panel.iconPath = vscode.Uri.joinPath(host.extensionUri, 'media', 'icon.png');
    panel.webview.options = webviewOptions(host.extensionUri);
    this.register(panel.webview.onDidReceiveMessage((data: unknown) => this.receive(data)));
    this.register(
      panel.onDidChangeViewState(() => {
        // A hidden panel's webview is destroyed (no retainContextWhenHidden); it says `ready` again when shown.
        if (!panel.visible) this.setReady(false);
      }),
    );
    this.register(host.session.onDidChange((event) => this.follow(event)));
    if (host.unknownWords) this.register(host.unknownWords.onDidChangeOffer(() => this.postOffer()));
    this.register(
      panel.onDidDispose(() => {
        // The WebviewPanel is gone: nothing may touch it (title, html, postMessage) from here on.
        this.panelGone = true;
        this.setReady(false);
        this.closed.fire();
        this.dispose();
      }),
    );
    this.register({
      dispose: () => {
        for (const [, pending] of this.captures) {
          clearTimeout(pending.timer);
          pending.reject(new Error('the attention panel was closed'));
        }
        this.captures.clear();
      },
    });
    this.updateTitle();
  }

  /** Sets the panel's page, with the session's picture in it when it is ready and small (bootInit). */
  load(): void {
    if (this.disposed || this.loaded) return;
    this.loaded = true;
    this.panel.webview.html = webviewHtml(this.panel.webview, this.host.extensionUri, 'attention', this.bootInit());
  }

  get ready(): boolean {
    return this.webviewReady && !this.disposed;
  }

  get visible(): boolean {
    return !this.disposed && this.panel.visible;
  }

  get disposed(): boolean {
    return this.isDisposed || this.panelGone;
  }

  reveal(): void {
    if (!this.disposed) this.panel.reveal(undefined, true);
  }

  /** Resolves when the webview has said `ready` (revealing the panel if it is hidden). */
  async whenReady(timeoutMs = 15_000): Promise<void> {
    if (this.ready) return;
    this.reveal();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        listener.dispose();
        reject(new Error('the attention panel did not load in time'));
      }, timeoutMs);
      const listener = this.readyChanged.event((ready) => {
        if (!ready) return;
        clearTimeout(timer);
        listener.dispose();
        resolve();
      });
    });
  }

  /** Asks the webview for a PNG of `chart`. */
  async capture(chart: ChartId): Promise<Uint8Array> {
    await this.whenReady();
    const requestId = this.nextCaptureId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.captures.delete(requestId);
        reject(new Error(`the panel did not answer the export of ${chart} in time`));
      }, CAPTURE_TIMEOUT_MS);
      this.captures.set(requestId, { resolve, reject, timer });
      if (!this.post({ type: 'capture', requestId, chart })) {
        clearTimeout(timer);
        this.captures.delete(requestId);
        reject(new Error('the attention panel is not available'));
      }
    });
  }

  /** Posts to the webview; refused (false) before `ready` and after dispose. */
  post(message: ToPanelMessage): boolean {
    if (!this.ready) return false;
    // A model's picture names its own text in the tab, not the last embeddings picture's words.
    if (message.type === 'modelSnapshot' || message.type === 'modelStart') {
      this.modelText = message.type === 'modelSnapshot' ? message.snapshot.text : message.start.text;
      this.setTitle(this.modelText);
    }
    // Over ~250 ArrayBuffers VS Code's RPC loses the rest: packBuffers sends them as one.
    void this.panel.webview.postMessage(packBuffers(message)).then(
      (delivered) => {
        if (!delivered) this.host.log.debug(`attention panel: "${message.type}" not delivered (webview hidden)`);
      },
      (error: unknown) => this.host.log.warn(`attention panel: posting "${message.type}" failed: ${String(error)}`),
    );
    return true;
  }

  private setReady(ready: boolean): void {
    if (this.webviewReady === ready) return;
    this.webviewReady = ready;
    this.readyChanged.fire(ready);
  }

  /** The text of the model picture last posted, until an embeddings picture replaces it. */
  private modelText: string | undefined;

  private updateTitle(): void {
    if (this.disposed) return;
    const tokens = this.host.session.tokens;
    // Display forms: a right-to-left override in a token must not reorder the tab title.
    // No embeddings picture: the model's text, when one was shown, names the tab.
    if (tokens.length === 0 && this.modelText !== undefined) return this.setTitle(this.modelText);
    this.modelText = undefined;
    this.setTitle(tokens.map((t) => displayToken(t)).join(' '));
  }

  private setTitle(text: string): void {
    if (this.disposed) return;
    const shown = displayToken(text.replace(/\s+/g, ' ').trim(), 64);
    this.panel.title = shown.length === 0 ? 'Attention' : `Attention: ${shown.length > 32 ? `${shown.slice(0, 31)}…` : shown}`;
  }

  /** The session's whole state as an `init` (with the milestones of the Show Attention in progress). */
  private initMessage(milestone: 'init' | 'boot'): InitMessage {
    const session = this.host.session;
    const snapshot = session.snapshot();
    const status = snapshot ? 'ready' : session.status === 'error' ? 'error' : 'empty';
    const timings = session.milestones;
    if (timings) {
      timings[milestone] = epochMs();
      // Handed over once, with the picture they lead to.
      if (snapshot) session.milestones = undefined;
    }
    return {
      type: 'init',
      status,
      snapshot,
      message: snapshot ? '' : session.message,
      options: session.options,
      printValuesUpTo: readPrintValuesUpTo(),
      weightsLabel: session.weightsLabel,
      ...(timings ? { timings: { ...timings } } : {}),
      ...(snapshot && snapshot === this.booted ? { sameAsBoot: true } : {}),
    };
  }

  /**
   * The `init` for the page's HTML when the picture is already computed and small (see
   * bootPayload in the protocol): the webview draws it before its `ready` has even reached us.
   */
  private bootInit(): unknown {
    const session = this.host.session;
    const snapshot = session.status === 'ready' ? session.snapshot() : undefined;
    if (!snapshot || snapshot.tokens.length > BOOT_MAX_TOKENS || snapshot.model.heads > BOOT_MAX_HEADS) return undefined;
    const init = this.initMessage('boot');
    this.booted = snapshot;
    return bootPayload(init);
  }

  private sendInit(): void {
    const session = this.host.session;
    this.post(this.initMessage('init'));
    this.postOffer();
    if (session.status === 'computing') this.post({ type: 'computing', active: true });
  }

  /** After every picture (and init): the page shows the offer that belongs to it, or none. */
  private postOffer(): void {
    const offers = this.host.unknownWords;
    if (!offers) return;
    const offer = offers.offer();
    this.post(offer ? { type: 'unknownWords', offer } : { type: 'unknownWords' });
  }

  private follow(event: SessionEvent): void {
    const session = this.host.session;
    switch (event.kind) {
      case 'computing':
        this.post({ type: 'computing', active: event.active });
        break;
      case 'snapshot': {
        const started = performance.now();
        const snapshot = session.snapshot();
        if (snapshot) {
          const timings = session.milestones;
          if (timings) timings.snapshot = epochMs();
          if (this.post({ type: 'snapshot', snapshot, ...(timings ? { timings: { ...timings } } : {}) })) session.milestones = undefined;
          this.host.log.debug(
            `timing: snapshot of ${snapshot.tokens.length} tokens × ${snapshot.model.heads} heads built and posted in ${Math.round(performance.now() - started)} ms, at ${Date.now()} (epoch ms)`,
          );
          this.postOffer();
        }
        this.updateTitle();
        break;
      }
      case 'head': {
        const head = session.headView();
        const row = session.rowView();
        if (head && row) this.post({ type: 'head', head, row });
        break;
      }
      case 'row': {
        const row = session.rowView();
        if (row) this.post({ type: 'row', row });
        break;
      }
      case 'plot': {
        const plot = session.plotView();
        if (plot) this.post({ type: 'plot', plot });
        break;
      }
      case 'options':
        this.post({ type: 'options', options: session.options, weightsLabel: session.weightsLabel });
        break;
      case 'cleared':
        this.sendInit();
        this.updateTitle();
        break;
      case 'error':
        this.post({ type: 'error', message: event.message });
        break;
      default:
        assertNever(event, 'session event');
    }
  }

  private receive(data: unknown): void {
    const checked = validateFromPanel(data);
    if (!checked.ok) {
      this.rejectedMessages++;
      this.host.log.warn(`attention panel: ignored a message: ${checked.reason}`);
      return;
    }
    this.handle(checked.message).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      this.host.log.error(`attention panel: "${checked.message.type}" failed: ${message}`);
      void vscode.window.showErrorMessage(`Headlight: ${message}`);
    });
  }

  private async handle(message: FromPanelMessage): Promise<void> {
    const session = this.host.session;
    switch (message.type) {
      case 'ready':
        if (this.host.session.milestones) this.host.session.milestones.ready = epochMs();
        this.setReady(true);
        this.sendInit();
        this.initSent.fire();
        break;
      case 'setOptions':
        await session.setOptions(message.options).catch(() => undefined); // the error is shown in the panel
        break;
      case 'pickWeightsFile':
        await this.host.pickWeightsFile();
        break;
      case 'focusHead':
        session.focusHead(message.head);
        break;
      case 'selectRow':
        session.selectRow(message.row);
        break;
      case 'setProjection':
        session.setProjection(message.projection);
        break;
      case 'requestWeights': {
        const weights = session.weights(message.head);
        if (weights) this.post({ type: 'weights', head: message.head, matrices: weights.matrices, unavailable: weights.unavailable });
        break;
      }
      case 'exportImage':
        await this.host.exportPng(message.chart, pngBytesFromDataUrl(message.dataUrl));
        break;
      case 'exportMatrix':
        await this.host.exportMatrix(message);
        break;
      case 'exportSvg':
        await this.host.exportSvg(message.chart);
        break;
      case 'captured': {
        const pending = this.captures.get(message.requestId);
        if (!pending) break;
        this.captures.delete(message.requestId);
        clearTimeout(pending.timer);
        try {
          pending.resolve(pngBytesFromDataUrl(message.dataUrl));
        } catch (error) {
          pending.reject(error instanceof Error ? error : new Error(String(error)));
        }
        break;
      }
      case 'captureFailed': {
        const pending = this.captures.get(message.requestId);
        if (!pending) break;
        this.captures.delete(message.requestId);
        clearTimeout(pending.timer);
        pending.reject(new Error(message.reason));
        break;
      }
      case 'chooseUnknownWords':
        if (this.host.unknownWords) await this.host.unknownWords.choose(message.choice);
        else this.host.log.debug('attention webview: chooseUnknownWords with no offer made');
        break;
      case 'log':
        if (message.level === 'error') this.host.log.error(`attention webview: ${message.message}`);
        else if (message.level === 'warn') this.host.log.warn(`attention webview: ${message.message}`);
        else if (message.level === 'debug') this.host.log.debug(`attention webview: ${message.message}`);
        else this.host.log.info(`attention webview: ${message.message}`);
        break;
      case 'focusModelHead':
      case 'selectModelQuery':
      case 'setRolloutLayer':
      case 'requestLayerHeads':
      case 'setModelViewOptions':
      case 'hoverToken':
      case 'appendToken':
        if (this.host.modelMessage) await this.host.modelMessage(message);
        else this.host.log.debug(`attention webview: ${message.type} with no model loaded`);
        break;
      default:
        assertNever(message);
    }
  }
}

function readPrintValuesUpTo(): number {
  const value = vscode.workspace.getConfiguration('headlight.attention').get<unknown>('printValuesUpTo');
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 32 ? value : 16;
}
