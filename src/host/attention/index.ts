/**
 * "Show Attention" and everything around it: the panel, the Heads view, head stepping, exports.
 * Wiring only; the state lives in AttentionSession, the pictures in the webviews, the math in core.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FeatureContext } from '../featureContext';
import type { Measure } from '../../core/types';
import {
  CHART_IDS,
  EMBEDDING_CHART_IDS,
  MATRIX_IDS,
  MODEL_CHART_IDS,
  epochMs,
  validatePersistedState,
  type ChartId,
  type ExportFormat,
  type MatrixId,
  type PanelOptions,
  type Projection,
  type SourceKind,
} from '../../shared/protocol';
import { MATRIX_LABELS } from '../../shared/viewModel';
import { matrixToCsv } from '../../shared/exportFormat';
import { heatmapSvgChunks, type HeatmapSvgInput } from '../../shared/heatmapSvg';
import { fromWire } from '../../shared/wire';
import { displayToken } from '../../shared/displayToken';
import { attentionLayerPrefixes } from '../../core/safetensors';
import { AttentionComputer } from './compute';
import { saveExport } from './exporter';
import { HEADS_VIEW_ID, HeadsViewProvider } from './headsView';
import { InputError, requestFromEditor } from './input';
import { AttentionPanel, VIEW_TYPE, type PanelHost } from './panel';
import { AttentionSession, type SessionStatus } from './session';
import { readSettings } from './settings';
import type { ModelFeaturesApi } from '../model';
import { TrainedDefaults } from '../trainedDefaults';

export const ATTENTION_COMMANDS = {
  showAttention: 'headlight.showAttention',
  nextHead: 'headlight.nextHead',
  previousHead: 'headlight.previousHead',
  exportPng: 'headlight.exportPng',
  exportCsv: 'headlight.exportCsv',
  exportJson: 'headlight.exportJson',
  exportSvg: 'headlight.exportSvg',
} as const;

/** A slice of the SVG's encoding before the host's thread is given back (the 50 ms budget). */
const SVG_SLICE_MS = 16;

/**
 * The SVG's pieces as bytes, a slice of pieces at a time: a 512 × 512 head is ~20 MB of text,
 * more than one turn of the extension host's event loop may take.
 */
async function encodeInSlices(chunks: Iterable<string>): Promise<Uint8Array> {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  let total = 0;
  let slice = performance.now();
  for (const chunk of chunks) {
    const bytes = encoder.encode(chunk);
    parts.push(bytes);
    total += bytes.length;
    if (performance.now() - slice > SVG_SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      slice = performance.now();
    }
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Context key true while there is a picture (menus and keybindings of the head commands). */
export const HAS_ATTENTION_CONTEXT = 'headlight.hasAttention';

/** What the panel shows, as the integration tests read it. */
export interface AttentionPanelState {
  readonly status: SessionStatus;
  /** The panel's error or empty-state sentence ('' when ready). */
  readonly message: string;
  readonly tokens: readonly string[];
  readonly words: readonly string[];
  readonly oov: readonly string[];
  readonly setLabel: string;
  readonly heads: number;
  readonly focusedHead: number;
  readonly selectedRow: number;
  readonly measure: Measure;
  readonly source: SourceKind;
  readonly options: PanelOptions;
  readonly d: number;
  readonly dk: number;
  /** The deck's line for the selected row and focused head. */
  readonly softmaxLine: string;
  readonly projection: Projection;
  readonly computeMs: number;
  readonly panelVisible: boolean;
  readonly webviewReady: boolean;
  /** Messages from the panel's webview that failed validation. */
  readonly rejectedMessages: number;
}

export interface AttentionFeaturesApi {
  readonly ready: true;
  readonly commands: typeof ATTENTION_COMMANDS;
  /** undefined while no panel is open. */
  panelState(): AttentionPanelState | undefined;
  /** Focuses head i (0-based) in the panel and the Heads view; false when it does not exist. */
  focusHead(head: number): boolean;
  /** Selects query row i (0-based) for the softmax breakdown. */
  selectRow(row: number): boolean;
  /** Changes some options as the panel's controls would, and waits for the recomputation. */
  setOptions(options: Partial<PanelOptions>): Promise<void>;
  /** Resolves when no computation is in flight. */
  whenIdle(): Promise<void>;
  /** Resolves when the panel's webview has loaded and said `ready`. */
  whenPanelReady(): Promise<void>;
  /** Fires after every change of the picture (new result, head, row, error, closed). */
  readonly onDidChange: vscode.Event<void>;
  headsViewState(): { readonly resolved: boolean; readonly visible: boolean; readonly ready: boolean };
  /** True while a computation worker thread exists (disposal must leave none). */
  hasWorker(): boolean;
  /** Where the last export was written. */
  lastExport(): vscode.Uri | undefined;
}

/** Optional argument of headlight.showAttention for callers without an editor (tests, other extensions). */
export interface ShowAttentionArgs {
  readonly words: readonly string[];
}

function isShowArgs(value: unknown): value is ShowAttentionArgs {
  return typeof value === 'object' && value !== null && Array.isArray((value as { words?: unknown }).words) && (value as { words: unknown[] }).words.every((w) => typeof w === 'string');
}

/**
 * The export commands are usually run from the palette while the panel has focus. When the palette
 * closes, the workbench hands focus back to the panel's webview, and in VS Code for the Web that
 * hand-back lands a moment later (the webview's iframe reports its focus by message): a quick pick
 * opened in between loses focus and closes before the user can choose. It only closes on Escape or
 * a choice; the save dialog that follows already does the same (its `ignoreFocusOut` is set).
 */
const EXPORT_PICK_SURVIVES_FOCUS = true;

const CHART_LABELS: Readonly<Record<ChartId, string>> = {
  heatmap: 'Attention heatmap (focused head)',
  heads: 'All heads (small multiples)',
  softmax: 'Softmax bars of the selected row',
  lines: 'Token lines (focused head)',
  plot: 'Embedding plot (context pulls)',
  weights: 'W_Q, W_K, W_V, W_O of the focused head',
  model: 'Model view (every layer and head)',
  headview: 'Head view (one layer, every head)',
  neuron: 'Neuron view (q, k, q·k of the query)',
  rollout: 'Attention rollout',
};

/**
 * `model`: the real-model source (src/host/model/). While it is active, Show Attention runs the
 * model, the panel's model messages go to it, and exports name the focused layer and head.
 */
export function activateAttentionFeatures(features: FeatureContext, model?: ModelFeaturesApi): AttentionFeaturesApi {
  const { context, log, owner, embeddings } = features;
  const extensionUri = context.extensionUri;
  const computer = new AttentionComputer(path.join(context.extensionPath, 'dist', 'attentionWorker.js'), (m) => log.warn(m));
  owner.add({ dispose: () => computer.dispose() });
  const session = owner.add(new AttentionSession(embeddings, computer, log));
  const changed = owner.add(new vscode.EventEmitter<void>());
  const trained = owner.add(new TrainedDefaults({ context, log, embeddings, session, model }));
  let panel: AttentionPanel | undefined;
  let lastExport: vscode.Uri | undefined;
  // Our side of the panel goes with the extension; the WebviewPanel itself stays for the serializer.
  owner.add({ dispose: () => panel?.dispose() });

  owner.add(
    session.onDidChange((event) => {
      if (event.kind === 'snapshot' || event.kind === 'cleared' || event.kind === 'error') {
        void vscode.commands.executeCommand('setContext', HAS_ATTENTION_CONTEXT, session.hasResult);
      }
      // The panel shows the embeddings' picture now: a reload restores that one, not a model's.
      if (event.kind === 'snapshot') model?.forgetPanel();
      if (event.kind !== 'computing') changed.fire();
    }),
  );

  const host: PanelHost = {
    extensionUri,
    log,
    session,
    exportPng: async (chart, bytes) => {
      const where = await saveExport({
        bytes,
        fileName: model?.exportSuffix() ? `headlight-${chart}${model.exportSuffix()}.png` : `headlight-${chart}-head${session.focusedHead + 1}.png`,
        filters: { 'PNG image': ['png'] },
        title: `Export ${CHART_LABELS[chart]} as PNG`,
      });
      if (where) reportSaved(where);
    },
    modelMessage: (message) => model?.bridge.handle(message),
    unknownWords: trained,
    exportMatrix: async ({ matrix, format }) => {
      await exportMatrixTo(matrix, format, undefined);
    },
    exportSvg: async () => {
      await exportHeatmapSvg(undefined);
    },
    pickWeightsFile: async () => {
      const picked = await vscode.window.showOpenDialog({
        title: 'Attention weights (a PyTorch nn.MultiheadAttention state_dict)',
        canSelectMany: false,
        filters: { Safetensors: ['safetensors'] },
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      });
      const uri = picked?.[0];
      if (!uri) return;
      // A model's weights hold one attention block per layer: ask which one.
      let layers: string[] = [];
      try {
        layers = attentionLayerPrefixes(await vscode.workspace.fs.readFile(uri));
      } catch {
        // Unreadable or malformed: setWeightsFile's recomputation reports why, in the panel.
      }
      let layer: string | undefined;
      if (layers.length > 1) {
        const chosen = await vscode.window.showQuickPick(
          layers.map((prefix) => ({ label: prefix || '(top level)', prefix, description: `${prefix}in_proj_weight …` })),
          { title: `${path.posix.basename(uri.path)} holds ${layers.length} attention layers`, placeHolder: 'The layer whose W_Q, W_K, W_V, W_O to show' },
        );
        if (!chosen) return;
        layer = chosen.prefix;
      }
      await session.setWeightsFile(uri, layer).catch(() => undefined);
    },
  };

  function reportSaved(where: vscode.Uri): void {
    lastExport = where;
    log.info(`attention: exported ${where.toString()}`);
    void vscode.window.showInformationMessage(`Headlight: saved ${path.posix.basename(where.path)}`, 'Reveal').then((choice) => {
      if (choice === 'Reveal') void vscode.commands.executeCommand('revealFileInOS', where);
    });
  }

  function adopt(next: AttentionPanel): AttentionPanel {
    panel = next;
    model?.bridge.attach((message) => next.post(message));
    // The model's picture goes to every page the panel gets, after its `init` (which speaks only
    // for the embeddings): the first, and each one recreated when the hidden panel is shown again
    // (no retainContextWhenHidden), with the (layer, head) the session has now.
    if (model) next.onDidSendInit(() => panel === next && model.bridge.attach((message) => next.post(message)));
    next.onDidClose(() => {
      if (panel === next) panel = undefined;
      model?.bridge.attach(undefined);
      model?.forgetPanel();
      // A closed panel stops its computation, empties the Heads view and ends the warm worker
      // (the next Show Attention starts a new one).
      session.clear();
      computer.release();
    });
    return next;
  }

  /** The panel, revealed; a new one when none is open (its page set at once unless `load` is false). */
  function ensurePanel(load = true): AttentionPanel {
    if (panel && !panel.disposed) {
      panel.reveal();
      return panel;
    }
    return adopt(AttentionPanel.create(host, load));
  }

  async function showAttention(arg?: unknown): Promise<void> {
    if (model && !isShowArgs(arg) && (await model.showAttention(() => ensurePanel()))) return;
    const commandAt = Date.now();
    const milestones: Record<string, number> = { command: epochMs() };
    const settings = readSettings();
    const abort = new AbortController();
    try {
      let request;
      if (isShowArgs(arg)) {
        if (arg.words.length > settings.maxTokens) {
          throw new InputError(`The input has ${arg.words.length} tokens; Headlight attends over at most ${settings.maxTokens} (setting headlight.attention.maxTokens).`);
        }
        const active = await embeddings.get();
        request = { words: arg.words, set: { label: active.label, setUri: '', store: active.store } };
        trained.forgetEditor();
      } else {
        const editor = vscode.window.activeTextEditor;
        if (!editor) {
          void vscode.window.showInformationMessage('Headlight: open a text file and select a sentence, then run Show Attention.');
          return;
        }
        // The previous picture's computation is stale as soon as a new one is asked for.
        session.cancel();
        request = await requestFromEditor(editor, embeddings, settings, abort.signal);
        trained.noteEditor(editor);
      }
      log.debug(`timing: Show Attention at ${commandAt} (epoch ms), ${request.words.length} words read and looked up in ${Date.now() - commandAt} ms`);
      milestones.input = epochMs();
      const isNew = !panel || panel.disposed;
      const started = performance.now();
      const showing = session.show(request, milestones);
      if (isNew) {
        // A sentence is computed in-process before the next turn of the event loop: a panel
        // whose page is set after that carries the picture in its HTML and paints without
        // waiting for the ready → init round trip. A long input goes to the worker: the panel is
        // created at once, while it computes.
        await Promise.race([showing.catch(() => undefined), new Promise((resolve) => setImmediate(resolve))]);
        const created = ensurePanel(false);
        milestones.panelCreated = epochMs();
        // The extension host sends its messages to the workbench in batches, on a timer: let the
        // creation go out before building the page (the workbench needs the page only after it
        // has created the panel's frames, a good hundred milliseconds later).
        await new Promise((resolve) => setTimeout(resolve, 0));
        created.load();
      } else {
        ensurePanel();
        milestones.panelRevealed = epochMs();
      }
      await showing;
      log.info(`showAttention: ${request.words.length} words looked up, computed and posted in ${Math.round(performance.now() - started)} ms`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof InputError) {
        // The user's input, not our fault: a warning without a stack, and in the log too.
        log.warn(`showAttention: ${message}`);
        void vscode.window.showWarningMessage(`Headlight: ${message}`);
      } else if (!(error instanceof Error && error.name === 'CancelledError')) {
        log.error(`showAttention: ${error instanceof Error && error.stack ? error.stack : message}`);
        void vscode.window.showErrorMessage(`Headlight: ${message}`);
      }
    }
  }

  async function exportMatrixTo(matrix: MatrixId, format: ExportFormat, target: vscode.Uri | undefined): Promise<void> {
    const exported = session.exportMatrix(matrix, format);
    const where = await saveExport({
      bytes: new TextEncoder().encode(exported.text),
      fileName: exported.fileName,
      filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
      title: `Export ${MATRIX_LABELS[matrix]} as ${format.toUpperCase()}`,
      target,
    });
    if (where) reportSaved(where);
  }

  /** The focused head's weights as the panel's heatmap shows them: a model's (over units), or the embeddings'. */
  function heatmapSvgInput(): { input: HeatmapSvgInput; fileName: string } | undefined {
    if (model?.exportSuffix()) {
      const input = model.heatmapSvgInput();
      return input ? { input, fileName: `headlight-heatmap${model.exportSuffix()}.svg` } : undefined;
    }
    const head = session.headView();
    if (!head) return undefined;
    const labels = session.tokens.map((t) => displayToken(t));
    return {
      input: { title: `Attention weights — head ${head.index + 1} (query × key)`, rows: labels, cols: labels, weights: fromWire(head.weights).data },
      fileName: `headlight-heatmap-head${head.index + 1}.svg`,
    };
  }

  /** Export Heatmap as SVG: through saveExport, so an existing file is replaced only by the save dialog. */
  async function exportHeatmapSvg(target: vscode.Uri | undefined): Promise<vscode.Uri | undefined> {
    const picture = heatmapSvgInput();
    if (!picture) throw new Error('Nothing to export yet: run “Headlight: Show Attention” first.');
    const bytes = await encodeInSlices(heatmapSvgChunks(picture.input));
    const where = await saveExport({ bytes, fileName: picture.fileName, filters: { 'SVG image': ['svg'] }, title: 'Export the attention heatmap as SVG', target });
    if (where) reportSaved(where);
    return where;
  }

  /** With a model shown, CSV is the focused head's weights as the heatmap shows them (over units). */
  async function exportModelHeadCsv(target: vscode.Uri | undefined): Promise<void> {
    const picture = model?.heatmapSvgInput();
    if (!model || !picture) throw new Error('Nothing to export yet: run “Headlight: Show Attention” first.');
    const text = matrixToCsv({
      name: picture.title, corner: 'query \\ key', rowLabels: picture.rows, colLabels: picture.cols,
      matrix: { rows: picture.rows.length, cols: picture.cols.length, data: Float32Array.from(picture.weights) },
    });
    const where = await saveExport({
      bytes: new TextEncoder().encode(text), fileName: `headlight-weights${model.exportSuffix()}.csv`,
      filters: { CSV: ['csv'] }, title: `Export ${picture.title} as CSV`, target,
    });
    if (where) reportSaved(where);
  }

  async function exportMatrixCommand(format: ExportFormat, target?: unknown, which?: unknown): Promise<void> {
    if (model?.exportSuffix() && format === 'csv') {
      try {
        await exportModelHeadCsv(target instanceof vscode.Uri ? target : undefined);
      } catch (error) {
        void vscode.window.showErrorMessage(`Headlight: ${error instanceof Error ? error.message : String(error)}`);
        if (target instanceof vscode.Uri) throw error;
      }
      return;
    }
    if (model?.exportSuffix() && format === 'json') {
      // A model's JSON export is its whole attention stack, in the CLI's shape.
      try {
        const where = await model.exportStack(target instanceof vscode.Uri ? target : undefined);
        if (where) reportSaved(where);
      } catch (error) {
        void vscode.window.showErrorMessage(`Headlight: ${error instanceof Error ? error.message : String(error)}`);
        if (target instanceof vscode.Uri) throw error;
      }
      return;
    }
    try {
      if (!session.hasResult) throw new Error('Nothing to export yet: run “Headlight: Show Attention” first.');
      let matrix: MatrixId | undefined = typeof which === 'string' && (MATRIX_IDS as readonly string[]).includes(which) ? (which as MatrixId) : undefined;
      const uri = target instanceof vscode.Uri ? target : undefined;
      if (!matrix && !uri) {
        const lesson = session.options.source === 'lesson';
        const items = MATRIX_IDS.filter((id) => !(lesson && id.startsWith('w') && id !== 'weights')).map((id) => ({ label: MATRIX_LABELS[id], id }));
        matrix = (await vscode.window.showQuickPick(items, { title: `Export as ${format.toUpperCase()}`, placeHolder: 'Which matrix?', ignoreFocusOut: EXPORT_PICK_SURVIVES_FOCUS }))?.id;
        if (!matrix) return;
      }
      await exportMatrixTo(matrix ?? 'weights', format, uri);
    } catch (error) {
      void vscode.window.showErrorMessage(`Headlight: ${error instanceof Error ? error.message : String(error)}`);
      if (target instanceof vscode.Uri) throw error;
    }
  }

  owner.add(vscode.commands.registerCommand(ATTENTION_COMMANDS.showAttention, (arg?: unknown) => showAttention(arg)));
  // With a model shown, heads are walked across layers (src/host/model); else the session's heads.
  owner.add(vscode.commands.registerCommand(ATTENTION_COMMANDS.nextHead, () => (model?.stepHead(1) ? undefined : void session.stepHead(1))));
  owner.add(vscode.commands.registerCommand(ATTENTION_COMMANDS.previousHead, () => (model?.stepHead(-1) ? undefined : void session.stepHead(-1))));
  owner.add(
    vscode.commands.registerCommand(ATTENTION_COMMANDS.exportPng, async (target?: unknown, which?: unknown) => {
      try {
        // A model's picture is the model source's (src/host/model), not the embeddings session's.
        const modelShown = (model?.exportSuffix() ?? '') !== '';
        if (!session.hasResult && !modelShown) throw new Error('Nothing to export yet: run “Headlight: Show Attention” first.');
        const uri = target instanceof vscode.Uri ? target : undefined;
        let chart: ChartId | undefined = typeof which === 'string' && (CHART_IDS as readonly string[]).includes(which) ? (which as ChartId) : undefined;
        if (!chart && !uri) {
          const shown = CHART_IDS.filter((id) => !(modelShown ? EMBEDDING_CHART_IDS : MODEL_CHART_IDS).includes(id));
          chart = (await vscode.window.showQuickPick(shown.map((id) => ({ label: CHART_LABELS[id], id })), { title: 'Export as PNG', placeHolder: 'Which chart?', ignoreFocusOut: EXPORT_PICK_SURVIVES_FOCUS }))?.id;
          if (!chart) return;
        }
        chart ??= 'heatmap';
        const current = panel && !panel.disposed ? panel : ensurePanel();
        const bytes = await current.capture(chart);
        const where = await saveExport({
          bytes,
          fileName: model?.exportSuffix() ? `headlight-${chart}${model.exportSuffix()}.png` : `headlight-${chart}-head${session.focusedHead + 1}.png`,
          filters: { 'PNG image': ['png'] },
          title: `Export ${CHART_LABELS[chart]} as PNG`,
          target: uri,
        });
        if (where) reportSaved(where);
      } catch (error) {
        void vscode.window.showErrorMessage(`Headlight: ${error instanceof Error ? error.message : String(error)}`);
        if (target instanceof vscode.Uri) throw error;
      }
    }),
  );
  owner.add(vscode.commands.registerCommand(ATTENTION_COMMANDS.exportCsv, (target?: unknown, which?: unknown) => exportMatrixCommand('csv', target, which)));
  owner.add(vscode.commands.registerCommand(ATTENTION_COMMANDS.exportJson, (target?: unknown, which?: unknown) => exportMatrixCommand('json', target, which)));
  owner.add(
    vscode.commands.registerCommand(ATTENTION_COMMANDS.exportSvg, async (target?: unknown) => {
      try {
        return await exportHeatmapSvg(target instanceof vscode.Uri ? target : undefined);
      } catch (error) {
        void vscode.window.showErrorMessage(`Headlight: ${error instanceof Error ? error.message : String(error)}`);
        if (target instanceof vscode.Uri) throw error;
        return undefined;
      }
    }),
  );

  owner.add(
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      deserializeWebviewPanel: async (restored: vscode.WebviewPanel, state: unknown) => {
        if (panel && !panel.disposed) {
          // Only one attention panel: a second restored one (should not happen) is closed.
          restored.dispose();
          return;
        }
        adopt(AttentionPanel.revive(restored, host));
        // A model's picture is the host's to restore (the page persists only the embeddings').
        if (model && (await model.restorePanel())) return;
        const checked = validatePersistedState(state);
        if (!checked.ok) {
          if (state !== undefined && state !== null) log.warn(`attention: could not restore the panel: ${checked.reason}`);
          return;
        }
        await session.restore(checked.message).catch((error: unknown) => log.warn(`attention: restoring the panel failed: ${String(error)}`));
      },
    }),
  );

  const heads = owner.add(new HeadsViewProvider(extensionUri, session, log, () => vscode.commands.executeCommand(ATTENTION_COMMANDS.showAttention), model));
  owner.add(vscode.window.registerWebviewViewProvider(HEADS_VIEW_ID, heads, { webviewOptions: { retainContextWhenHidden: false } }));

  return {
    ready: true,
    commands: ATTENTION_COMMANDS,
    panelState: () => {
      if (!panel || panel.disposed) return undefined;
      const snapshot = session.snapshot();
      const row = session.rowView();
      return {
        status: session.status,
        message: session.message,
        tokens: snapshot?.tokens ?? [],
        words: snapshot?.words.map((w) => w.text) ?? [],
        oov: snapshot?.oov ?? [],
        setLabel: snapshot?.setLabel ?? '',
        heads: snapshot?.model.heads ?? 0,
        focusedHead: session.focusedHead,
        selectedRow: session.selectedRow,
        measure: session.options.measure,
        source: session.options.source,
        options: session.options,
        d: snapshot?.model.d ?? 0,
        dk: snapshot?.model.dk ?? 0,
        softmaxLine: row?.line ?? '',
        projection: session.projection,
        computeMs: snapshot?.computeMs ?? 0,
        panelVisible: panel.visible,
        webviewReady: panel.ready,
        rejectedMessages: panel.rejectedMessages,
      };
    },
    focusHead: (head) => session.focusHead(head),
    selectRow: (row) => session.selectRow(row),
    setOptions: (options) => session.setOptions({ ...session.options, ...options }).catch(() => undefined),
    whenIdle: () => session.whenIdle(),
    whenPanelReady: () => (panel ? panel.whenReady() : Promise.reject(new Error('no attention panel is open'))),
    onDidChange: changed.event,
    headsViewState: () => heads.state(),
    hasWorker: () => computer.hasWorker,
    lastExport: () => lastExport,
  };
}
