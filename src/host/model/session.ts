/**
 * The model source: which model is open, the text last run through it, what the user focused
 * (layer, head, query token, rollout depth, unit options) and the view model the panel draws.
 * Every change goes through here and is announced on onDidChange, so the panel, the Heads view,
 * the status bar, the commands and the test API never disagree. The attention session
 * (src/host/attention/session.ts) stays the embeddings source; the two never share state.
 *
 * Staleness: each forward pass (show, append, new options) carries a pass number; a result or a
 * part of one that arrives after a newer pass was asked for is dropped, and the worker stops the
 * older pass at its next layer. A click's update (focus, neuron, rollout) is dropped when a newer
 * pass or a newer update of its kind was asked for since. The worker answers in the order asked,
 * so an update asked for during a pass lands after that pass's result, on its picture. A load can
 * be cancelled (the worker is terminated, the previous model is gone too: opening a model always
 * starts a fresh worker).
 *
 * Progressive paint: while a pass runs, `partial` holds what it has announced (its start: the
 * focused head; then each batch of layers' thumbnails), announced as passStart / passLayers;
 * `snapshot` stays the last complete picture until the pass's own arrives ('snapshot').
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import { describeModelFolder, formatBytes } from '../../model/hubCache';
import {
  DEFAULT_MODEL_VIEW_OPTIONS,
  type LayerHeadsView,
  type LayerThumbs,
  type ModelInfo,
  type ModelPassProgress,
  type ModelPassStart,
  type ModelSnapshot,
  type ModelViewOptions,
} from '../../shared/modelView';
import { CancelledError, ModelClient } from './client';
import type { ViewState } from './engine';
import type { EngineOp, EngineReplies, EngineRequest } from './workerProtocol';

export type ModelSessionEvent =
  | { readonly kind: 'loading'; readonly active: boolean }
  | { readonly kind: 'model' }
  | { readonly kind: 'computing'; readonly active: boolean }
  | { readonly kind: 'passStart' }
  | { readonly kind: 'passLayers'; readonly from: number; readonly count: number }
  | { readonly kind: 'snapshot' }
  | { readonly kind: 'focus' }
  | { readonly kind: 'neuron' }
  | { readonly kind: 'rollout' }
  | { readonly kind: 'highlight'; readonly unit: number | null }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'closed' };

/** Where the text came from, so units map back to editor ranges. */
export interface TextOrigin {
  readonly uri: vscode.Uri;
  /** Document offset of the text's first character. */
  readonly start: number;
  /** Characters of the text that are the document's (appended tokens come after). */
  readonly length: number;
}

export class ModelTooLargeError extends Error {
  override readonly name = 'ModelTooLargeError';
}

/** The pass in flight, as far as it has come. */
export interface PartialPicture {
  readonly start: ModelPassStart;
  /** Layers 0…thumbs.length − 1. */
  readonly thumbs: LayerThumbs[];
}

type ViewUpdate = 'focus' | 'neuron' | 'rollout';

export class ModelSession extends Disposable {
  private readonly events = this.register(new vscode.EventEmitter<ModelSessionEvent>());
  readonly onDidChange = this.events.event;

  private client: ModelClient | undefined;
  /** The newest pass asked for. */
  private pass = 0;
  /** The newest update of each kind asked for. */
  private readonly updates: Record<ViewUpdate, number> = { focus: 0, neuron: 0, rollout: 0 };
  private current: ModelSnapshot | undefined;
  /** The pass `current` came from. */
  private currentPass = 0;
  private inPass: PartialPicture | undefined;
  private inFlight: Promise<unknown> = Promise.resolve();

  info: ModelInfo | undefined;
  /** The folder the model was loaded from. */
  dir: string | undefined;
  loadMs = 0;
  threads = 1;
  origin: TextOrigin | undefined;
  layer = 0;
  head = 0;
  query: number | undefined;
  rolloutUpTo: number | undefined;
  options: ModelViewOptions = DEFAULT_MODEL_VIEW_OPTIONS;
  message = '';

  constructor(
    private readonly workerPath: string,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.register({ dispose: () => this.client?.dispose() });
  }

  get snapshot(): ModelSnapshot | undefined {
    return this.current;
  }

  /** The pass `snapshot` came from. */
  get snapshotPass(): number {
    return this.currentPass;
  }

  /** The pass in flight as far as it has announced (its start onwards), if any. */
  get partial(): PartialPicture | undefined {
    return this.inPass;
  }

  get hasWorker(): boolean {
    return this.client?.hasWorker ?? false;
  }

  get state(): ViewState {
    return { layer: this.layer, head: this.head, query: this.query, rolloutUpTo: this.rolloutUpTo, options: this.options };
  }

  whenIdle(): Promise<void> {
    return this.inFlight.then(() => undefined, () => undefined);
  }

  /**
   * Loads the model folder in a fresh worker. Refuses, before reading any tensor, a checkpoint
   * larger than `maxMemoryMB`. The previous model stays until the new one has loaded.
   */
  async open(dir: string, name: string, maxMemoryMB: number, token?: vscode.CancellationToken): Promise<ModelInfo> {
    const folder = await describeModelFolder(dir);
    if (folder && folder.checkpointBytes > maxMemoryMB * 1e6) {
      throw new ModelTooLargeError(
        `${name} needs about ${formatBytes(folder.checkpointBytes)} of memory for its weights, over the limit of ${maxMemoryMB} MB (setting headlight.model.maxMemoryMB).`,
      );
    }
    const client = new ModelClient(this.workerPath, (m) => this.log.warn(m));
    const abort = new AbortController();
    const cancel = token?.onCancellationRequested(() => abort.abort());
    this.events.fire({ kind: 'loading', active: true });
    try {
      const loaded = await client.request({ op: 'load', dir, name }, abort.signal);
      this.client?.dispose();
      this.client = client;
      this.info = loaded.info;
      this.dir = dir;
      this.loadMs = loaded.loadMs;
      this.threads = loaded.threads;
      this.current = undefined;
      this.origin = undefined;
      this.layer = 0;
      this.head = 0;
      this.query = undefined;
      this.rolloutUpTo = undefined;
      this.log.info(`model: loaded ${name} (${loaded.info.type}, ${loaded.info.layers} × ${loaded.info.heads}, ${loaded.info.dtype}) from ${dir} in ${Math.round(loaded.loadMs)} ms on ${loaded.threads} thread(s), ${client.where}`);
      this.events.fire({ kind: 'model' });
      return loaded.info;
    } catch (error) {
      client.dispose();
      throw error;
    } finally {
      cancel?.dispose();
      this.events.fire({ kind: 'loading', active: false });
    }
  }

  /** Forgets the model (the embeddings become the source again). */
  close(): void {
    this.pass++;
    this.inPass = undefined;
    this.client?.dispose();
    this.client = undefined;
    this.info = undefined;
    this.dir = undefined;
    this.current = undefined;
    this.origin = undefined;
    this.events.fire({ kind: 'closed' });
  }

  /** Tokenize and run `text` (from `origin` in an editor, when given). */
  show(text: string, origin: TextOrigin | undefined): Promise<ModelSnapshot> {
    this.origin = origin;
    this.query = undefined;
    const state = this.state;
    return this.runPass((pass) => ({ op: 'run', text, state, pass }));
  }

  /** Appends a predicted token to the panel's text (not to the user's document) and runs again. */
  appendToken(id: number): Promise<ModelSnapshot> {
    this.query = undefined;
    const state = this.state;
    return this.runPass((pass) => ({ op: 'append', id, state, pass }));
  }

  /** A picture is shown, or being painted: clicks on it mean something. */
  private get shown(): boolean {
    return this.current !== undefined || this.inPass !== undefined;
  }

  focusHead(layer: number, head: number): Promise<boolean> {
    const info = this.info;
    if (!info || !this.shown) return Promise.resolve(false);
    if (!Number.isInteger(layer) || !Number.isInteger(head) || layer < 0 || head < 0 || layer >= info.layers || head >= info.heads) return Promise.resolve(false);
    this.layer = layer;
    this.head = head;
    return this.update(this.request({ op: 'focus', state: this.state }), 'focus').then(() => true);
  }

  /** Next/previous head; past the last head of a layer, the first head of the next layer (and around). */
  stepHead(step: 1 | -1): Promise<boolean> {
    const info = this.info;
    if (!info || !this.shown) return Promise.resolve(false);
    const total = info.layers * info.heads;
    const at = (((this.layer * info.heads + this.head + step) % total) + total) % total;
    return this.focusHead(Math.floor(at / info.heads), at % info.heads);
  }

  /** Next/previous layer, same head (and around). */
  stepLayer(step: 1 | -1): Promise<boolean> {
    const info = this.info;
    if (!info || !this.shown) return Promise.resolve(false);
    return this.focusHead((this.layer + step + info.layers) % info.layers, this.head);
  }

  selectQuery(token: number): Promise<boolean> {
    const tokens = (this.current ?? this.inPass?.start)?.tokens;
    if (!tokens || !Number.isInteger(token) || token < 0 || token >= tokens.length) return Promise.resolve(false);
    this.query = token;
    return this.update(this.request({ op: 'neuron', state: this.state }), 'neuron').then(() => true);
  }

  setRolloutLayer(upTo: number): Promise<boolean> {
    if (!this.shown || !this.info || !Number.isInteger(upTo) || upTo < 0 || upTo >= this.info.layers) return Promise.resolve(false);
    this.rolloutUpTo = upTo;
    return this.update(this.request({ op: 'rollout', state: this.state }), 'rollout').then(() => true);
  }

  setOptions(options: ModelViewOptions): Promise<ModelSnapshot | undefined> {
    this.options = options;
    if (!this.shown) return Promise.resolve(undefined);
    // Thumbnails are taken per unit during the forward pass: new units mean a new pass.
    const state = this.state;
    return this.runPass((pass) => ({ op: 'rerun', state, pass }));
  }

  /** Every head of one layer over the current units (the head view's lines). */
  layerHeads(layer: number): Promise<LayerHeadsView> {
    return this.request({ op: 'layerHeads', layer, state: this.state });
  }

  /** The whole attention stack as the CLI's JSON, in chunks. */
  stackJson(): Promise<readonly string[]> {
    return this.request({ op: 'stackJson' });
  }

  /** The editor range of unit `unit` of the current picture, when it lies in the document. */
  unitRange(unit: number): vscode.Range | undefined {
    const range = this.current?.units[unit]?.range;
    const origin = this.origin;
    if (!range || !origin || range[1] > origin.length) return undefined;
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === origin.uri.toString());
    if (!document) return undefined;
    return new vscode.Range(document.positionAt(origin.start + range[0]), document.positionAt(origin.start + range[1]));
  }

  /** The unit under a document offset (the editor cursor), or null. */
  unitAt(uri: vscode.Uri, offset: number): number | null {
    const origin = this.origin;
    const units = this.current?.units;
    if (!origin || !units || uri.toString() !== origin.uri.toString()) return null;
    const at = offset - origin.start;
    if (at < 0 || at > origin.length) return null;
    const found = units.findIndex((u) => u.range !== null && u.range[0] <= at && at < u.range[1]);
    return found >= 0 ? found : null;
  }

  highlight(unit: number | null): void {
    this.events.fire({ kind: 'highlight', unit });
  }

  private request<K extends EngineOp>(request: Extract<EngineRequest, { op: K }>, onProgress?: (progress: ModelPassProgress) => void): Promise<EngineReplies[K]> {
    if (!this.client) return Promise.reject(new Error('No model is open: run “Headlight: Open Model…”.'));
    return this.client.request(request, undefined, onProgress);
  }

  /** A forward pass: its parts are announced as they come, its result replaces the picture. */
  private runPass(build: (pass: number) => Extract<EngineRequest, { op: 'run' | 'rerun' | 'append' }>): Promise<ModelSnapshot> {
    const pass = ++this.pass;
    this.inPass = undefined;
    const onProgress = (progress: ModelPassProgress): void => {
      if (pass !== this.pass) return;
      if (progress.kind === 'start') {
        this.inPass = { start: progress.start, thumbs: [] };
        this.events.fire({ kind: 'passStart' });
        return;
      }
      const partial = this.inPass;
      const { from, thumbs } = progress.layers;
      // Layers arrive in order, after the start: anything else is not this picture's.
      if (!partial || partial.start.pass !== pass || from !== partial.thumbs.length) return;
      partial.thumbs.push(...thumbs);
      this.events.fire({ kind: 'passLayers', from, count: thumbs.length });
    };
    const request = build(pass);
    this.events.fire({ kind: 'computing', active: true });
    const done = (this.request(request, onProgress) as Promise<ModelSnapshot>).then(
      (snapshot) => {
        if (pass !== this.pass) throw new CancelledError();
        this.inPass = undefined;
        this.currentPass = pass;
        this.adopt(snapshot, 'snapshot');
        this.message = '';
        this.events.fire({ kind: 'computing', active: false });
        this.events.fire({ kind: 'snapshot' });
        return snapshot;
      },
      (error: unknown) => {
        if (pass === this.pass) {
          this.inPass = undefined;
          this.events.fire({ kind: 'computing', active: false });
          if (!(error instanceof CancelledError)) {
            this.message = error instanceof Error ? error.message : String(error);
            this.events.fire({ kind: 'error', message: this.message });
          }
        }
        throw error;
      },
    );
    this.inFlight = done.catch(() => undefined);
    return done;
  }

  /** A click's update of the picture (adopted unless a newer pass or update of its kind was asked for). */
  private update<T>(work: Promise<T>, kind: ViewUpdate): Promise<T> {
    const pass = this.pass;
    const asked = ++this.updates[kind];
    const done = work.then((value) => {
      if (pass !== this.pass || asked !== this.updates[kind]) throw new CancelledError();
      this.adopt(value, kind);
      this.message = '';
      this.events.fire({ kind });
      return value;
    });
    this.inFlight = done.catch(() => undefined);
    return done;
  }

  private adopt(value: unknown, kind: 'snapshot' | ViewUpdate): void {
    switch (kind) {
      case 'snapshot': {
        const snapshot = value as ModelSnapshot;
        this.current = snapshot;
        this.layer = snapshot.focus.layer;
        this.head = snapshot.focus.head;
        this.query = snapshot.neuron.query;
        this.rolloutUpTo = snapshot.rollout.upTo;
        return;
      }
      case 'focus': {
        const { focus, neuron } = value as Pick<ModelSnapshot, 'focus' | 'neuron'>;
        if (this.current) this.current = { ...this.current, focus, neuron };
        // A pass that finished in between set the focus of its request: this one is newer.
        this.layer = focus.layer;
        this.head = focus.head;
        return;
      }
      case 'neuron':
        if (this.current) this.current = { ...this.current, neuron: value as ModelSnapshot['neuron'] };
        return;
      case 'rollout':
        if (this.current) this.current = { ...this.current, rollout: value as ModelSnapshot['rollout'] };
        return;
      default: {
        const never: never = kind;
        throw new Error(`unknown update ${String(never)}`);
      }
    }
  }

  /** A short label: "gpt2 · 12 × 12 · F32". */
  get label(): string {
    const info = this.info;
    return info ? `${info.name} · ${info.layers} × ${info.heads} · ${info.dtype}` : '';
  }
}

/** A name for a folder: "org/name" inside a hub cache snapshot, else the folder's name. */
export function modelNameOf(dir: string): string {
  const parts = path.resolve(dir).split(path.sep);
  const at = parts.lastIndexOf('snapshots');
  const repo = at > 0 ? parts[at - 1] : undefined;
  if (repo?.startsWith('models--')) return repo.slice('models--'.length).split('--').join('/');
  return path.basename(dir);
}
