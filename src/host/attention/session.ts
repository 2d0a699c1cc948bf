/**
 * The attention session: the one current picture the panel and the Heads view show — its input,
 * options, weights, the core's result, the focused head and the selected query row. Views only
 * observe it (`onDidChange`) and ask it for what they draw; every change goes through here, so
 * the panel, the Heads view, the commands and the test API never disagree.
 *
 * Staleness: every computation carries a generation number and an AbortController. A new input,
 * new options or a closed panel aborts the one in flight (its worker is terminated) and its
 * result, if it still arrives, is dropped.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { attentionLayerPrefixes, multiHeadWeightsFromSafetensors, randomMultiHeadWeights, SafetensorsError, type MultiHeadWeights } from '../../core';
import { Disposable } from '../disposable';
import type { ActiveEmbeddings } from '../activeEmbeddings';
import {
  buildSnapshot,
  defaultDimNames,
  exportMatrix,
  headView,
  plotView,
  rowView,
  weightsForWire,
  type AttentionRun,
  type ExportText,
} from '../../shared/viewModel';
import type {
  ExportFormat,
  HeadView,
  MatrixId,
  NamedMatrix,
  PanelOptions,
  PanelSnapshot,
  PersistedPanelState,
  PlotView,
  Projection,
  RowView,
} from '../../shared/protocol';
import { epochMs } from '../../shared/protocol';
import { AttentionComputer, CancelledError } from './compute';
import { InputError, resolveInput, type AttentionRequest, type ResolvedInput } from './input';
import { readSettings, type AttentionSettings } from './settings';

export type SessionStatus = 'empty' | 'computing' | 'ready' | 'error';

export type SessionEvent =
  | { readonly kind: 'computing'; readonly active: boolean }
  | { readonly kind: 'snapshot' }
  | { readonly kind: 'head' }
  | { readonly kind: 'row' }
  | { readonly kind: 'plot' }
  | { readonly kind: 'options' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'cleared' };

/** Valid head counts for a model width: the divisors of d. */
export function divisors(d: number): number[] {
  const out: number[] = [];
  for (let k = 1; k <= d; k++) if (d % k === 0) out.push(k);
  return out;
}

interface WeightsCacheEntry {
  readonly key: string;
  readonly weights: MultiHeadWeights;
}

export class AttentionSession extends Disposable {
  private readonly events = this.register(new vscode.EventEmitter<SessionEvent>());
  readonly onDidChange = this.events.event;

  private request: AttentionRequest | undefined;
  private input: ResolvedInput | undefined;
  private run: AttentionRun | undefined;
  private snapshotCache: PanelSnapshot | undefined;
  private computeMs = 0;
  private generation = 0;
  private abort: AbortController | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private weightsCache: WeightsCacheEntry | undefined;

  options: PanelOptions;
  weightsFile: vscode.Uri | undefined;
  /** The layer (key prefix) of the weights file to use; undefined: the file's only one. */
  weightsLayer: string | undefined;
  focusedHead = 0;
  selectedRow = 0;
  projection: Projection = { kind: 'pca' };
  status: SessionStatus = 'empty';
  message = 'Select a sentence in an editor and run “Headlight: Show Attention”.';

  constructor(
    private readonly embeddings: ActiveEmbeddings,
    private readonly computer: AttentionComputer,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    const settings = readSettings();
    this.options = settings.options;
    this.weightsFile = this.resolveWeightsSetting(settings.weightsFile);
    this.weightsLayer = settings.weightsLayer || undefined;
    this.register({ dispose: () => this.cancel() });
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('headlight.attention')) return;
        const next = readSettings();
        const weightsChanged = e.affectsConfiguration('headlight.attention.weightsFile') || e.affectsConfiguration('headlight.attention.weightsLayer');
        if (weightsChanged) {
          this.weightsFile = this.resolveWeightsSetting(next.weightsFile);
          this.weightsLayer = next.weightsLayer || undefined;
          this.weightsCache = undefined;
        }
        // Only the options whose settings changed: what the user chose in the panel stays.
        const changed = (Object.keys(next.options) as (keyof PanelOptions)[]).filter((key) => e.affectsConfiguration(`headlight.attention.${key}`));
        const options = { ...this.options, ...Object.fromEntries(changed.map((key) => [key, next.options[key]])) } as PanelOptions;
        const optionsChanged = JSON.stringify(options) !== JSON.stringify(this.options);
        if (optionsChanged || weightsChanged || e.affectsConfiguration('headlight.attention.plotDimensions')) {
          this.options = options;
          this.events.fire({ kind: 'options' });
          if (this.request) this.recomputeQuietly();
        }
      }),
    );
    // A new active embedding set changes what the words mean: recompute the words shown.
    this.register(
      embeddings.onDidChange(() => {
        if (this.request && this.request.set.setUri === '') this.reload().catch(() => undefined);
      }),
    );
  }

  get hasResult(): boolean {
    return this.run !== undefined;
  }

  /** The tokens of the picture ([] when there is none), without building its snapshot. */
  get tokens(): readonly string[] {
    return this.run?.tokens ?? [];
  }

  get weightsLabel(): string {
    if (!this.weightsFile) return '';
    const name = path.posix.basename(this.weightsFile.path);
    return this.weightsLayer ? `${name} (${this.weightsLayer})` : name;
  }

  /** Settles when no computation is in flight (tests and export wait on it). */
  whenIdle(): Promise<void> {
    return this.inFlight;
  }

  /**
   * Milestones of the Show Attention in progress (epoch ms), filled by the command, the
   * computation and the panel; the panel hands them to the webview with the next `init`.
   */
  milestones: Record<string, number> | undefined;

  /** A new input replaces the picture: the head stays focused if it still exists, row 0 is selected. */
  show(request: AttentionRequest, milestones?: Record<string, number>): Promise<void> {
    this.request = request;
    this.milestones = milestones;
    this.selectedRow = 0;
    return this.recompute();
  }

  /** Back to an empty panel (the panel was closed). Stops the computation in flight. */
  clear(): void {
    this.cancel();
    this.request = undefined;
    this.input = undefined;
    this.run = undefined;
    this.snapshotCache = undefined;
    this.status = 'empty';
    this.message = 'Select a sentence in an editor and run “Headlight: Show Attention”.';
    this.events.fire({ kind: 'cleared' });
  }

  /** Stops the computation in flight; its result will be ignored. */
  cancel(): void {
    if (this.abort) {
      this.abort.abort();
      this.abort = undefined;
      this.generation++;
      this.computer.cancel();
      if (this.status === 'computing') this.status = this.run ? 'ready' : 'empty';
      this.events.fire({ kind: 'computing', active: false });
    }
  }

  setOptions(options: PanelOptions): Promise<void> {
    this.options = options;
    this.events.fire({ kind: 'options' });
    return this.request ? this.recompute() : Promise.resolve();
  }

  /** Uses this weights file (and, when it holds several attention layers, this one: its key prefix). */
  async setWeightsFile(uri: vscode.Uri, layer?: string): Promise<void> {
    this.weightsFile = uri;
    this.weightsLayer = layer;
    this.weightsCache = undefined;
    this.options = { ...this.options, source: 'weights' };
    this.events.fire({ kind: 'options' });
    if (this.request) await this.recompute();
  }

  /** Restores a panel after a window reload from what its webview persisted. */
  async restore(state: PersistedPanelState): Promise<void> {
    this.options = state.options;
    this.focusedHead = state.focusedHead;
    this.projection = state.projection;
    const set =
      state.setUri === ''
        ? await this.embeddings.get().then((active) => ({ label: active.label, setUri: '', store: active.store }))
        : await this.embeddings.files
            .load(vscode.Uri.parse(state.setUri, true))
            .then((loaded) => ({ label: path.posix.basename(vscode.Uri.parse(state.setUri, true).path), setUri: state.setUri, store: loaded.parsed.store }));
    this.request = { words: state.words, set };
    this.selectedRow = state.selectedRow;
    await this.recompute();
  }

  focusHead(head: number): boolean {
    const run = this.run;
    if (!run || !Number.isInteger(head) || head < 0 || head >= run.report.heads.length) return false;
    if (head === this.focusedHead) return true;
    this.focusedHead = head;
    this.touch();
    this.events.fire({ kind: 'head' });
    return true;
  }

  /** Steps the focused head by ±1, wrapping around. */
  stepHead(step: 1 | -1): boolean {
    const run = this.run;
    if (!run) return false;
    const h = run.report.heads.length;
    return this.focusHead((this.focusedHead + step + h) % h);
  }

  selectRow(row: number): boolean {
    const run = this.run;
    if (!run || !Number.isInteger(row) || row < 0 || row >= run.tokens.length) return false;
    if (row === this.selectedRow) return true;
    this.selectedRow = row;
    this.touch();
    this.events.fire({ kind: 'row' });
    return true;
  }

  setProjection(projection: Projection): void {
    this.projection = projection;
    this.touch();
    if (this.run) this.events.fire({ kind: 'plot' });
  }

  // ------------------------------------------------------------------------------------------
  // What the views draw
  // ------------------------------------------------------------------------------------------

  snapshot(): PanelSnapshot | undefined {
    const run = this.run;
    const input = this.input;
    if (!run || !input) return undefined;
    this.snapshotCache ??= buildSnapshot(run, {
      words: input.words,
      oov: input.oov,
      setLabel: input.set.label,
      setUri: input.set.setUri,
      weightsLabel: this.weightsLabel,
      focusedHead: this.focusedHead,
      selectedRow: this.selectedRow,
      projection: this.projection,
      computeMs: this.computeMs,
    });
    return this.snapshotCache;
  }

  /** Forgets the cached snapshot after a focus/row/plot change, so init after a reload is current. */
  private touch(): void {
    this.snapshotCache = undefined;
  }

  headView(): HeadView | undefined {
    return this.run ? headView(this.run, this.focusedHead) : undefined;
  }

  rowView(): RowView | undefined {
    return this.run ? rowView(this.run, this.focusedHead, Math.min(this.selectedRow, this.run.tokens.length - 1)) : undefined;
  }

  plotView(): PlotView | undefined {
    return this.run ? plotView(this.run, this.projection) : undefined;
  }

  weights(head: number): { matrices: NamedMatrix[]; unavailable: string } | undefined {
    if (!this.run || head >= this.run.report.heads.length) return undefined;
    return weightsForWire(this.run, head);
  }

  exportMatrix(id: MatrixId, format: ExportFormat): ExportText {
    if (!this.run) throw new Error('Nothing to export yet: run “Headlight: Show Attention” first.');
    return exportMatrix(this.run, id, format, this.focusedHead, Math.min(this.selectedRow, this.run.tokens.length - 1));
  }

  /** What the integration tests read. */
  state(): {
    readonly input: ResolvedInput | undefined;
    readonly run: AttentionRun | undefined;
    readonly computeMs: number;
  } {
    return { input: this.input, run: this.run, computeMs: this.computeMs };
  }

  // ------------------------------------------------------------------------------------------
  // Computation
  // ------------------------------------------------------------------------------------------

  private async reload(): Promise<void> {
    const request = this.request;
    if (!request) return;
    const active = await this.embeddings.get();
    this.request = { words: request.words, set: { label: active.label, setUri: '', store: active.store } };
    await this.recompute();
  }

  /** For recomputations nobody awaits: the error is already in the panel and the log. */
  private recomputeQuietly(): void {
    this.recompute().catch(() => undefined);
  }

  private recompute(): Promise<void> {
    this.cancel();
    const generation = ++this.generation;
    const abort = new AbortController();
    this.abort = abort;
    const work = this.compute(generation, abort.signal).finally(() => {
      if (this.abort === abort) this.abort = undefined;
    });
    this.inFlight = work.catch(() => undefined);
    return work;
  }

  private async compute(generation: number, signal: AbortSignal): Promise<void> {
    const request = this.request;
    if (!request) return;
    const settings = readSettings();
    this.status = 'computing';
    this.events.fire({ kind: 'computing', active: true });
    const started = performance.now();
    try {
      const input = resolveInput(request, settings);
      const resolvedAt = performance.now();
      const d = input.x.cols;
      const weights = await this.weightsFor(d, signal);
      const weightsAt = performance.now();
      if (signal.aborted || generation !== this.generation) return;
      const milestones = this.milestones;
      if (milestones) milestones.computeStart = epochMs();
      const result = await this.computer.compute(
        input.x,
        weights,
        { measure: this.options.measure, scale: this.options.scale, causal: this.options.causal, temperature: this.options.temperature },
        signal,
      );
      if (signal.aborted || generation !== this.generation) return;
      if (milestones) milestones.computeDone = epochMs();
      const heads = result.report.heads.length;
      const dimNames = defaultDimNames(d, input.set.store.dimNames);
      this.input = input;
      this.run = { tokens: input.tokens, x: input.x, report: result.report, weights, options: this.options, dimNames };
      this.focusedHead = Math.min(this.focusedHead, heads - 1);
      this.selectedRow = Math.min(this.selectedRow, input.tokens.length - 1);
      this.projection = this.projectionFor(settings, dimNames);
      this.computeMs = performance.now() - started;
      this.snapshotCache = undefined;
      this.status = 'ready';
      this.message = '';
      this.log.info(
        `attention: ${input.tokens.length} tokens × ${heads} head(s), d = ${d}, ${this.options.source}/${this.options.measure} in ${Math.round(this.computeMs)} ms (core ${Math.round(result.ms)} ms in ${result.where})`,
      );
      this.log.debug(
        `timing: input ${Math.round(resolvedAt - started)} ms, weights ${Math.round(weightsAt - resolvedAt)} ms, compute round trip ${Math.round(this.computeMs - (weightsAt - started))} ms (core ${Math.round(result.ms)} ms), started at ${Math.round(performance.timeOrigin + started)} (epoch ms)`,
      );
      this.events.fire({ kind: 'computing', active: false });
      this.events.fire({ kind: 'snapshot' });
      if (input.fromSubwords.length > 0) {
        const shown = input.fromSubwords.slice(0, 10).join(', ');
        void vscode.window.showInformationMessage(
          `Headlight: ${input.fromSubwords.length} word${input.fromSubwords.length === 1 ? ' is' : 's are'} not in ${input.set.label}; ${input.fromSubwords.length === 1 ? 'its vector was' : 'their vectors were'} built from subwords (character n-grams): ${shown}${input.fromSubwords.length > 10 ? ', …' : ''}`,
        );
      }
      if (input.oov.length > 0) {
        const shown = input.oov.slice(0, 10).join(', ');
        void vscode.window.showWarningMessage(
          `Headlight: ${input.oov.length} word${input.oov.length === 1 ? ' is' : 's are'} not in ${input.set.label} and ${input.oov.length === 1 ? 'was' : 'were'} left out: ${shown}${input.oov.length > 10 ? ', …' : ''}`,
        );
      }
    } catch (error) {
      if (error instanceof CancelledError || signal.aborted || generation !== this.generation) return;
      const message = error instanceof Error ? error.message : String(error);
      this.status = 'error';
      this.message = message;
      this.run = undefined;
      this.input = undefined;
      this.snapshotCache = undefined;
      // The user's input (their text, their weights file): a warning with the message, no stack.
      if (error instanceof InputError || error instanceof SafetensorsError) this.log.warn(`attention: ${message}`);
      else this.log.error(`attention: ${error instanceof Error && error.stack ? error.stack : message}`);
      this.events.fire({ kind: 'computing', active: false });
      this.events.fire({ kind: 'error', message });
      throw error;
    }
  }

  private projectionFor(settings: AttentionSettings, dimNames: readonly string[]): Projection {
    const current = this.projection;
    if (current.kind === 'dims' && current.x < dimNames.length && current.y < dimNames.length) return current;
    if (settings.plotDimensions.length === 2) {
      const x = dimNames.indexOf(settings.plotDimensions[0]!);
      const y = dimNames.indexOf(settings.plotDimensions[1]!);
      if (x >= 0 && y >= 0) return { kind: 'dims', x, y };
      this.log.warn(`attention: headlight.attention.plotDimensions names ${settings.plotDimensions.join(', ')}, not found among ${dimNames.slice(0, 8).join(', ')}…`);
    }
    return { kind: 'pca' };
  }

  /** The projections for width d, or undefined in lesson mode; refuses with a sentence. */
  private async weightsFor(d: number, signal: AbortSignal): Promise<MultiHeadWeights | undefined> {
    const o = this.options;
    switch (o.source) {
      case 'lesson':
        return undefined;
      case 'random': {
        if (d % o.heads !== 0) {
          throw new InputError(`${o.heads} heads do not divide the embedding width d = ${d} (d_k = d / heads must be whole). Try ${divisors(d).join(', ')}.`);
        }
        const key = `random:${d}:${o.heads}:${o.seed}`;
        if (this.weightsCache?.key === key) return this.weightsCache.weights;
        const weights = randomMultiHeadWeights(d, o.heads, o.seed);
        this.weightsCache = { key, weights };
        return weights;
      }
      case 'weights': {
        const uri = this.weightsFile;
        if (!uri) {
          throw new InputError('No weights file chosen: press “Choose…” in the panel, or set headlight.attention.weightsFile to a .safetensors file.');
        }
        const stat = await vscode.workspace.fs.stat(uri);
        const layer = this.weightsLayer;
        const key = `file:${uri.toString()}:${stat.mtime}:${stat.size}:${o.heads}:${layer ?? ''}`;
        if (this.weightsCache?.key === key) return this.checkWidth(this.weightsCache.weights, d);
        if (signal.aborted) throw new CancelledError();
        const bytes = await vscode.workspace.fs.readFile(uri);
        const layers = attentionLayerPrefixes(bytes);
        if (layer === undefined && layers.length > 1) {
          throw new InputError(
            `${this.weightsLabel} holds ${layers.length} attention layers (${layers.map((p) => `“${p}”`).join(', ')}): choose its file again with “Choose…” to pick one, or set headlight.attention.weightsLayer.`,
          );
        }
        const weights = multiHeadWeightsFromSafetensors(bytes, o.heads, { prefix: layer });
        this.weightsCache = { key, weights };
        return this.checkWidth(weights, d);
      }
    }
  }

  private checkWidth(weights: MultiHeadWeights, d: number): MultiHeadWeights {
    if (weights.embedDim !== d) {
      throw new InputError(
        `${this.weightsLabel} is for embeddings of width E = ${weights.embedDim}, but ${this.request?.set.label ?? 'the embedding set'} has d = ${d}. Use weights trained for this embedding set.`,
      );
    }
    return weights;
  }

  private resolveWeightsSetting(value: string): vscode.Uri | undefined {
    if (!value) return undefined;
    if (/^[a-z][a-z0-9+.-]+:\/\//i.test(value)) return vscode.Uri.parse(value, true);
    if (path.isAbsolute(value)) return vscode.Uri.file(value);
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder ? vscode.Uri.joinPath(folder.uri, value) : vscode.Uri.file(path.resolve(value));
  }
}
