/**
 * The model source's computations, off the extension host's thread: one loaded model, the last
 * text run through it, and the view model (src/shared/modelView.ts) of what the panel shows.
 * No vscode import: the worker (worker.ts) runs it, and the unit tests run it in-process.
 *
 * Contract:
 *   ModelEngine.load(dir)            loadModel (src/model) and a ModelInfo; every problem is a
 *                                    ModelError naming the file.
 *   engine.run(text, state)          tokenize, forward with nothing kept but what the views need
 *                                    (per layer: each head's thumbnail and the head average, taken
 *                                    in forward's onLayer), recompute the focused head exactly
 *                                    (focusHead), and build the ModelSnapshot.
 *   engine.focus / neuron / rollout  the parts that change with a click, from the kept state.
 *
 * Progressive paint (a PassControl given to run, append or rerun): the focused head is recomputed
 * exactly FIRST (focusHead stops after its layer: at the default L1 that is 1/L of a pass) and
 * announced as the pass's `start`; the full pass follows, announcing each batch of layers'
 * thumbnails (`layers`) as onLayer produces them; the returned snapshot is the complete result.
 * The snapshot's focus and neuron come from that same recomputed head, so the parts announced
 * equal the complete result's exactly. The work is what it was before (one forward, one
 * focusHead), only in the other order. Between layers the pass asks `superseded()` and stops
 * with a SupersededError when a newer pass was asked for; the previous run stays then.
 *
 * Memory, at the issue's bound (512 tokens × 32 layers × 32 heads): forward keeps nothing
 * ('none'); per layer we keep the head average in float32 (n² · 4 B · L = 32 MiB) for the
 * rollout, and ≤ 64 × 64 Uint8 thumbnails (4 MiB). The focused head is recomputed exactly by
 * focusHead (a pass that stops after its layer) rather than kept for every head.
 *
 * Legend: n tokens, g units, L layers, H heads, D head width.
 */
import * as path from 'node:path';
import { attentionScale, focusHead, forward, type FocusedHead, type TransformerModel } from '../../core/models';
import { headAverage, PAPER_RESIDUAL, rollout } from '../../core/rollout';
import { applyUnits, unitGroups } from '../../core/tokenGroups';
import type { Matrix } from '../../core/types';
import { loadModel, type LoadedModel, type LoadOptions } from '../../model';
import type { EncodedText, ModelTokenizer } from '../../model/tokenizer';
import { formatNumber, RowFormatter } from '../../model/jsonRows';
import {
  DEFAULT_MODEL_VIEW_OPTIONS,
  THUMB_SIDE,
  displayModelToken,
  type FloatMatrix,
  type LayerHeadsView,
  type LayerThumbs,
  type ModelFocusView,
  type ModelInfo,
  type ModelPassProgress,
  type ModelSnapshot,
  type ModelThumb,
  type ModelToken,
  type ModelUnit,
  type ModelViewOptions,
  type NeuronView,
  type PredictedToken,
  type PredictionsView,
  type RolloutView,
} from '../../shared/modelView';

/** What the user has chosen in the views; the engine keeps it valid for the current model. */
export interface ViewState {
  readonly layer: number;
  readonly head: number;
  /** Query token of the neuron view; undefined: the last non-special token. */
  readonly query?: number;
  /** Rollout depth; undefined: the last layer. */
  readonly rolloutUpTo?: number;
  readonly options: ModelViewOptions;
}

/** 50 M weights: ~450 MB of JSON, as far as one export held in memory goes here. */
export const STACK_JSON_MAX_ENTRIES = 50_000_000;

export const DEFAULT_VIEW_STATE: ViewState = { layer: 0, head: 0, options: DEFAULT_MODEL_VIEW_OPTIONS };

/** How a pass reports as it goes, and how it learns it is no longer wanted (see the file comment). */
export interface PassControl {
  readonly pass: number;
  readonly progress?: (progress: ModelPassProgress) => void;
  /** True once a newer pass was asked for: this one stops at its next layer. */
  readonly superseded?: () => boolean;
}

/** A pass stopped because a newer one was asked for (its results would be dropped anyway). */
export class SupersededError extends Error {
  override readonly name = 'SupersededError';
  constructor(pass: number) {
    super(`pass ${pass} was superseded by a newer one`);
  }
}

/**
 * Layers announced together: at most this long after the previous announcement. Each announcement
 * costs the host, the workbench and the panel a few milliseconds, taken from the pass on 2 cores:
 * a 12 × 12 pass at 512 tokens announces its layers in a few batches, one at 128 tokens in one.
 */
const LAYER_BATCH_MS = 150;

interface Run {
  /** The source text followed by the appended tokens' decoded text (what the panel shows). */
  readonly text: string;
  /** The text that was tokenized, its encoding, and the ids appended after it (Append). */
  readonly source: string;
  readonly sourceEncoded: EncodedText;
  readonly appended: readonly number[];
  readonly encoded: EncodedText;
  readonly tokens: ModelToken[];
  /** [L] × [n, n] float32 head averages, token-level. */
  readonly averages: Matrix[];
  readonly predictions: PredictionsView;
  readonly tokenizeMs: number;
  readonly forwardMs: number;
  thumbs: LayerThumbs[];
  focused: FocusedHead | undefined;
}

export class ModelEngine {
  private run: Run | undefined;

  private constructor(
    readonly loaded: LoadedModel,
    readonly info: ModelInfo,
    readonly loadMs: number,
  ) {}

  static load(dir: string, name?: string, opts: LoadOptions = {}): ModelEngine {
    const started = performance.now();
    const loaded = loadModel(dir, opts);
    return new ModelEngine(loaded, modelInfo(loaded, name ?? path.basename(dir)), performance.now() - started);
  }

  get model(): TransformerModel {
    return this.loaded.model;
  }

  private tokenizer(): ModelTokenizer {
    const tokenizer = this.loaded.tokenizer;
    if (!tokenizer) throw new Error(`${this.info.name} has no tokenizer.json: Headlight tokenizes with the model's own tokenizer`);
    return tokenizer;
  }

  /** Tokenize and run `text`, and build everything the panel draws. */
  runText(text: string, state: ViewState, control?: PassControl): ModelSnapshot {
    const t0 = performance.now();
    const source = this.tokenizer().encode(text);
    const tokenizeMs = performance.now() - t0;
    if (source.ids.length === 0) throw new Error('The text gives no tokens: select some text first.');
    return this.compute(text, source, [], tokenizeMs, state, control);
  }

  /**
   * Generation one step at a time: token `id` is appended to the ids (not re-tokenized from text:
   * a byte-level token may be half a character), and the pass runs again. The snapshot's text
   * shows the source text followed by what the appended ids decode to; appended tokens have no
   * offset (they are not in the document).
   */
  appendToken(id: number, state: ViewState, control?: PassControl): ModelSnapshot {
    const run = this.requireRun();
    if (!Number.isInteger(id) || id < 0 || id >= this.info.vocabSize) throw new Error(`Token id ${id} is outside the vocabulary (0…${this.info.vocabSize - 1}).`);
    return this.compute(run.source, run.sourceEncoded, [...run.appended, id], 0, state, control);
  }

  /** The same ids again (new unit options: thumbnails are taken during the pass). */
  rerun(state: ViewState, control?: PassControl): ModelSnapshot {
    const run = this.requireRun();
    return this.compute(run.source, run.sourceEncoded, run.appended, run.tokenizeMs, state, control);
  }

  private compute(source: string, sourceEncoded: EncodedText, appended: readonly number[], tokenizeMs: number, state: ViewState, control?: PassControl): ModelSnapshot {
    const tokenizer = this.tokenizer();
    const encoded = appendIds(sourceEncoded, appended, tokenizer);
    const sourceIds = sourceEncoded.ids.filter((_, i) => !addedSpecials(sourceEncoded)[i]);
    const before = tokenizer.decode(sourceIds);
    const after = tokenizer.decode([...sourceIds, ...appended]);
    const text = appended.length === 0 ? source : source + (after.startsWith(before) ? after.slice(before.length) : tokenizer.decode([...appended]));
    const tokens = encoded.ids.map((id, i): ModelToken => {
      const raw = encoded.tokens[i] ?? tokenizer.idToToken(id) ?? '';
      const offset = encoded.offsets[i] ?? null;
      return { id, raw, text: tokenText(text, raw, offset), offset, special: encoded.special[i] ?? false, word: encoded.wordIds[i] ?? null };
    });
    const groups = unitGroups(encoded.wordIds, addedSpecials(encoded), state.options);
    const averages: Matrix[] = [];
    const thumbs: LayerThumbs[] = [];
    // The focused head first: what the panel paints first needs only its layer.
    const s = clampTo(tokens, this.info, state);
    const focused = focusHead(this.model, encoded.ids, s.layer, s.head);
    const pass = control?.pass ?? 0;
    const stopIfSuperseded = () => {
      if (control?.superseded?.()) throw new SupersededError(pass);
    };
    stopIfSuperseded();
    let announced = 0;
    let announcedAt = performance.now();
    if (control?.progress) {
      control.progress({
        kind: 'start',
        start: {
          pass,
          model: this.info,
          text,
          tokens,
          options: s.options,
          units: groups.map((g): ModelUnit => unitOf(tokens, g, s.options)),
          focus: focusViewOf(focused, groups, s, attentionScale(this.model, s.layer), this.info.causal),
          neuron: neuronViewOf(focused, tokens.length, s, attentionScale(this.model, s.layer)),
        },
      });
    }
    // forwardMs: the forward pass alone, as before the focused head moved first.
    const t1 = performance.now();
    const result = forward(this.model, encoded.ids, {
      keep: 'none',
      maskTokenId: tokenizer.maskTokenId,
      onLayer: (layer, heads) => {
        const average = headAverage(heads.map((h) => h.weights));
        averages[layer] = average;
        thumbs[layer] = {
          heads: heads.map((h) => modelThumb(applyUnits(h.weights, groups, state.options.renormalize))),
          average: modelThumb(applyUnits(average, groups, state.options.renormalize)),
        };
        if (control?.progress && (performance.now() - announcedAt >= LAYER_BATCH_MS || layer === this.info.layers - 1)) {
          control.progress({ kind: 'layers', layers: { pass, from: announced, thumbs: thumbs.slice(announced, layer + 1) } });
          announced = layer + 1;
          announcedAt = performance.now();
        }
        stopIfSuperseded();
      },
    });
    const forwardMs = performance.now() - t1;
    const predicted = (id: number, p: number): PredictedToken => {
      const raw = tokenizer.idToToken(id) ?? null;
      return { id, raw, text: raw === null ? `⟨id ${id}⟩` : displayModelToken(raw), p };
    };
    let predictions: PredictionsView;
    if (result.next) predictions = { kind: 'next', top: result.next.map((t) => predicted(t.id, t.p)) };
    else if (result.masks) {
      predictions = result.masks.length > 0
        ? { kind: 'masks', masks: result.masks.map((m) => ({ position: m.position, top: m.top.map((t) => predicted(t.id, t.p)) })) }
        : { kind: 'none', reason: `No ${tokenizer.maskTokenId !== undefined ? (tokenizer.idToToken(tokenizer.maskTokenId) ?? 'mask') : 'mask'} token in the text: type one to see what the model predicts there.` };
    } else predictions = { kind: 'none', reason: `This checkpoint has no ${this.info.causal ? 'language-model' : 'masked-LM'} head.` };
    this.run = { text, source, sourceEncoded, appended: [...appended], encoded, tokens, averages, predictions, tokenizeMs, forwardMs, thumbs, focused };
    return this.snapshot(state);
  }

  get hasRun(): boolean {
    return this.run !== undefined;
  }

  get text(): string | undefined {
    return this.run?.text;
  }

  get ids(): readonly number[] {
    return this.run?.encoded.ids ?? [];
  }

  /** The whole view for `state` from the last run (the focused head recomputed when it moved). */
  snapshot(state: ViewState): ModelSnapshot {
    const run = this.requireRun();
    const t0 = performance.now();
    const s = this.clampState(state);
    const groups = unitGroups(run.encoded.wordIds, addedSpecials(run.encoded), s.options);
    const units = groups.map((g): ModelUnit => unitOf(run.tokens, g, s.options));
    const focus = this.focus(s);
    const neuron = this.neuron(s);
    const rolloutView = this.rollout(s);
    return {
      model: this.info,
      text: run.text,
      tokens: run.tokens,
      options: s.options,
      units,
      thumbs: run.thumbs,
      focus,
      neuron,
      rollout: rolloutView,
      predictions: run.predictions,
      timings: { tokenizeMs: run.tokenizeMs, forwardMs: run.forwardMs, viewMs: performance.now() - t0 },
    };
  }

  /** A state whose layer, head, query and rollout depth exist in this model and run. */
  clampState(state: ViewState): Required<ViewState> {
    return clampTo(this.requireRun().tokens, this.info, state);
  }

  private focused(layer: number, head: number): FocusedHead {
    const run = this.requireRun();
    if (!run.focused || run.focused.layer !== layer || run.focused.head !== head) run.focused = focusHead(this.model, run.encoded.ids, layer, head);
    return run.focused;
  }

  focus(state: ViewState): ModelFocusView {
    const run = this.requireRun();
    const s = this.clampState(state);
    const groups = unitGroups(run.encoded.wordIds, addedSpecials(run.encoded), s.options);
    return focusViewOf(this.focused(s.layer, s.head), groups, s, attentionScale(this.model, s.layer), this.info.causal);
  }

  neuron(state: ViewState): NeuronView {
    const run = this.requireRun();
    const s = this.clampState(state);
    return neuronViewOf(this.focused(s.layer, s.head), run.tokens.length, s, attentionScale(this.model, s.layer));
  }

  /** Every head of one layer over units, unpooled (the head view's token lines). */
  layerHeads(layer: number, state: ViewState): LayerHeadsView {
    const run = this.requireRun();
    const s = this.clampState({ ...state, layer });
    const groups = unitGroups(run.encoded.wordIds, addedSpecials(run.encoded), s.options);
    let heads: ModelThumb[] = [];
    forward(this.model, run.encoded.ids, {
      keep: 'none',
      layers: { from: s.layer, to: s.layer },
      onLayer: (_l, computed) => {
        heads = computed.map((h) => modelThumb(applyUnits(h.weights, groups, s.options.renormalize), Number.POSITIVE_INFINITY));
      },
    });
    return { layer: s.layer, n: groups.length, heads };
  }

  /** The token-level rollout through layers 0…upTo (before the unit transform). */
  rolloutTokens(upTo: number): Matrix {
    return rollout(this.requireRun().averages, upTo, PAPER_RESIDUAL);
  }

  rollout(state: ViewState): RolloutView {
    const run = this.requireRun();
    const s = this.clampState(state);
    const groups = unitGroups(run.encoded.wordIds, addedSpecials(run.encoded), s.options);
    return { upTo: s.rolloutUpTo, residual: PAPER_RESIDUAL, matrix: toFloatMatrix(applyUnits(this.rolloutTokens(s.rolloutUpTo), groups, s.options.renormalize)) };
  }

  /**
   * The whole attention stack as JSON text in the CLI's shape (`headlight attention --model
   * --json`, README): model, tokens, ids, offsets, layers[].heads[].weights (rows are queries),
   * next or masks, timings; 7 significant digits through the CLI's own row writer. Returned as
   * chunks (one row a chunk) so no single string approaches Node's longest.
   */
  stackJson(maxEntries = STACK_JSON_MAX_ENTRIES): string[] {
    const run = this.requireRun();
    const { layers: L, heads: H } = this.info;
    const n = run.tokens.length;
    if (n * n * L * H > maxEntries) {
      throw new Error(
        `The whole stack is ${L} layers × ${H} heads × ${n}² = ${(n * n * L * H).toLocaleString('en-US')} weights, too many for one export here; ` +
          `export the focused head, or run \`headlight attention --model "${this.info.dir}" --json --layers A-B\` for a range of layers.`,
      );
    }
    const out: string[] = [];
    const s = this.loaded.summary;
    out.push(`{"model":${JSON.stringify({ type: s.type, layers: s.layers, heads: s.heads, kvHeads: s.kvHeads, hidden: s.hidden })},`);
    out.push(`"tokens":${JSON.stringify(run.encoded.tokens)},`);
    out.push(`"ids":${JSON.stringify(run.encoded.ids)},`);
    out.push(`"offsets":${JSON.stringify(run.encoded.offsets)},`);
    out.push('"layers":[');
    const rows = new RowFormatter();
    const started = performance.now();
    let writingMs = 0;
    forward(this.model, run.encoded.ids, {
      keep: 'none',
      onLayer: (layer, heads) => {
        const t = performance.now();
        out.push('{"heads":[');
        heads.forEach((head, h) => {
          const w = head.weights;
          out.push('{"weights":[');
          for (let i = 0; i < w.rows; i++) out.push(`${rows.formatRow(w.data, i * w.cols, (i + 1) * w.cols)}${i < w.rows - 1 ? ',' : ''}`);
          out.push(`]}${h < heads.length - 1 ? ',' : ''}`);
        });
        out.push(`]}${layer < L - 1 ? ',' : ''}`);
        writingMs += performance.now() - t;
      },
    });
    const forwardMs = performance.now() - started - writingMs;
    out.push('],');
    const top = (list: readonly PredictedToken[]) => `[${list.map((t) => `{"id":${t.id},"token":${JSON.stringify(t.raw)},"p":${formatNumber(t.p)}}`).join(',')}]`;
    const p = run.predictions;
    if (p.kind === 'next') out.push(`"next":${top(p.top)},`);
    if (p.kind === 'masks') out.push(`"masks":[${p.masks.map((m) => `{"position":${m.position},"top":${top(m.top)}}`).join(',')}],`);
    const round = (ms: number) => Math.round(ms * 10) / 10;
    out.push(`"timings":${JSON.stringify({ loadMs: round(this.loadMs), tokenizeMs: round(run.tokenizeMs), forwardMs: round(forwardMs) })}}`);
    return out;
  }

  private requireRun(): Run {
    if (!this.run) throw new Error('No text has been run through the model yet: run “Headlight: Show Attention”.');
    return this.run;
  }
}

/** A state whose layer, head, query and rollout depth exist in this model and these tokens. */
function clampTo(tokens: readonly ModelToken[], info: ModelInfo, state: ViewState): Required<ViewState> {
  const { layers, heads } = info;
  const clamp = (v: number, hi: number) => Math.min(Math.max(0, Math.trunc(v)), hi);
  const lastWord = tokens.map((t, i) => (t.special ? -1 : i)).reduce((a, b) => Math.max(a, b), -1);
  return {
    layer: clamp(state.layer, layers - 1),
    head: clamp(state.head, heads - 1),
    query: clamp(state.query ?? (lastWord >= 0 ? lastWord : tokens.length - 1), tokens.length - 1),
    rolloutUpTo: clamp(state.rolloutUpTo ?? layers - 1, layers - 1),
    options: state.options,
  };
}

/** The focused head over units (s already clamped; scale: its layer's, attentionScale). */
function focusViewOf(f: FocusedHead, groups: readonly (readonly number[])[], s: Required<ViewState>, scale: number, causal: boolean): ModelFocusView {
  // Scores follow the units exactly as the weights do, whatever the options: a hidden token's row
  // and column go (never renormalised: they are logits), and a word of several pieces has no
  // single scaled score, so then there are none.
  const scores = groups.some((g) => g.length > 1) ? null : toFloatMatrix(applyUnits(f.scores, groups, false));
  return {
    layer: s.layer,
    head: s.head,
    kvHead: f.kvHead,
    scores,
    weights: toFloatMatrix(applyUnits(f.weights, groups, s.options.renormalize)),
    scale,
    causal,
  };
}

/** The neuron view of query s.query of the focused head, over n tokens (s already clamped). */
function neuronViewOf(f: FocusedHead, n: number, s: Required<ViewState>, scale: number): NeuronView {
  const D = f.q.cols, i = s.query;
  const q = f.q.data.slice(i * D, (i + 1) * D);
  const dots = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    let acc = 0;
    for (let d = 0; d < D; d++) acc += q[d]! * f.k.data[j * D + d]!;
    dots[j] = acc;
  }
  return {
    layer: s.layer,
    head: s.head,
    query: i,
    headDim: D,
    q: q.buffer,
    k: toFloatMatrix(f.k),
    dots: dots.buffer,
    scale,
    scores: f.scores.data.slice(i * n, (i + 1) * n).buffer,
    weights: f.weights.data.slice(i * n, (i + 1) * n).buffer,
  };
}

/**
 * The specials the tokenizer added ([CLS], [SEP], <s>, </s>: no offset into the text). These are
 * what "hide special tokens" hides (exBERT); a special token the user typed ([MASK]) stays, since
 * it is part of the text and the predictions point at it.
 */
export function addedSpecials(encoded: EncodedText): boolean[] {
  return encoded.special.map((s, i) => s && encoded.offsets[i] === null);
}

/** The encoding with ids appended: tokens from the vocabulary, no offset, no word, not special. */
function appendIds(encoded: EncodedText, ids: readonly number[], tokenizer: ModelTokenizer): EncodedText {
  if (ids.length === 0) return encoded;
  return {
    ids: [...encoded.ids, ...ids],
    tokens: [...encoded.tokens, ...ids.map((id) => tokenizer.idToToken(id) ?? `⟨id ${id}⟩`)],
    offsets: [...encoded.offsets, ...ids.map(() => null)],
    special: [...encoded.special, ...ids.map(() => false)],
    wordIds: [...encoded.wordIds, ...ids.map(() => null)],
  };
}

export function modelInfo(loaded: LoadedModel, name: string): ModelInfo {
  const s = loaded.summary;
  return {
    name,
    dir: loaded.dir,
    type: s.type,
    layers: s.layers,
    heads: s.heads,
    kvHeads: s.kvHeads,
    hidden: s.hidden,
    headDim: s.headDim,
    vocabSize: s.vocabSize,
    dtype: s.dtype,
    causal: loaded.config.causal,
    parameters: s.parameters,
    head: s.head,
  };
}

/** What a token label shows: the text it covers when it has an offset (spaces visible), else its string. */
function tokenText(text: string, raw: string, offset: readonly [number, number] | null): string {
  if (!offset || offset[1] <= offset[0]) return displayModelToken(raw);
  const covered = text.slice(offset[0], offset[1]);
  return covered.replace(/^ /u, '␣').replace(/\n/gu, '↵').replace(/\t/gu, '⇥');
}

function unitOf(tokens: readonly ModelToken[], group: readonly number[], options: ModelViewOptions): ModelUnit {
  const members = group.map((i) => tokens[i]!);
  const offsets = members.map((t) => t.offset).filter((o): o is readonly [number, number] => o !== null);
  const range: readonly [number, number] | null = offsets.length > 0 ? [Math.min(...offsets.map((o) => o[0])), Math.max(...offsets.map((o) => o[1]))] : null;
  const label = options.aggregate === 'words' && members.length > 1 ? members.map((t) => t.text).join('').replace(/^␣/u, '') : members[0]!.text;
  return { label, tokens: [...group], range, special: members.every((t) => t.special) };
}

export function toFloatMatrix(m: Matrix): FloatMatrix {
  const data = new Float32Array(m.rows * m.cols);
  data.set(m.data.subarray(0, m.rows * m.cols));
  return { rows: m.rows, cols: m.cols, data: data.buffer };
}

/**
 * A head max-pooled to ≤ side × side cells, absolute: cell = round(255 · max of its weights).
 * Shape: [g, g] → [min(g, side), min(g, side)].
 */
export function modelThumb(w: Matrix, side = THUMB_SIDE): ModelThumb {
  const rows = Math.min(w.rows, side), cols = Math.min(w.cols, side);
  const pooled = new Float32Array(rows * cols);
  let max = 0;
  for (let i = 0; i < w.rows; i++) {
    const ti = Math.floor((i * rows) / w.rows);
    for (let j = 0; j < w.cols; j++) {
      const v = w.data[i * w.cols + j]!;
      if (!(v > 0)) continue;
      const at = ti * cols + Math.floor((j * cols) / w.cols);
      if (v > pooled[at]!) pooled[at] = v;
      if (v > max) max = v;
    }
  }
  const bytes = new Uint8Array(rows * cols);
  for (let at = 0; at < bytes.length; at++) bytes[at] = Math.round(Math.min(1, pooled[at]!) * 255);
  return { rows, cols, data: bytes.buffer, max };
}
