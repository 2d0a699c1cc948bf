/**
 * Real models in the editor: Open Model… (the Hugging Face cache, the workspace's model folders,
 * Browse…), the explorer's "Open as Attention Model", the headlight.model.path setting, the
 * status bar entry of the active attention source, Next/Previous Layer, and the editor half of
 * token linking. Wiring only: the state is ModelSession's, the math core's, the pictures the
 * panel's. Show Attention (src/host/attention/index.ts) hands over to `showAttention` here while
 * a model is the active source.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FeatureContext } from '../featureContext';
import { sentenceAround } from '../../emb/tokenize';
import { describeModelFolder, findModelFolders, formatBytes, hubCacheDirs, listHubModels } from '../../model/hubCache';
import { headLabel, type ModelInfo, type ModelSnapshot, type ModelThumb, type ModelViewOptions } from '../../shared/modelView';
import type { WireThumb } from '../../shared/protocol';
import { displayToken } from '../../shared/displayToken';
import type { HeatmapSvgInput } from '../../shared/heatmapSvg';
import { CancelledError } from './client';
import { ModelPanelBridge } from './panelBridge';
import { ModelSession, ModelTooLargeError, modelNameOf, type TextOrigin } from './session';
import { readSavedPicture, type SavedPicture } from './savedPicture';

export const MODEL_COMMANDS = {
  openModel: 'headlight.openModel',
  openModelFolder: 'headlight.openModelFolder',
  nextLayer: 'headlight.nextLayer',
  previousLayer: 'headlight.previousLayer',
  switchSource: 'headlight.switchAttentionSource',
} as const;

/** True while a model result is shown (the layer commands' menus and keys). */
export const HAS_MODEL_ATTENTION_CONTEXT = 'headlight.hasModelAttention';
/** The workspace folders that are model folders (the explorer menu's `resourcePath in …`). */
export const MODEL_FOLDERS_CONTEXT = 'headlight.modelFolders';

export const DEFAULT_MAX_MEMORY_MB = 4096;

export interface ModelSettings {
  readonly path: string;
  readonly maxMemoryMB: number;
}

export function readModelSettings(): ModelSettings {
  const config = vscode.workspace.getConfiguration('headlight.model');
  const max = config.get<number>('maxMemoryMB', DEFAULT_MAX_MEMORY_MB);
  return { path: config.get<string>('path', '').trim(), maxMemoryMB: Number.isFinite(max) && max > 0 ? max : DEFAULT_MAX_MEMORY_MB };
}

/** One entry of Open Model…'s list. */
export interface ModelChoice {
  readonly label: string;
  readonly description: string;
  readonly detail?: string;
  readonly dir: string;
  readonly name: string;
  readonly group: 'hub' | 'workspace';
}

/** What the integration tests read. */
export interface ModelPanelState {
  readonly info: ModelInfo | undefined;
  readonly active: boolean;
  readonly snapshot: ModelSnapshot | undefined;
  readonly layer: number;
  readonly head: number;
  readonly query: number | undefined;
  readonly rolloutUpTo: number | undefined;
  readonly options: ModelViewOptions;
  readonly message: string;
  readonly statusText: string;
  /** The editor range the hovered unit is decorated with, as [start, end] document offsets. */
  readonly decorated: readonly [number, number] | undefined;
  /** The unit last sent to the panel as highlightToken. */
  readonly highlighted: number | null;
  readonly loadMs: number;
  readonly threads: number;
}

export interface ModelFeaturesApi {
  readonly commands: typeof MODEL_COMMANDS;
  /** A model is the active attention source: Show Attention runs it. */
  isActive(): boolean;
  state(): ModelPanelState;
  /** Opens a model folder as Open Model… would after the pick (with progress). */
  open(dir: string): Promise<ModelInfo | undefined>;
  /** The entries Open Model… lists (before Browse…). */
  choices(): Promise<ModelChoice[]>;
  /** Show Attention on the active editor with the model (`reveal` opens the panel); false when no model is active. */
  showAttention(reveal?: () => void): Promise<boolean>;
  focusHead(layer: number, head: number): Promise<boolean>;
  /** Next/previous head across layers while a model result is shown; undefined (nothing done) otherwise. */
  stepHead(step: 1 | -1): Promise<boolean> | undefined;
  selectQuery(token: number): Promise<boolean>;
  setRolloutLayer(upTo: number): Promise<boolean>;
  setOptions(options: Partial<ModelViewOptions>): Promise<void>;
  appendToken(id: number): Promise<void>;
  /** As if the panel reported a hover on `unit` (null: none). */
  hoverUnit(unit: number | null): void;
  /** The embeddings become the source again (the model stays loaded). */
  useEmbeddings(): void;
  /** The whole attention stack in the CLI's JSON shape. */
  stackJson(): Promise<string>;
  /** The focused head's weights over units with their labels, for Export Heatmap as SVG; undefined when no model result is shown. */
  heatmapSvgInput(): HeatmapSvgInput | undefined;
  /** "-L3H5": what export file names carry while a model is shown; '' otherwise. */
  exportSuffix(): string;
  exportStack(target?: vscode.Uri): Promise<vscode.Uri | undefined>;
  /**
   * After a window reload, for the restored attention panel: the model picture it last showed
   * (folder, text, layer, head, query, rollout depth, unit options; kept in workspaceState) runs
   * again. False when the panel last showed the embeddings, or the model cannot be opened.
   */
  restorePanel(): Promise<boolean>;
  /** The panel shows the embeddings now (or closed): a reload must not bring the model back. */
  forgetPanel(): void;
  /** The Heads side view's list while a model result is shown: every layer's heads in order (L1H1 … L1Hh, L2H1 …). */
  headsForView(): { thumbs: WireThumb[]; focusedHead: number; tokens: number; label: string; layers: number } | undefined;
  /** Focuses head `index` of that list; false when no model result is shown. */
  focusFlatHead(index: number): boolean;
  readonly bridge: ModelPanelBridge;
  whenIdle(): Promise<void>;
  hasWorker(): boolean;
  readonly onDidChange: vscode.Event<void>;
}

/** What restorePanel runs again after a reload (workspaceState, so per workspace). */
const PANEL_PICTURE_KEY = 'headlight.model.panelPicture';

/** A model thumbnail (absolute: 255 = weight 1) as the Heads view draws one (255 = the head's largest weight). */
export function relativeThumb(thumb: ModelThumb): WireThumb {
  const src = new Uint8Array(thumb.data);
  const out = new Uint8Array(src.length);
  const scale = thumb.max > 0 ? 1 / thumb.max : 0;
  for (let i = 0; i < src.length; i++) out[i] = Math.min(255, Math.round(src[i]! * scale));
  return { rows: thumb.rows, cols: thumb.cols, data: out.buffer, max: thumb.max };
}

function resolveConfiguredPath(value: string): string | undefined {
  if (!value) return undefined;
  if (value === '~' || value.startsWith('~/')) return path.join(os.homedir(), value.slice(1));
  if (path.isAbsolute(value)) return value;
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? path.join(folder.uri.fsPath, value) : undefined;
}

/** The text Show Attention runs: the selection, or the sentence around the cursor. */
export function textFromEditor(editor: vscode.TextEditor): { text: string; start: number } {
  const document = editor.document;
  const selection = editor.selection;
  if (!selection.isEmpty) {
    const start = document.offsetAt(selection.start);
    return { text: document.getText(selection), start };
  }
  const full = document.getText();
  const around = sentenceAround(full, document.offsetAt(selection.active));
  return { text: full.slice(around.start, around.end), start: around.start };
}

export function activateModelFeatures(features: FeatureContext): ModelFeaturesApi {
  const { context, log, owner, embeddings } = features;
  const session = owner.add(new ModelSession(path.join(context.extensionPath, 'dist', 'modelWorker.js'), log));
  const changed = owner.add(new vscode.EventEmitter<void>());
  const bridge = owner.add(new ModelPanelBridge(session, log));
  let active = false;
  let configuredDir: string | undefined = resolveConfiguredPath(readModelSettings().path);

  const decoration = owner.add(
    vscode.window.createTextEditorDecorationType({
      backgroundColor: new vscode.ThemeColor('editor.findMatchHighlightBackground'),
      borderColor: new vscode.ThemeColor('editor.findMatchBorder'),
      borderStyle: 'solid',
      borderWidth: '1px',
    }),
  );
  let decorated: readonly [number, number] | undefined;
  let highlighted: number | null = null;

  const status = owner.add(vscode.window.createStatusBarItem('headlight.attentionSource', vscode.StatusBarAlignment.Right, 99));
  status.name = 'Headlight Attention Source';
  status.command = { command: MODEL_COMMANDS.switchSource, title: 'Switch Attention Source' };
  const updateStatus = () => {
    if (active && session.info) {
      const info = session.info;
      status.text = `$(circuit-board) ${info.name} ${info.layers}×${info.heads} ${info.dtype}`;
      status.tooltip = `Headlight attention source: the model ${info.name} (${info.type})\n${info.layers} layers × ${info.heads} heads${info.kvHeads !== info.heads ? ` (${info.kvHeads} key/value heads)` : ''}, ${info.dtype}\n${session.dir ?? ''}\n\nClick to switch to the embeddings or another model.`;
    } else {
      status.text = '$(symbol-array) Attention: embeddings';
      status.tooltip = `Headlight attention source: the embeddings${embeddings.peek() ? ` (${embeddings.peek()!.label})` : ''}\n\nClick to open a model instead.`;
    }
    status.accessibilityInformation = { label: status.text.replace(/\$\([^)]*\)\s*/u, 'Headlight attention source: ') };
  };
  updateStatus();
  status.show();
  owner.add(embeddings.onDidChange(updateStatus));

  owner.add(
    session.onDidChange((event) => {
      if (event.kind === 'snapshot' || event.kind === 'closed' || event.kind === 'model') {
        const shown = active && session.snapshot !== undefined;
        void vscode.commands.executeCommand('setContext', HAS_MODEL_ATTENTION_CONTEXT, shown);
        // Next/Previous Head's keys and menus are the attention panel's: they walk the model's heads now.
        if (shown) void vscode.commands.executeCommand('setContext', 'headlight.hasAttention', true);
      }
      if (event.kind === 'model' || event.kind === 'closed') updateStatus();
      if (event.kind === 'highlight') highlighted = event.unit;
      if (event.kind === 'snapshot' || event.kind === 'focus' || event.kind === 'neuron' || event.kind === 'rollout') savePicture();
      // A pass's parts are the panel's (the bridge posts them); the rest follow its result.
      if (event.kind !== 'computing' && event.kind !== 'loading' && event.kind !== 'passStart' && event.kind !== 'passLayers') changed.fire();
    }),
  );

  // ── the panel's picture across a window reload ─────────────────────────────────────────────
  function savePicture(): void {
    const snapshot = session.snapshot;
    if (!active || !snapshot || !session.dir || !session.info) return;
    const saved: SavedPicture = {
      dir: session.dir,
      name: session.info.name,
      text: snapshot.text,
      layer: session.layer,
      head: session.head,
      query: session.query,
      rolloutUpTo: session.rolloutUpTo,
      options: session.options,
      // Where the text is in its document, so linking resumes after a reload (none once edited).
      ...(session.origin ? { origin: { uri: session.origin.uri.toString(), start: session.origin.start, length: session.origin.length } } : {}),
    };
    void context.workspaceState.update(PANEL_PICTURE_KEY, saved);
  }

  function forgetPanel(): void {
    if (context.workspaceState.get(PANEL_PICTURE_KEY) !== undefined) void context.workspaceState.update(PANEL_PICTURE_KEY, undefined);
  }

  async function restorePanel(): Promise<boolean> {
    const read = readSavedPicture(context.workspaceState.get<unknown>(PANEL_PICTURE_KEY));
    if (!read) return false;
    if ('reason' in read) {
      log.warn(`model: the panel's saved picture is ignored: ${read.reason}`);
      forgetPanel();
      return false;
    }
    const saved = read.picture;
    try {
      // A folder moved or deleted since: the panel restores quietly without it.
      if (!(await describeModelFolder(saved.dir).catch(() => undefined))) {
        log.info(`model: ${saved.dir} is no longer a model folder; the panel is not restored with it`);
        forgetPanel();
        return false;
      }
      if (session.dir !== saved.dir || !session.info) {
        if (!(await open(saved.dir, saved.name))) return false;
      } else if (!active) useModel();
      session.layer = saved.layer;
      session.head = saved.head;
      session.rolloutUpTo = saved.rolloutUpTo;
      session.options = saved.options;
      await session.show(saved.text, await restoredOrigin(saved));
      if (saved.query !== undefined && saved.query !== session.query) await session.selectQuery(saved.query);
      // The cursor may be in the text already: mark its unit now, as moving it would.
      const editor = vscode.window.activeTextEditor;
      if (editor) markCursor(editor, editor.selection.active);
      log.info(`model: restored the panel's picture of ${saved.name} at ${headLabel(session.layer, session.head)}`);
      return true;
    } catch (error) {
      log.warn(`model: could not restore the panel's picture of ${saved.name}: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }

  /**
   * Where the restored text is in its document, when that document still holds it there: the
   * offsets are the saved ones, so the document must not have changed under them (edited while
   * the window was closed, or another file by now); then linking resumes, else it waits for the
   * next Show Attention.
   */
  async function restoredOrigin(saved: SavedPicture): Promise<TextOrigin | undefined> {
    const o = saved.origin;
    if (!o) return undefined;
    try {
      const uri = vscode.Uri.parse(o.uri, true);
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === o.uri) ?? (await vscode.workspace.openTextDocument(uri));
      const end = o.start + o.length;
      const there = document.getText(new vscode.Range(document.positionAt(o.start), document.positionAt(end)));
      if (document.offsetAt(document.positionAt(end)) !== end || there !== saved.text.slice(0, o.length)) {
        log.info(`model: ${o.uri} no longer holds the restored text at ${o.start}…${end}; editor linking waits for the next Show Attention`);
        return undefined;
      }
      return { uri: document.uri, start: o.start, length: o.length };
    } catch (error) {
      log.info(`model: the restored text's document ${o.uri} cannot be read (${error instanceof Error ? error.message : String(error)}); no editor linking`);
      return undefined;
    }
  }

  // ── editor ↔ panel linking ──────────────────────────────────────────────────────────────────
  const hoverUnit = (unit: number | null) => {
    const range = unit === null ? undefined : session.unitRange(unit);
    const origin = session.origin;
    decorated = undefined;
    for (const editor of vscode.window.visibleTextEditors) {
      if (!origin || editor.document.uri.toString() !== origin.uri.toString()) continue;
      editor.setDecorations(decoration, range ? [range] : []);
      if (range) {
        decorated = [editor.document.offsetAt(range.start), editor.document.offsetAt(range.end)];
        editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      }
    }
  };
  bridge.onHover(hoverUnit);
  /** The unit under the editor's cursor, sent to the panel when it changed. */
  function markCursor(editor: vscode.TextEditor, at: vscode.Position): void {
    if (!active || !session.snapshot) return;
    const unit = session.unitAt(editor.document.uri, editor.document.offsetAt(at));
    if (unit !== highlighted) session.highlight(unit);
  }
  owner.add(vscode.window.onDidChangeTextEditorSelection((e) => markCursor(e.textEditor, e.selections[0]!.active)));
  owner.add(
    vscode.workspace.onDidChangeTextDocument((e) => {
      // Offsets into an edited document no longer match: linking stops until the next Show Attention.
      if (session.origin && e.contentChanges.length > 0 && e.document.uri.toString() === session.origin.uri.toString()) {
        hoverUnit(null);
        session.origin = undefined;
      }
    }),
  );

  // ── choosing a model ─────────────────────────────────────────────────────────────────────────
  async function choices(): Promise<ModelChoice[]> {
    const out: ModelChoice[] = [];
    for (const cache of await hubCacheDirs()) {
      for (const model of await listHubModels(cache)) {
        model.revisions.forEach((rev, i) => {
          const refs = rev.refs.length > 0 ? ` (${rev.refs.join(', ')})` : '';
          out.push({
            label: model.repoId,
            description: `${rev.modelType ?? 'unknown type'} · ${formatBytes(rev.bytes)}${i > 0 ? ' · older revision' : ''}${rev.missing.length > 0 ? ' · incomplete download' : ''}`,
            detail: `revision ${rev.commit.slice(0, 10)}${refs}${rev.architecture ? ` · ${rev.architecture}` : ''} · ${cache}`,
            dir: rev.dir,
            name: model.repoId,
            group: 'hub',
          });
        });
      }
    }
    const roots = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    for (const folder of await findModelFolders(roots)) {
      const root = roots.find((r) => folder.dir === r || folder.dir.startsWith(r + path.sep));
      out.push({
        label: root ? path.relative(path.dirname(root), folder.dir) : folder.dir,
        description: `${folder.modelType ?? 'unknown type'} · ${formatBytes(folder.bytes)}`,
        detail: folder.architecture,
        dir: folder.dir,
        name: path.basename(folder.dir),
        group: 'workspace',
      });
    }
    return out;
  }

  async function refreshFolderContext(): Promise<void> {
    const roots = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const folders = await findModelFolders(roots).catch(() => []);
    await vscode.commands.executeCommand('setContext', MODEL_FOLDERS_CONTEXT, folders.map((f) => f.dir));
  }
  void refreshFolderContext();
  owner.add(vscode.workspace.onDidChangeWorkspaceFolders(() => void refreshFolderContext()));
  // A model saved or downloaded into the workspace later gets the explorer menu too.
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  const refreshSoon = () => {
    if (refreshTimer) clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => void refreshFolderContext(), 1000);
  };
  owner.add({ dispose: () => refreshTimer && clearTimeout(refreshTimer) });
  const watcher = owner.add(vscode.workspace.createFileSystemWatcher('**/{config.json,*.safetensors}', false, true, false));
  owner.add(watcher.onDidCreate(refreshSoon));
  owner.add(watcher.onDidDelete(refreshSoon));

  async function open(dir: string, name = modelNameOf(dir)): Promise<ModelInfo | undefined> {
    const folder = await describeModelFolder(dir);
    if (!folder) {
      void vscode.window.showErrorMessage(
        `Headlight: ${dir} is not a model folder Headlight can open: it needs a config.json beside model.safetensors (or model.safetensors.index.json and its shards), and a tokenizer.json.`,
      );
      return undefined;
    }
    if (folder.missing.length > 0) {
      void vscode.window.showErrorMessage(`Headlight: ${name} is an incomplete download: ${folder.missing.join(', ')} point to files that are not in the cache.`);
      return undefined;
    }
    const { maxMemoryMB } = readModelSettings();
    try {
      const info = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Headlight: loading ${name} (${formatBytes(folder.checkpointBytes)})`, cancellable: true },
        (_progress, token) => session.open(dir, name, maxMemoryMB, token),
      );
      active = true;
      updateStatus();
      changed.fire();
      void vscode.window.showInformationMessage(`Headlight: ${info.name} is the attention source (${info.layers} layers × ${info.heads} heads, ${info.dtype}). Select text and run Show Attention.`);
      return info;
    } catch (error) {
      if (error instanceof CancelledError) {
        log.info(`model: loading ${name} cancelled`);
        return undefined;
      }
      const message = error instanceof Error ? error.message : String(error);
      log.warn(`model: ${message}`);
      if (error instanceof ModelTooLargeError) {
        void vscode.window.showErrorMessage(`Headlight: ${message}`, 'Open Settings').then((choice) => {
          if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'headlight.model.maxMemoryMB');
        });
      } else void vscode.window.showErrorMessage(`Headlight: cannot open ${name}: ${message}`);
      throw error;
    }
  }

  async function openModelCommand(): Promise<void> {
    type Item = vscode.QuickPickItem & { choice?: ModelChoice; browse?: true };
    const pick = vscode.window.createQuickPick<Item>();
    pick.title = 'Headlight: Open Model';
    pick.placeholder = 'A model from the Hugging Face cache, a model folder in the workspace, or Browse…';
    pick.busy = true;
    pick.matchOnDescription = true;
    pick.matchOnDetail = true;
    const browse: Item = { label: '$(folder-opened) Browse…', description: 'a folder with config.json, model.safetensors and tokenizer.json', browse: true, alwaysShow: true };
    pick.items = [browse];
    pick.show();
    const listed = choices().then((list) => {
      const items: Item[] = [];
      const hub = list.filter((c) => c.group === 'hub');
      const workspace = list.filter((c) => c.group === 'workspace');
      if (hub.length > 0) items.push({ label: 'Hugging Face cache', kind: vscode.QuickPickItemKind.Separator }, ...hub.map((choice) => ({ label: choice.label, description: choice.description, detail: choice.detail, choice })));
      if (workspace.length > 0) items.push({ label: 'Workspace', kind: vscode.QuickPickItemKind.Separator }, ...workspace.map((choice) => ({ label: choice.label, description: choice.description, detail: choice.detail, choice })));
      items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, browse);
      pick.items = items;
      pick.busy = false;
    });
    const chosen = await new Promise<Item | undefined>((resolve) => {
      pick.onDidAccept(() => resolve(pick.selectedItems[0]));
      pick.onDidHide(() => resolve(undefined));
    });
    pick.dispose();
    await listed.catch((error: unknown) => log.warn(`model: listing models failed: ${String(error)}`));
    if (!chosen) return;
    if (chosen.browse) {
      const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, title: 'A Hugging Face model folder', openLabel: 'Open Model' });
      const uri = picked?.[0];
      if (uri) await open(uri.fsPath).catch(() => undefined);
      return;
    }
    if (chosen.choice) await open(chosen.choice.dir, chosen.choice.name).catch(() => undefined);
  }

  async function ensureConfiguredModel(): Promise<void> {
    if (session.info || !configuredDir) return;
    const dir = configuredDir;
    configuredDir = undefined;
    await open(dir).catch(() => undefined);
  }

  owner.add(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('headlight.model.path')) return;
      const dir = resolveConfiguredPath(readModelSettings().path);
      if (dir) void open(dir).catch(() => undefined);
    }),
  );

  // ── Show Attention with a model ──────────────────────────────────────────────────────────────
  async function showAttention(reveal?: () => void): Promise<boolean> {
    await ensureConfiguredModel();
    if (!active || !session.info) return false;
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('Headlight: open a text file and select some text, then run Show Attention.');
      return true;
    }
    const { text, start } = textFromEditor(editor);
    if (!text.trim()) {
      void vscode.window.showWarningMessage('Headlight: there is no text around the cursor: select some, then run Show Attention.');
      return true;
    }
    hoverUnit(null);
    reveal?.();
    try {
      const started = performance.now();
      const snapshot = await session.show(text, { uri: editor.document.uri, start, length: text.length });
      log.info(`showAttention (model): ${snapshot.tokens.length} tokens, forward ${Math.round(snapshot.timings.forwardMs)} ms, view ${Math.round(snapshot.timings.viewMs)} ms, ${Math.round(performance.now() - started)} ms in all`);
    } catch (error) {
      if (!(error instanceof CancelledError)) void vscode.window.showWarningMessage(`Headlight: ${error instanceof Error ? error.message : String(error)}`);
    }
    return true;
  }

  const report = (work: Promise<unknown>) =>
    work.catch((error: unknown) => {
      if (!(error instanceof CancelledError)) void vscode.window.showErrorMessage(`Headlight: ${error instanceof Error ? error.message : String(error)}`);
    });

  async function stackJson(): Promise<string> {
    return (await session.stackJson()).join('\n');
  }

  async function exportStack(target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const chunks = await session.stackJson();
    const encoder = new TextEncoder();
    const parts = chunks.map((c) => encoder.encode(`${c}\n`));
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    const { saveExport } = await import('../attention/exporter');
    return saveExport({
      bytes,
      fileName: `headlight-attention-${(session.info?.name ?? 'model').replace(/[^\w.-]+/gu, '_')}.json`,
      filters: { JSON: ['json'] },
      title: 'Export the whole attention stack as JSON',
      target,
    });
  }

  owner.add(vscode.commands.registerCommand(MODEL_COMMANDS.openModel, () => openModelCommand()));
  owner.add(
    vscode.commands.registerCommand(MODEL_COMMANDS.openModelFolder, async (uri?: unknown) => {
      const dir = uri instanceof vscode.Uri ? uri.fsPath : typeof uri === 'string' ? uri : undefined;
      if (!dir) return openModelCommand();
      await open(dir).catch(() => undefined);
    }),
  );
  owner.add(vscode.commands.registerCommand(MODEL_COMMANDS.nextLayer, () => report(session.stepLayer(1))));
  owner.add(vscode.commands.registerCommand(MODEL_COMMANDS.previousLayer, () => report(session.stepLayer(-1))));
  owner.add(
    vscode.commands.registerCommand(MODEL_COMMANDS.switchSource, async () => {
      type Item = vscode.QuickPickItem & { run: () => Promise<unknown> | void };
      const set = embeddings.peek();
      const items: Item[] = [
        { label: `$(symbol-array) Embeddings${set ? `: ${set.label}` : ''}`, description: active ? '' : 'active', run: () => useEmbeddings() },
        ...(session.info ? [{ label: `$(circuit-board) Model: ${session.info.name}`, description: active ? 'active' : `${session.info.layers} × ${session.info.heads} · ${session.info.dtype}`, run: () => useModel() }] : []),
        { label: '$(folder-opened) Open Model…', run: () => openModelCommand() },
      ];
      const chosen = await vscode.window.showQuickPick(items, { title: 'Headlight: attention source', placeHolder: 'What Show Attention runs' });
      await chosen?.run();
    }),
  );

  function useEmbeddings(): void {
    active = false;
    updateStatus();
    void vscode.commands.executeCommand('setContext', HAS_MODEL_ATTENTION_CONTEXT, false);
    changed.fire();
  }

  function useModel(): void {
    if (!session.info) return;
    active = true;
    updateStatus();
    changed.fire();
  }

  return {
    commands: MODEL_COMMANDS,
    isActive: () => active && session.info !== undefined,
    state: () => ({
      info: session.info,
      active,
      snapshot: session.snapshot,
      layer: session.layer,
      head: session.head,
      query: session.query,
      rolloutUpTo: session.rolloutUpTo,
      options: session.options,
      message: session.message,
      statusText: status.text,
      decorated,
      highlighted,
      loadMs: session.loadMs,
      threads: session.threads,
    }),
    open: (dir) => open(dir),
    choices,
    showAttention,
    focusHead: (layer, head) => session.focusHead(layer, head),
    stepHead: (step) => (active && session.snapshot ? report(session.stepHead(step)).then(() => true) : undefined),
    selectQuery: (token) => session.selectQuery(token),
    setRolloutLayer: (upTo) => session.setRolloutLayer(upTo),
    setOptions: async (options) => {
      await session.setOptions({ ...session.options, ...options });
    },
    appendToken: async (id) => {
      await session.appendToken(id);
    },
    hoverUnit,
    useEmbeddings,
    restorePanel,
    forgetPanel,
    stackJson,
    exportSuffix: () => (active && session.snapshot ? `-${headLabel(session.layer, session.head)}` : ''),
    heatmapSvgInput: () => {
      // While a pass is being painted the panel shows its start, not the last complete picture.
      const snapshot = session.partial?.start ?? session.snapshot;
      if (!active || !snapshot) return undefined;
      const { focus } = snapshot;
      // The labels as the panel shows them (displayToken), over the same units as the weights.
      const labels = snapshot.units.map((u) => displayToken(u.label));
      return {
        title: `Attention weights — ${headLabel(focus.layer, focus.head).replace('H', ' H')} of ${snapshot.model.name} (query × key)`,
        rows: labels,
        cols: labels,
        weights: new Float32Array(focus.weights.data),
      };
    },
    exportStack,
    headsForView: () => {
      const snapshot = session.snapshot;
      const info = session.info;
      if (!active || !snapshot || !info) return undefined;
      return {
        thumbs: snapshot.thumbs.flatMap((layer) => layer.heads.map(relativeThumb)),
        focusedHead: session.layer * info.heads + session.head,
        tokens: snapshot.tokens.length,
        label: `${info.name} · ${info.layers} layers × ${info.heads} heads`,
        layers: info.layers,
      };
    },
    focusFlatHead: (index) => {
      const info = session.info;
      if (!active || !session.snapshot || !info || !Number.isInteger(index) || index < 0 || index >= info.layers * info.heads) return false;
      void report(session.focusHead(Math.floor(index / info.heads), index % info.heads));
      return true;
    },
    bridge,
    whenIdle: () => session.whenIdle(),
    hasWorker: () => session.hasWorker,
    onDidChange: changed.event,
  };
}
