/**
 * The attention panel's messages for a real model (issue 12): the host sends the view model of
 * a forward pass (src/shared/modelView.ts, filled by src/host/model/) and its parts that change
 * with a click; the panel sends what the user chose. Merged into the panel's two directions in
 * panel.ts.
 *
 *   host → panel   modelSnapshot     a new result (a new text, model, or options), whole
 *                  modelStart        progressive paint: a pass's first part (tokens, units, the
 *                                    focused head exactly, its neuron data), as soon as the
 *                                    focused layer is computed
 *                  modelLayers       the pass's thumbnails of some more layers, in order
 *                  modelComplete     the pass's last part: rollout, predictions, timings; with
 *                                    start and layers, exactly the pass's modelSnapshot
 *                  modelFocus        another (layer, head) focused: that head exactly, its neuron data
 *                  modelNeuron       another query token for the neuron view and the softmax
 *                  modelRollout      the rollout up to another layer
 *                  modelLayerHeads   every head of one layer over units (the head view asked for it)
 *                  highlightToken    the editor's cursor is in that unit (null: in none)
 *   panel → host   focusModelHead    { layer, head }
 *                  selectModelQuery  { token }
 *                  setRolloutLayer   { upTo }
 *                  requestLayerHeads { layer }
 *                  setModelViewOptions { options }
 *                  hoverToken        { unit | null }: highlight that unit's range in the editor
 *                  appendToken       { id }: append a predicted token and recompute
 *
 * Every check below also ties sizes together (a thumbnail's bytes, a focused head's n × n, the
 * neuron's n × D): the webview indexes the buffers without checking again.
 *
 * Pure module: no `vscode`, no DOM, no node.
 */
import type {
  FloatMatrix,
  LayerHeadsView,
  LayerThumbs,
  ModelFocusView,
  ModelInfo,
  ModelPassLayers,
  ModelPassStart,
  ModelSnapshot,
  ModelThumb,
  ModelToken,
  ModelUnit,
  ModelViewOptions,
  NeuronView,
  PredictedToken,
  PredictionsView,
  RolloutView,
} from '../modelView';
import { milestones, type Milestones } from './common';
import {
  LIMITS,
  arrayOf,
  bool,
  buffer,
  describe,
  finite,
  int,
  isRecord,
  literal,
  nullable,
  object,
  oneOf,
  optional,
  refine,
  str,
  type Check,
  type CheckTable,
} from './validate';

/** Layers of the deepest supported model are far below this; only absurd sizes are refused. */
const MAX_LAYERS = 1024;
const MAX_VOCAB = 1 << 24;
/** A thumbnail is at most THUMB_SIDE (64) a side; the head view's full heads are n a side. */
const MAX_TOP = 100;

// ---------------------------------------------------------------------------------------------
// Host → panel
// ---------------------------------------------------------------------------------------------

export interface ModelSnapshotMessage {
  readonly type: 'modelSnapshot';
  readonly snapshot: ModelSnapshot;
  /** As in `snapshot`: the milestones of the Show Attention that led to it. */
  readonly timings?: Milestones;
}

export interface ModelStartMessage {
  readonly type: 'modelStart';
  readonly start: ModelPassStart;
}

export interface ModelLayersMessage {
  readonly type: 'modelLayers';
  readonly layers: ModelPassLayers;
}

export interface ModelCompleteMessage {
  readonly type: 'modelComplete';
  readonly pass: number;
  readonly rollout: RolloutView;
  readonly predictions: PredictionsView;
  readonly timings: ModelSnapshot['timings'];
}

export interface ModelFocusMessage {
  readonly type: 'modelFocus';
  readonly focus: ModelFocusView;
  readonly neuron: NeuronView;
}

export interface ModelNeuronMessage {
  readonly type: 'modelNeuron';
  readonly neuron: NeuronView;
}

export interface ModelRolloutMessage {
  readonly type: 'modelRollout';
  readonly rollout: RolloutView;
}

export interface ModelLayerHeadsMessage {
  readonly type: 'modelLayerHeads';
  readonly heads: LayerHeadsView;
}

/** The editor's cursor moved: highlight this unit in every view (null: the cursor is in none). */
export interface HighlightTokenMessage {
  readonly type: 'highlightToken';
  readonly unit: number | null;
}

export type ModelToPanelMessage =
  | ModelSnapshotMessage
  | ModelStartMessage
  | ModelLayersMessage
  | ModelCompleteMessage
  | ModelFocusMessage
  | ModelNeuronMessage
  | ModelRolloutMessage
  | ModelLayerHeadsMessage
  | HighlightTokenMessage;

// ---------------------------------------------------------------------------------------------
// Panel → host
// ---------------------------------------------------------------------------------------------

export interface FocusModelHeadMessage {
  readonly type: 'focusModelHead';
  readonly layer: number;
  readonly head: number;
}

/** The query token (index into the snapshot's tokens) of the neuron view and the softmax. */
export interface SelectModelQueryMessage {
  readonly type: 'selectModelQuery';
  readonly token: number;
}

export interface SetRolloutLayerMessage {
  readonly type: 'setRolloutLayer';
  readonly upTo: number;
}

/** The head view shows a layer whose heads over units it does not have. */
export interface RequestLayerHeadsMessage {
  readonly type: 'requestLayerHeads';
  readonly layer: number;
}

export interface SetModelViewOptionsMessage {
  readonly type: 'setModelViewOptions';
  readonly options: ModelViewOptions;
}

/** A unit is hovered (or focused) in the panel: highlight its range in the editor; null: none. */
export interface HoverTokenMessage {
  readonly type: 'hoverToken';
  readonly unit: number | null;
}

/** Append a predicted next token to the text and compute again. */
export interface AppendTokenMessage {
  readonly type: 'appendToken';
  readonly id: number;
}

export type ModelFromPanelMessage =
  | FocusModelHeadMessage
  | SelectModelQueryMessage
  | SetRolloutLayerMessage
  | RequestLayerHeadsMessage
  | SetModelViewOptionsMessage
  | HoverTokenMessage
  | AppendTokenMessage;

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

const floatMatrix: Check = refine(
  object<FloatMatrix>({ rows: int(0, LIMITS.maxDim), cols: int(0, LIMITS.maxDim), data: buffer(4) }),
  (m: FloatMatrix) => (m.data.byteLength === m.rows * m.cols * 4 ? undefined : `matrix: ${m.data.byteLength} bytes for ${m.rows}×${m.cols} floats`),
);

const square = (what: string, n: number, m: FloatMatrix): string | undefined =>
  m.rows === n && m.cols === n ? undefined : `${what}: ${m.rows}×${m.cols} for ${n} units`;

const floats = (what: string, n: number, data: ArrayBuffer): string | undefined =>
  data.byteLength === n * 4 ? undefined : `${what}: ${data.byteLength / 4} floats, expected ${n}`;

const modelThumb = (maxSide: number): Check =>
  refine(object<ModelThumb>({ rows: int(0, maxSide), cols: int(0, maxSide), data: buffer(1), max: finite(0, 1.000001) }), (t: ModelThumb) =>
    t.data.byteLength === t.rows * t.cols ? undefined : `thumb: ${t.data.byteLength} bytes for ${t.rows}×${t.cols}`,
  );

const span: Check = (v, p) => {
  if (!Array.isArray(v) || v.length !== 2) return `${p}: expected [start, end], got ${describe(v)}`;
  const [start, end] = v as unknown[];
  const problem = int(0, Number.MAX_SAFE_INTEGER)(start, `${p}[0]`) ?? int(0, Number.MAX_SAFE_INTEGER)(end, `${p}[1]`);
  if (problem) return problem;
  return (start as number) <= (end as number) ? undefined : `${p}: starts after it ends`;
};

const modelInfo: Check = object<ModelInfo>({
  name: str(1024),
  dir: str(),
  type: str(64),
  layers: int(1, MAX_LAYERS),
  heads: int(1, LIMITS.maxHeads),
  kvHeads: int(1, LIMITS.maxHeads),
  hidden: int(1, LIMITS.maxDim),
  headDim: int(1, LIMITS.maxDim),
  vocabSize: int(1, MAX_VOCAB),
  dtype: str(64),
  causal: bool,
  parameters: int(0, Number.MAX_SAFE_INTEGER),
  head: oneOf(['lm_head', 'mlm', 'none'] as const),
});

const modelToken: Check = object<ModelToken>({
  id: int(0, MAX_VOCAB),
  raw: str(4096),
  text: str(4096),
  offset: nullable(span),
  special: bool,
  word: nullable(int(0, LIMITS.maxDim)),
});

const modelUnit: Check = object<ModelUnit>({
  label: str(1 << 16),
  tokens: arrayOf(int(0, LIMITS.maxDim), LIMITS.maxDim),
  range: nullable(span),
  special: bool,
});

export const modelViewOptions: Check = object<ModelViewOptions>({
  hideSpecial: bool,
  renormalize: bool,
  aggregate: oneOf(['tokens', 'words'] as const),
});

const layerThumbs: Check = object<LayerThumbs>({ heads: arrayOf(modelThumb(64), LIMITS.maxHeads), average: modelThumb(64) });

const focusView: Check = refine(
  object<ModelFocusView>({
    layer: int(0, MAX_LAYERS),
    head: int(0, LIMITS.maxHeads),
    kvHead: int(0, LIMITS.maxHeads),
    scores: nullable(floatMatrix),
    weights: floatMatrix,
    scale: finite(0),
    causal: bool,
  }),
  (f: ModelFocusView) => (f.weights.rows !== f.weights.cols ? 'focus: weights are not square' : f.scores ? square('focus.scores', f.weights.rows, f.scores) : undefined),
);

const neuronView: Check = refine(
  object<NeuronView>({
    layer: int(0, MAX_LAYERS),
    head: int(0, LIMITS.maxHeads),
    query: int(0, LIMITS.maxDim),
    headDim: int(1, LIMITS.maxDim),
    q: buffer(4),
    k: floatMatrix,
    dots: buffer(4),
    scale: finite(0),
    scores: buffer(4),
    weights: buffer(4),
  }),
  (v: NeuronView) => {
    const n = v.k.rows;
    if (v.k.cols !== v.headDim) return `neuron.k: ${v.k.cols} columns for head width ${v.headDim}`;
    if (v.query >= n) return `neuron: query ${v.query} of ${n} tokens`;
    return floats('neuron.q', v.headDim, v.q) ?? floats('neuron.dots', n, v.dots) ?? floats('neuron.scores', n, v.scores) ?? floats('neuron.weights', n, v.weights);
  },
);

const rolloutView: Check = refine(object<RolloutView>({ upTo: int(0, MAX_LAYERS), matrix: floatMatrix, residual: finite(0, 1) }), (r: RolloutView) =>
  r.matrix.rows === r.matrix.cols ? undefined : 'rollout: the matrix is not square',
);

const predictedToken: Check = object<PredictedToken>({ id: int(0, MAX_VOCAB), raw: nullable(str(4096)), text: str(4096), p: finite(0, 1.000001) });

const predictionsView: Check = (v, p) => {
  if (!isRecord(v)) return `${p}: expected an object, got ${describe(v)}`;
  switch (v.kind) {
    case 'next':
      return object<{ kind: 'next'; top: unknown }>({ kind: literal('next'), top: arrayOf(predictedToken, MAX_TOP) })(v, p);
    case 'masks':
      return object<{ kind: 'masks'; masks: unknown }>({
        kind: literal('masks'),
        masks: arrayOf(object<{ position: number; top: unknown }>({ position: int(0, LIMITS.maxDim), top: arrayOf(predictedToken, MAX_TOP) }), LIMITS.maxDim),
      })(v, p);
    case 'none':
      return object<{ kind: 'none'; reason: string }>({ kind: literal('none'), reason: str(4096) })(v, p);
    default:
      return `${p}.kind: expected one of next, masks, none, got ${JSON.stringify(v.kind)}`;
  }
};

const layerHeadsView: Check = refine(
  object<LayerHeadsView>({ layer: int(0, MAX_LAYERS), n: int(0, LIMITS.maxDim), heads: arrayOf(modelThumb(LIMITS.maxDim), LIMITS.maxHeads) }),
  (v: LayerHeadsView) => v.heads.map((t, h) => (t.rows === v.n && t.cols === v.n ? undefined : `layerHeads.heads[${h}]: ${t.rows}×${t.cols} for ${v.n} units`)).find(Boolean),
);

const timings: Check = object<ModelSnapshot['timings']>({ tokenizeMs: finite(0), forwardMs: finite(0), viewMs: finite(0) });

/** Every index into tokens or units in range, every matrix sized to the units. */
function snapshotConsistency(s: ModelSnapshot): string | undefined {
  const n = s.tokens.length, g = s.units.length, m = s.model;
  for (const [u, unit] of s.units.entries()) {
    const bad = unit.tokens.find((t) => t >= n);
    if (bad !== undefined) return `snapshot.units[${u}]: token ${bad} of ${n}`;
  }
  if (s.thumbs.length !== m.layers) return `snapshot: ${s.thumbs.length} layers of thumbnails for ${m.layers} layers`;
  const wrongHeads = s.thumbs.findIndex((l) => l.heads.length !== m.heads);
  if (wrongHeads >= 0) return `snapshot.thumbs[${wrongHeads}]: ${s.thumbs[wrongHeads]!.heads.length} heads for ${m.heads}`;
  if (s.focus.layer >= m.layers || s.focus.head >= m.heads) return `snapshot: focused L${s.focus.layer + 1}H${s.focus.head + 1} of ${m.layers} × ${m.heads}`;
  const focus = square('snapshot.focus.weights', g, s.focus.weights);
  if (focus) return focus;
  if (s.neuron.k.rows !== n) return `snapshot.neuron: ${s.neuron.k.rows} keys for ${n} tokens`;
  if (s.rollout.upTo >= m.layers) return `snapshot: rollout up to layer ${s.rollout.upTo + 1} of ${m.layers}`;
  const rolloutSize = square('snapshot.rollout', g, s.rollout.matrix);
  if (rolloutSize) return rolloutSize;
  if (s.predictions.kind === 'masks') {
    const bad = s.predictions.masks.find((mask) => mask.position >= n);
    if (bad) return `snapshot.predictions: mask at ${bad.position} of ${n} tokens`;
  }
  return undefined;
}

export const modelSnapshot: Check = refine(
  object<ModelSnapshot>({
    model: modelInfo,
    text: str(1 << 22),
    tokens: arrayOf(modelToken, LIMITS.maxDim),
    options: modelViewOptions,
    units: arrayOf(modelUnit, LIMITS.maxDim),
    thumbs: arrayOf(layerThumbs, MAX_LAYERS),
    focus: focusView,
    neuron: neuronView,
    rollout: rolloutView,
    predictions: predictionsView,
    timings,
  }),
  snapshotConsistency,
);

/** A pass's start: the same ties as a snapshot's, for the parts it has. */
function startConsistency(s: ModelPassStart): string | undefined {
  const n = s.tokens.length, g = s.units.length, m = s.model;
  for (const [u, unit] of s.units.entries()) {
    const bad = unit.tokens.find((t) => t >= n);
    if (bad !== undefined) return `start.units[${u}]: token ${bad} of ${n}`;
  }
  if (s.focus.layer >= m.layers || s.focus.head >= m.heads) return `start: focused L${s.focus.layer + 1}H${s.focus.head + 1} of ${m.layers} × ${m.heads}`;
  if (s.neuron.layer !== s.focus.layer || s.neuron.head !== s.focus.head) return 'start: the neuron view is not of the focused head';
  return square('start.focus.weights', g, s.focus.weights) ?? (s.neuron.k.rows !== n ? `start.neuron: ${s.neuron.k.rows} keys for ${n} tokens` : undefined);
}

const passStart: Check = refine(
  object<ModelPassStart>({
    pass: int(0, Number.MAX_SAFE_INTEGER),
    model: modelInfo,
    text: str(1 << 22),
    tokens: arrayOf(modelToken, LIMITS.maxDim),
    options: modelViewOptions,
    units: arrayOf(modelUnit, LIMITS.maxDim),
    focus: focusView,
    neuron: neuronView,
  }),
  startConsistency,
);

/** Only absurd layer counts are refused here; the panel ties the layers to its picture's model. */
const passLayers: Check = refine(
  object<ModelPassLayers>({ pass: int(0, Number.MAX_SAFE_INTEGER), from: int(0, MAX_LAYERS), thumbs: arrayOf(layerThumbs, MAX_LAYERS) }),
  (l: ModelPassLayers) => (l.thumbs.length === 0 ? 'layers: no thumbnails' : l.from + l.thumbs.length > MAX_LAYERS ? `layers: ${l.from} + ${l.thumbs.length} layers` : undefined),
);

export const modelToPanelChecks: CheckTable<ModelToPanelMessage> = {
  modelStart: object<ModelStartMessage>({ type: literal('modelStart'), start: passStart }),
  modelLayers: object<ModelLayersMessage>({ type: literal('modelLayers'), layers: passLayers }),
  modelComplete: object<ModelCompleteMessage>({ type: literal('modelComplete'), pass: int(0, Number.MAX_SAFE_INTEGER), rollout: rolloutView, predictions: predictionsView, timings }),
  modelSnapshot: object<ModelSnapshotMessage>({ type: literal('modelSnapshot'), snapshot: modelSnapshot, timings: optional(milestones) }),
  modelFocus: object<ModelFocusMessage>({ type: literal('modelFocus'), focus: focusView, neuron: neuronView }),
  modelNeuron: object<ModelNeuronMessage>({ type: literal('modelNeuron'), neuron: neuronView }),
  modelRollout: object<ModelRolloutMessage>({ type: literal('modelRollout'), rollout: rolloutView }),
  modelLayerHeads: object<ModelLayerHeadsMessage>({ type: literal('modelLayerHeads'), heads: layerHeadsView }),
  highlightToken: object<HighlightTokenMessage>({ type: literal('highlightToken'), unit: nullable(int(0, LIMITS.maxDim)) }),
};

export const modelFromPanelChecks: CheckTable<ModelFromPanelMessage> = {
  focusModelHead: object<FocusModelHeadMessage>({ type: literal('focusModelHead'), layer: int(0, MAX_LAYERS), head: int(0, LIMITS.maxHeads) }),
  selectModelQuery: object<SelectModelQueryMessage>({ type: literal('selectModelQuery'), token: int(0, LIMITS.maxDim) }),
  setRolloutLayer: object<SetRolloutLayerMessage>({ type: literal('setRolloutLayer'), upTo: int(0, MAX_LAYERS) }),
  requestLayerHeads: object<RequestLayerHeadsMessage>({ type: literal('requestLayerHeads'), layer: int(0, MAX_LAYERS) }),
  setModelViewOptions: object<SetModelViewOptionsMessage>({ type: literal('setModelViewOptions'), options: modelViewOptions }),
  hoverToken: object<HoverTokenMessage>({ type: literal('hoverToken'), unit: nullable(int(0, LIMITS.maxDim)) }),
  appendToken: object<AppendTokenMessage>({ type: literal('appendToken'), id: int(0, MAX_VOCAB) }),
};
