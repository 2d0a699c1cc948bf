/**
 * The attention panel's own messages: what the host computed over embeddings (the lesson, seeded
 * random projections, a weights file) and what the user does with it.
 *
 * Handshake: the webview posts `ready` once its script runs; the host answers with `init` (the
 * whole state), then sends updates. Until `ready` arrives the host posts nothing: a webview that
 * is not listening yet would drop it.
 *
 * The panel's two directions (panel.ts) are these messages plus every other feature's.
 *
 * Pure module: no `vscode`, no DOM, no node.
 */
import {
  CHART_IDS,
  EXPORT_FORMATS,
  SVG_CHART_IDS,
  MATRIX_IDS,
  focusHeadMessage,
  logMessage,
  milestones,
  panelOptions,
  projection,
  readyMessage,
  wireMatrix,
  wireThumb,
  type ChartId,
  type ExportFormat,
  type FocusHeadMessage,
  type LogMessage,
  type MatrixId,
  type SvgChartId,
  type Milestones,
  type PanelOptions,
  type Projection,
  type ReadyMessage,
  type WireMatrix,
  type WireThumb,
} from './common';
import { LIMITS, arrayOf, bool, buffer, finite, int, literal, num, object, oneOf, optional, refine, str, type Check, type CheckTable } from './validate';

// ---------------------------------------------------------------------------------------------
// What the panel draws
// ---------------------------------------------------------------------------------------------

/** The focused head, in full. Masked scores are −Infinity on the wire (Float32 keeps it). */
export interface HeadView {
  readonly index: number;
  readonly scores: WireMatrix;
  readonly weights: WireMatrix;
}

/** One key of the softmax breakdown of a query row. */
export interface BreakdownEntry {
  readonly key: string;
  readonly raw: number;
  readonly scaled: number;
  readonly minusMax: number;
  readonly exp: number;
  readonly probability: number;
  readonly masked: boolean;
}

/** The softmax of one query row, step by step, and the deck's sentence for it. */
export interface RowView {
  readonly head: number;
  readonly row: number;
  readonly query: string;
  readonly entries: readonly BreakdownEntry[];
  readonly max: number;
  readonly sum: number;
  /** √d_k when scaling is on, else 1. */
  readonly scaleDivisor: number;
  /** The `scaled` column is raw ÷ scaleDivisor ÷ temperature. */
  readonly temperature: number;
  /** `orange → 0.40 orange + 0.30 apple + 0.15 and + 0.15 an` */
  readonly line: string;
}

/** The "context pulls" picture: every token's input row and its attention output, projected. */
export interface PlotView {
  readonly projection: Projection;
  readonly xLabel: string;
  readonly yLabel: string;
  /** Float32 [n, 2]: x, y of each input row. */
  readonly inputs: ArrayBuffer;
  /** Float32 [n, 2]: x, y of each output row, through the same projection. */
  readonly outputs: ArrayBuffer;
  readonly note: string;
}

/** A projection matrix slice of the focused head, named the way the deck writes it. */
export interface NamedMatrix {
  readonly name: string;
  readonly matrix: WireMatrix;
}

/** Everything the panel draws after one computation. */
export interface PanelSnapshot {
  /** Tokens that went into attention, in input order. */
  readonly tokens: readonly string[];
  /** Every word of the input in order; `known: false` ones were not in the embedding set. */
  readonly words: readonly { readonly text: string; readonly known: boolean }[];
  /** Unknown words, deduplicated, in order of appearance. */
  readonly oov: readonly string[];
  /** The embedding set: "Lesson (bundled)" or a file name. */
  readonly setLabel: string;
  /** The .emb file the tokens were taken from (a reload reads it again); '' for the active set. */
  readonly setUri: string;
  readonly options: PanelOptions;
  /** "Lesson: Q = K = V = the embeddings", "Seeded random, 4 heads, seed 42", a file name. */
  readonly sourceLabel: string;
  readonly model: {
    readonly d: number;
    readonly dk: number;
    readonly heads: number;
    readonly dimNames: readonly string[];
  };
  readonly thumbs: readonly WireThumb[];
  readonly head: HeadView;
  readonly row: RowView;
  readonly plot: PlotView;
  readonly computeMs: number;
}

// ---------------------------------------------------------------------------------------------
// Host → attention panel
// ---------------------------------------------------------------------------------------------

export type PanelStatus = 'empty' | 'ready' | 'error';

/** Answer to `ready`: the whole state, so a webview recreated after being hidden draws at once. */
export interface InitMessage {
  readonly type: 'init';
  readonly status: PanelStatus;
  readonly snapshot: PanelSnapshot | undefined;
  /** Why the panel is empty or in error, in a sentence. */
  readonly message: string;
  readonly options: PanelOptions;
  /** Print values inside heatmap cells up to this many tokens. */
  readonly printValuesUpTo: number;
  readonly weightsLabel: string;
  /**
   * Milestones of the Show Attention this init answers (name → epoch ms: command, panel,
   * computed, ready, init…): the webview adds its own and shows them in `#app[data-timings]`
   * for the e2e timing test. Absent when the init answers nothing the user just ran.
   */
  readonly timings?: Milestones;
  /**
   * True when `snapshot` is the very picture the page's HTML carried (`#app[data-boot]`, see
   * bootPayload): a page that drew it from there need not draw it again.
   */
  readonly sameAsBoot?: boolean;
}

/** A computation started (true) or ended without a result (false). */
export interface ComputingMessage {
  readonly type: 'computing';
  readonly active: boolean;
}

/** The options changed (the panel's own controls, the settings, or a weights file was chosen). */
export interface OptionsMessage {
  readonly type: 'options';
  readonly options: PanelOptions;
  readonly weightsLabel: string;
}

export interface SnapshotMessage {
  readonly type: 'snapshot';
  readonly snapshot: PanelSnapshot;
  /** As in `init`: the milestones of the Show Attention that led to this snapshot. */
  readonly timings?: Milestones;
}

/** The focused head changed. */
export interface HeadMessage {
  readonly type: 'head';
  readonly head: HeadView;
  readonly row: RowView;
}

/** The selected query row changed. */
export interface RowMessage {
  readonly type: 'row';
  readonly row: RowView;
}

export interface PlotMessage {
  readonly type: 'plot';
  readonly plot: PlotView;
}

/** The focused head's W_Q, W_K, W_V, W_O slices, or why there are none (lesson mode). */
export interface WeightsMessage {
  readonly type: 'weights';
  readonly head: number;
  readonly matrices: readonly NamedMatrix[];
  readonly unavailable: string;
}

export interface ErrorMessage {
  readonly type: 'error';
  readonly message: string;
}

/** Export a chart: the webview answers `captured` or `captureFailed` with the same requestId. */
export interface CaptureMessage {
  readonly type: 'capture';
  readonly requestId: number;
  readonly chart: ChartId;
}

/**
 * The words of the picture the active set does not know, and what the panel offers instead: the
 * bundled trained word vectors or the bundled model. The host sends one after every `init` and
 * `snapshot` (an absent `offer`: show none).
 */
export const UNKNOWN_WORDS_CHOICES = ['trainedVectors', 'bundledModel', 'notNow'] as const;
export type UnknownWordsChoice = (typeof UNKNOWN_WORDS_CHOICES)[number];
/** The choices that switch the source ("Not now" is always offered). */
export type UnknownWordsSource = Exclude<UnknownWordsChoice, 'notNow'>;
export const UNKNOWN_WORDS_SOURCES: readonly UnknownWordsSource[] = ['trainedVectors', 'bundledModel'];

export interface UnknownWordsOffer {
  /** Distinct unknown words of the picture (snapshot.oov). */
  readonly count: number;
  /** The active set that lacks them, as the snapshot names it. */
  readonly setLabel: string;
  /** The sources on offer, in order; never empty. */
  readonly sources: readonly UnknownWordsSource[];
}

export interface UnknownWordsMessage {
  readonly type: 'unknownWords';
  readonly offer?: UnknownWordsOffer;
}

export type AttentionToPanelMessage =
  | UnknownWordsMessage
  | InitMessage
  | ComputingMessage
  | OptionsMessage
  | SnapshotMessage
  | HeadMessage
  | RowMessage
  | PlotMessage
  | WeightsMessage
  | ErrorMessage
  | CaptureMessage;

// ---------------------------------------------------------------------------------------------
// Attention panel → host
// ---------------------------------------------------------------------------------------------

export interface SetOptionsMessage {
  readonly type: 'setOptions';
  readonly options: PanelOptions;
}

export interface PickWeightsFileMessage {
  readonly type: 'pickWeightsFile';
}

export interface SelectRowMessage {
  readonly type: 'selectRow';
  readonly row: number;
}

export interface SetProjectionMessage {
  readonly type: 'setProjection';
  readonly projection: Projection;
}

/** The weights section scrolled into view: send the focused head's W slices (never sent unasked). */
export interface RequestWeightsMessage {
  readonly type: 'requestWeights';
  readonly head: number;
}

/** The user pressed a chart's PNG button: `dataUrl` is `data:image/png;base64,…`. */
export interface ExportImageMessage {
  readonly type: 'exportImage';
  readonly chart: ChartId;
  readonly dataUrl: string;
}

export interface ExportMatrixMessage {
  readonly type: 'exportMatrix';
  readonly matrix: MatrixId;
  readonly format: ExportFormat;
}

/** The user pressed a chart's SVG button: the host writes it from its own numbers (heatmapSvg.ts). */
export interface ExportSvgMessage {
  readonly type: 'exportSvg';
  readonly chart: SvgChartId;
}

export interface CapturedMessage {
  readonly type: 'captured';
  readonly requestId: number;
  readonly chart: ChartId;
  readonly dataUrl: string;
}

export interface CaptureFailedMessage {
  readonly type: 'captureFailed';
  readonly requestId: number;
  readonly reason: string;
}

/** The user answered the unknown-words offer. */
export interface ChooseUnknownWordsMessage {
  readonly type: 'chooseUnknownWords';
  readonly choice: UnknownWordsChoice;
}

export type AttentionFromPanelMessage =
  | ChooseUnknownWordsMessage
  | ReadyMessage
  | SetOptionsMessage
  | PickWeightsFileMessage
  | FocusHeadMessage
  | SelectRowMessage
  | SetProjectionMessage
  | RequestWeightsMessage
  | ExportImageMessage
  | ExportMatrixMessage
  | ExportSvgMessage
  | CapturedMessage
  | CaptureFailedMessage
  | LogMessage;

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

const headView: Check = refine(
  object<HeadView>({ index: int(0, LIMITS.maxHeads), scores: wireMatrix, weights: wireMatrix }),
  (h: HeadView) =>
    h.scores.rows === h.weights.rows && h.scores.cols === h.weights.cols ? undefined : 'head: scores and weights differ in shape',
);

const breakdownEntry: Check = object<BreakdownEntry>({
  key: str(),
  raw: num,
  scaled: num,
  minusMax: num,
  exp: num,
  probability: finite(0, 1.000001),
  masked: bool,
});

const rowView: Check = object<RowView>({
  head: int(0, LIMITS.maxHeads),
  row: int(0, LIMITS.maxDim),
  query: str(),
  entries: arrayOf(breakdownEntry, LIMITS.maxDim),
  max: num,
  sum: num,
  scaleDivisor: finite(0),
  temperature: finite(0),
  line: str(1 << 20),
});

const plotView: Check = refine(
  object<PlotView>({ projection, xLabel: str(), yLabel: str(), inputs: buffer(8), outputs: buffer(8), note: str() }),
  (p: PlotView) => (p.inputs.byteLength === p.outputs.byteLength ? undefined : 'plot: inputs and outputs differ in length'),
);

const namedMatrix: Check = object<NamedMatrix>({ name: str(64), matrix: wireMatrix });

const word: Check = object<{ text: string; known: boolean }>({ text: str(), known: bool });

export const panelSnapshot: Check = refine(
  object<PanelSnapshot>({
    tokens: arrayOf(str(), LIMITS.maxDim),
    words: arrayOf(word, LIMITS.maxDim * 4),
    oov: arrayOf(str(), LIMITS.maxDim * 4),
    setLabel: str(),
    setUri: str(),
    options: panelOptions,
    sourceLabel: str(),
    model: object<PanelSnapshot['model']>({
      d: int(1, LIMITS.maxDim),
      dk: int(1, LIMITS.maxDim),
      heads: int(1, LIMITS.maxHeads),
      dimNames: arrayOf(str(), LIMITS.maxDim),
    }),
    thumbs: arrayOf(wireThumb, LIMITS.maxHeads),
    head: headView,
    row: rowView,
    plot: plotView,
    computeMs: finite(0),
  }),
  (s: PanelSnapshot) => {
    const n = s.tokens.length;
    if (s.thumbs.length !== s.model.heads) return `snapshot: ${s.thumbs.length} thumbnails for ${s.model.heads} heads`;
    if (s.head.index >= s.model.heads) return `snapshot: focused head ${s.head.index} of ${s.model.heads}`;
    if (s.head.weights.rows !== n || s.head.weights.cols !== n) return `snapshot: weights are ${s.head.weights.rows}×${s.head.weights.cols} for ${n} tokens`;
    if (s.plot.inputs.byteLength !== n * 8) return `snapshot: plot has ${s.plot.inputs.byteLength / 8} points for ${n} tokens`;
    return undefined;
  },
);

export const attentionToPanelChecks: CheckTable<AttentionToPanelMessage> = {
  init: object<InitMessage>({
    type: literal('init'),
    status: oneOf<PanelStatus>(['empty', 'ready', 'error']),
    snapshot: optional(panelSnapshot),
    message: str(),
    options: panelOptions,
    printValuesUpTo: int(0, 4096),
    weightsLabel: str(),
    timings: optional(milestones),
    sameAsBoot: optional(bool),
  }),
  computing: object<ComputingMessage>({ type: literal('computing'), active: bool }),
  options: object<OptionsMessage>({ type: literal('options'), options: panelOptions, weightsLabel: str() }),
  snapshot: object<SnapshotMessage>({ type: literal('snapshot'), snapshot: panelSnapshot, timings: optional(milestones) }),
  head: object<HeadMessage>({ type: literal('head'), head: headView, row: rowView }),
  row: object<RowMessage>({ type: literal('row'), row: rowView }),
  plot: object<PlotMessage>({ type: literal('plot'), plot: plotView }),
  weights: object<WeightsMessage>({
    type: literal('weights'),
    head: int(0, LIMITS.maxHeads),
    matrices: arrayOf(namedMatrix, 8),
    unavailable: str(),
  }),
  error: object<ErrorMessage>({ type: literal('error'), message: str() }),
  capture: object<CaptureMessage>({ type: literal('capture'), requestId: int(0, Number.MAX_SAFE_INTEGER), chart: oneOf(CHART_IDS) }),
  unknownWords: object<UnknownWordsMessage>({
    type: literal('unknownWords'),
    offer: optional(
      object<UnknownWordsOffer>({
        count: int(1, LIMITS.maxDim * 4),
        setLabel: str(),
        sources: refine(arrayOf(oneOf(UNKNOWN_WORDS_SOURCES), UNKNOWN_WORDS_SOURCES.length), (v: readonly string[]) =>
          v.length === 0 ? 'offer.sources: empty' : new Set(v).size !== v.length ? 'offer.sources: a source twice' : undefined,
        ),
      }),
    ),
  }),
};

const dataUrl: Check = (v, p) =>
  str(LIMITS.maxDataUrl)(v, p) ?? ((v as string).startsWith('data:image/png;base64,') ? undefined : `${p}: expected a data:image/png;base64 URL`);

export const attentionFromPanelChecks: CheckTable<AttentionFromPanelMessage> = {
  ready: readyMessage,
  setOptions: object<SetOptionsMessage>({ type: literal('setOptions'), options: panelOptions }),
  pickWeightsFile: object<PickWeightsFileMessage>({ type: literal('pickWeightsFile') }),
  focusHead: focusHeadMessage,
  selectRow: object<SelectRowMessage>({ type: literal('selectRow'), row: int(0, LIMITS.maxDim) }),
  setProjection: object<SetProjectionMessage>({ type: literal('setProjection'), projection }),
  requestWeights: object<RequestWeightsMessage>({ type: literal('requestWeights'), head: int(0, LIMITS.maxHeads) }),
  exportImage: object<ExportImageMessage>({ type: literal('exportImage'), chart: oneOf(CHART_IDS), dataUrl }),
  exportMatrix: object<ExportMatrixMessage>({ type: literal('exportMatrix'), matrix: oneOf(MATRIX_IDS), format: oneOf(EXPORT_FORMATS) }),
  exportSvg: object<ExportSvgMessage>({ type: literal('exportSvg'), chart: oneOf(SVG_CHART_IDS) }),
  captured: object<CapturedMessage>({
    type: literal('captured'),
    requestId: int(0, Number.MAX_SAFE_INTEGER),
    chart: oneOf(CHART_IDS),
    dataUrl,
  }),
  captureFailed: object<CaptureFailedMessage>({ type: literal('captureFailed'), requestId: int(0, Number.MAX_SAFE_INTEGER), reason: str(4096) }),
  log: logMessage,
  chooseUnknownWords: object<ChooseUnknownWordsMessage>({ type: literal('chooseUnknownWords'), choice: oneOf(UNKNOWN_WORDS_CHOICES) }),
};

