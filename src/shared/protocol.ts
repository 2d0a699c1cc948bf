/**
 * The one protocol between the extension host and Headlight's two webviews: the attention panel
 * and the "Heads" side view.
 *
 * Every message is declared once here: a readonly string-literal union of `type`s per direction,
 * one interface per message, the union of each direction, and a validator for each message that
 * both sides run on everything they receive (postMessage data is untyped at runtime: a stale
 * webview after an update, or a page that is not ours, must not be able to crash or confuse the
 * receiver). Handlers switch over `type` and end in `assertNever`, so adding a message without
 * handling it is a compile error on both sides.
 *
 * Handshake: the webview posts `ready` once its script runs; the host answers with `init` (the
 * whole state), then sends updates. Until `ready` arrives the host posts nothing: a webview that is
 * not listening yet would drop it.
 *
 * Numbers in bulk travel as ArrayBuffers (Float32 or Uint8, little-endian, as the platform
 * writes them): VS Code transfers ArrayBuffers natively for extensions targeting ≥ 1.57, where a
 * JSON array of 262,144 floats per 512-token head would cost megabytes of text.
 *
 * Pure module: no `vscode`, no DOM, no node — loaded by the host, the webview bundle and the tests.
 */
import type { Measure } from '../core/types';

// ---------------------------------------------------------------------------------------------
// Shared value shapes
// ---------------------------------------------------------------------------------------------

export const MEASURE_VALUES: readonly Measure[] = ['dot', 'cosine', 'scaled'];

export type SourceKind = 'lesson' | 'random' | 'weights';
export const SOURCE_KINDS: readonly SourceKind[] = ['lesson', 'random', 'weights'];

/** The controls of the panel; the host computes with exactly these. */
export interface PanelOptions {
  readonly measure: Measure;
  readonly source: SourceKind;
  /** Heads of the seeded random projections (and how a weights file is split). */
  readonly heads: number;
  readonly seed: number;
  readonly causal: boolean;
  /** Divide scores by √d_k before softmax. */
  readonly scale: boolean;
  readonly temperature: number;
}

/** How the embedding plot puts d-dimensional rows on a plane. */
export type Projection =
  | { readonly kind: 'pca' }
  | { readonly kind: 'dims'; readonly x: number; readonly y: number };

/** Charts the panel can export as PNG. */
export type ChartId = 'heatmap' | 'heads' | 'softmax' | 'lines' | 'plot' | 'weights';
export const CHART_IDS: readonly ChartId[] = ['heatmap', 'heads', 'softmax', 'lines', 'plot', 'weights'];

/** Matrices the host can export as CSV or JSON. */
export type MatrixId =
  | 'weights' // focused head, softmax weights [n, n]
  | 'scores' // focused head, pre-softmax scores [n, n]
  | 'all-weights' // every head's weights [h][n, n]
  | 'breakdown' // the selected row's softmax steps
  | 'embeddings' // the input rows X [n, d]
  | 'output' // the attention output [n, d]
  | 'wq' | 'wk' | 'wv' | 'wo'; // the focused head's projection slices
export const MATRIX_IDS: readonly MatrixId[] = ['weights', 'scores', 'all-weights', 'breakdown', 'embeddings', 'output', 'wq', 'wk', 'wv', 'wo'];

export type ExportFormat = 'csv' | 'json';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json'];

/** A dense row-major Float32 matrix on the wire. `data.byteLength === rows * cols * 4`. */
export interface WireMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: ArrayBuffer;
}

/** A head's weights shrunk for small multiples: Uint8 intensities 0..255 of weight / maxWeight. */
export interface WireThumb {
  readonly rows: number;
  readonly cols: number;
  /** Uint8, rows × cols. */
  readonly data: ArrayBuffer;
  /** The largest weight of the head, what 255 stands for. */
  readonly max: number;
}

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

export type ToPanelType = 'init' | 'computing' | 'options' | 'snapshot' | 'head' | 'row' | 'plot' | 'weights' | 'error' | 'capture';

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

/** Named points in time (epoch ms), at most MAX_MILESTONES of them. */
export type Milestones = Readonly<Record<string, number>>;

/**
 * A milestone's time: ms since the epoch, to 0.1 ms, from a `performance.now()`-style reading
 * (default: now). Host and webview run on one machine, so their milestones share this clock.
 */
export function epochMs(sinceTimeOrigin = performance.now()): number {
  return Math.round((performance.timeOrigin + sinceTimeOrigin) * 10) / 10;
}
export const MAX_MILESTONES = 32;

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

export type ToPanelMessage =
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

export type FromPanelType =
  | 'ready'
  | 'setOptions'
  | 'pickWeightsFile'
  | 'focusHead'
  | 'selectRow'
  | 'setProjection'
  | 'requestWeights'
  | 'exportImage'
  | 'exportMatrix'
  | 'captured'
  | 'captureFailed'
  | 'log';

export interface ReadyMessage {
  readonly type: 'ready';
}

export interface SetOptionsMessage {
  readonly type: 'setOptions';
  readonly options: PanelOptions;
}

export interface PickWeightsFileMessage {
  readonly type: 'pickWeightsFile';
}

export interface FocusHeadMessage {
  readonly type: 'focusHead';
  readonly head: number;
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

/** Something the webview wants in the Headlight log (its own errors, mostly). */
export interface LogMessage {
  readonly type: 'log';
  /** `debug`: timings (shown when the Headlight log is set to Debug). */
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
}

export type FromPanelMessage =
  | ReadyMessage
  | SetOptionsMessage
  | PickWeightsFileMessage
  | FocusHeadMessage
  | SelectRowMessage
  | SetProjectionMessage
  | RequestWeightsMessage
  | ExportImageMessage
  | ExportMatrixMessage
  | CapturedMessage
  | CaptureFailedMessage
  | LogMessage;

// ---------------------------------------------------------------------------------------------
// Host ↔ Heads side view
// ---------------------------------------------------------------------------------------------

export type ToHeadsType = 'heads' | 'focus';

/** Every head as a thumbnail; empty `thumbs` means nothing computed yet. */
export interface HeadsMessage {
  readonly type: 'heads';
  readonly thumbs: readonly WireThumb[];
  readonly focusedHead: number;
  readonly tokens: number;
  readonly label: string;
}

export interface FocusMessage {
  readonly type: 'focus';
  readonly head: number;
}

export type ToHeadsMessage = HeadsMessage | FocusMessage;

export type FromHeadsType = 'ready' | 'focusHead' | 'showAttention' | 'log';

export interface ShowAttentionMessage {
  readonly type: 'showAttention';
}

export type FromHeadsMessage = ReadyMessage | FocusHeadMessage | ShowAttentionMessage | LogMessage;

// ---------------------------------------------------------------------------------------------
// Exhaustiveness
// ---------------------------------------------------------------------------------------------

/** The `default:` of every message switch: a compile error when a message type is not handled. */
export function assertNever(value: never, what = 'message'): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(value)}`);
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/** A check returns undefined when the value fits, else what is wrong and where. */
type Check = (value: unknown, path: string) => string | undefined;

/** One check per field of T, none missing, none extra (enforced by the type). */
type Fields<T> = { readonly [K in keyof T]-?: Check };

const LIMITS = {
  /** Far above any setting (maxTokens ≤ 4096); only there to refuse absurd allocations. */
  maxDim: 1 << 16,
  maxText: 1 << 16,
  maxDataUrl: 64 << 20,
  maxHeads: 1024,
} as const;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof ArrayBuffer) return `an ArrayBuffer of ${value.byteLength} bytes`;
  return typeof value;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof ArrayBuffer);

const str = (maxLength: number = LIMITS.maxText): Check => (v, p) =>
  typeof v !== 'string' ? `${p}: expected a string, got ${describe(v)}` : v.length > maxLength ? `${p}: longer than ${maxLength} characters` : undefined;

const bool: Check = (v, p) => (typeof v === 'boolean' ? undefined : `${p}: expected true or false, got ${describe(v)}`);

/** Any number Float32 can carry (including ±Infinity for masked scores), never NaN. */
const num: Check = (v, p) => (typeof v === 'number' && !Number.isNaN(v) ? undefined : `${p}: expected a number, got ${describe(v)}`);

const finite = (min = -Infinity, max = Infinity): Check => (v, p) =>
  typeof v !== 'number' || !Number.isFinite(v)
    ? `${p}: expected a finite number, got ${describe(v)}`
    : v < min || v > max
      ? `${p}: ${v} is outside [${min}, ${max}]`
      : undefined;

const int = (min: number, max: number): Check => (v, p) =>
  typeof v !== 'number' || !Number.isInteger(v)
    ? `${p}: expected an integer, got ${describe(v)}`
    : v < min || v > max
      ? `${p}: ${v} is outside [${min}, ${max}]`
      : undefined;

const oneOf = <T extends string>(values: readonly T[]): Check => (v, p) =>
  typeof v === 'string' && (values as readonly string[]).includes(v) ? undefined : `${p}: expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`;

const literal = (value: string): Check => (v, p) => (v === value ? undefined : `${p}: expected "${value}"`);

const optional = (check: Check): Check => (v, p) => (v === undefined ? undefined : check(v, p));

const arrayOf = (check: Check, maxLength: number): Check => (v, p) => {
  if (!Array.isArray(v)) return `${p}: expected an array, got ${describe(v)}`;
  if (v.length > maxLength) return `${p}: more than ${maxLength} items`;
  for (let i = 0; i < v.length; i++) {
    const problem = check(v[i], `${p}[${i}]`);
    if (problem) return problem;
  }
  return undefined;
};

const buffer = (bytesPerValue: number): Check => (v, p) =>
  v instanceof ArrayBuffer && v.byteLength % bytesPerValue === 0 ? undefined : `${p}: expected an ArrayBuffer of ${bytesPerValue}-byte values, got ${describe(v)}`;

function object<T>(fields: Fields<T>): Check {
  const known = new Set(Object.keys(fields));
  return (v, p) => {
    if (!isRecord(v)) return `${p}: expected an object, got ${describe(v)}`;
    for (const key of Object.keys(v)) {
      if (!known.has(key)) return `${p}: unexpected field "${key}"`;
    }
    for (const [key, check] of Object.entries(fields) as [string, Check][]) {
      const problem = check(v[key], `${p}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  };
}

/** Extra whole-value conditions once the fields fit (sizes that must agree, indices in range). */
const refine = (check: Check, condition: (v: never) => string | undefined): Check => (v, p) =>
  check(v, p) ?? condition(v as never);

const wireMatrix: Check = refine(
  object<WireMatrix>({ rows: int(0, LIMITS.maxDim), cols: int(0, LIMITS.maxDim), data: buffer(4) }),
  (m: WireMatrix) => (m.data.byteLength === m.rows * m.cols * 4 ? undefined : `matrix: ${m.data.byteLength} bytes for ${m.rows}×${m.cols} floats`),
);

const wireThumb: Check = refine(
  object<WireThumb>({ rows: int(0, 4096), cols: int(0, 4096), data: buffer(1), max: finite(0) }),
  (t: WireThumb) => (t.data.byteLength === t.rows * t.cols ? undefined : `thumb: ${t.data.byteLength} bytes for ${t.rows}×${t.cols}`),
);

const panelOptions: Check = object<PanelOptions>({
  measure: oneOf(MEASURE_VALUES),
  source: oneOf(SOURCE_KINDS),
  heads: int(1, LIMITS.maxHeads),
  seed: int(0, 0xffffffff),
  causal: bool,
  scale: bool,
  temperature: finite(1e-6, 1e6),
});

const projection: Check = (v, p) => {
  if (isRecord(v) && v.kind === 'pca') return object<{ kind: 'pca' }>({ kind: literal('pca') })(v, p);
  return object<{ kind: 'dims'; x: number; y: number }>({ kind: literal('dims'), x: int(0, LIMITS.maxDim), y: int(0, LIMITS.maxDim) })(v, p);
};

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

const panelSnapshot: Check = refine(
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

const milestones: Check = (v, p) => {
  if (!isRecord(v)) return `${p}: expected an object, got ${describe(v)}`;
  const entries = Object.entries(v);
  if (entries.length > MAX_MILESTONES) return `${p}: more than ${MAX_MILESTONES} milestones`;
  for (const [name, at] of entries) {
    if (!/^[A-Za-z][A-Za-z0-9]{0,31}$/.test(name)) return `${p}: unexpected milestone name ${JSON.stringify(name.slice(0, 40))}`;
    const problem = finite(0)(at, `${p}.${name}`);
    if (problem) return problem;
  }
  return undefined;
};

/** The validators, keyed by message type: the mapped types make a missing one a compile error. */
const toPanelChecks: { readonly [K in ToPanelType]: Check } = {
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
};

const dataUrl: Check = (v, p) =>
  str(LIMITS.maxDataUrl)(v, p) ?? ((v as string).startsWith('data:image/png;base64,') ? undefined : `${p}: expected a data:image/png;base64 URL`);

const logMessage: Check = object<LogMessage>({ type: literal('log'), level: oneOf(['debug', 'info', 'warn', 'error'] as const), message: str(4096) });

const fromPanelChecks: { readonly [K in FromPanelType]: Check } = {
  ready: object<ReadyMessage>({ type: literal('ready') }),
  setOptions: object<SetOptionsMessage>({ type: literal('setOptions'), options: panelOptions }),
  pickWeightsFile: object<PickWeightsFileMessage>({ type: literal('pickWeightsFile') }),
  focusHead: object<FocusHeadMessage>({ type: literal('focusHead'), head: int(0, LIMITS.maxHeads) }),
  selectRow: object<SelectRowMessage>({ type: literal('selectRow'), row: int(0, LIMITS.maxDim) }),
  setProjection: object<SetProjectionMessage>({ type: literal('setProjection'), projection }),
  requestWeights: object<RequestWeightsMessage>({ type: literal('requestWeights'), head: int(0, LIMITS.maxHeads) }),
  exportImage: object<ExportImageMessage>({ type: literal('exportImage'), chart: oneOf(CHART_IDS), dataUrl }),
  exportMatrix: object<ExportMatrixMessage>({ type: literal('exportMatrix'), matrix: oneOf(MATRIX_IDS), format: oneOf(EXPORT_FORMATS) }),
  captured: object<CapturedMessage>({
    type: literal('captured'),
    requestId: int(0, Number.MAX_SAFE_INTEGER),
    chart: oneOf(CHART_IDS),
    dataUrl,
  }),
  captureFailed: object<CaptureFailedMessage>({ type: literal('captureFailed'), requestId: int(0, Number.MAX_SAFE_INTEGER), reason: str(4096) }),
  log: logMessage,
};

const toHeadsChecks: { readonly [K in ToHeadsType]: Check } = {
  heads: refine(
    object<HeadsMessage>({
      type: literal('heads'),
      thumbs: arrayOf(wireThumb, LIMITS.maxHeads),
      focusedHead: int(0, LIMITS.maxHeads),
      tokens: int(0, LIMITS.maxDim),
      label: str(),
    }),
    (m: HeadsMessage) => (m.thumbs.length === 0 || m.focusedHead < m.thumbs.length ? undefined : `heads: focused head ${m.focusedHead} of ${m.thumbs.length}`),
  ),
  focus: object<FocusMessage>({ type: literal('focus'), head: int(0, LIMITS.maxHeads) }),
};

const fromHeadsChecks: { readonly [K in FromHeadsType]: Check } = {
  ready: object<ReadyMessage>({ type: literal('ready') }),
  focusHead: object<FocusHeadMessage>({ type: literal('focusHead'), head: int(0, LIMITS.maxHeads) }),
  showAttention: object<ShowAttentionMessage>({ type: literal('showAttention') }),
  log: logMessage,
};

/** What a validator says: the typed message, or why it was refused. */
export type Validated<T> = { readonly ok: true; readonly message: T } | { readonly ok: false; readonly reason: string };

/** Longest piece of an unknown `type` repeated in a refusal (it goes into the log). */
const TYPE_SHOWN = 80;

/** An unknown `type` for the log: a string quoted and cut to TYPE_SHOWN characters, else its kind. */
function describeType(type: unknown): string {
  if (typeof type !== 'string') return describe(type);
  return JSON.stringify(type.length > TYPE_SHOWN ? `${type.slice(0, TYPE_SHOWN - 1)}…` : type);
}

function validateWith<T>(checks: Readonly<Record<string, Check>>, data: unknown): Validated<T> {
  if (!isRecord(data)) return { ok: false, reason: `message: expected an object, got ${describe(data)}` };
  const type = data.type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(checks, type)) {
    return { ok: false, reason: `message: unknown type ${describeType(type)}` };
  }
  const problem = checks[type]!(data, type);
  return problem ? { ok: false, reason: problem } : { ok: true, message: data as T };
}

/** The validation helpers, for the other protocols in src/shared (explorerProtocol.ts). */
export { type Check, type Fields, describe, isRecord, str, bool, num, finite, int, oneOf, literal, optional, arrayOf, buffer, object, refine, validateWith };

export const validateToPanel = (data: unknown): Validated<ToPanelMessage> => validateWith(toPanelChecks, data);
export const validateFromPanel = (data: unknown): Validated<FromPanelMessage> => validateWith(fromPanelChecks, data);
export const validateToHeads = (data: unknown): Validated<ToHeadsMessage> => validateWith(toHeadsChecks, data);
export const validateFromHeads = (data: unknown): Validated<FromHeadsMessage> => validateWith(fromHeadsChecks, data);

// ---------------------------------------------------------------------------------------------
// Boot: the first `init` inside the page itself
// ---------------------------------------------------------------------------------------------

/**
 * When the picture is ready before its panel is created (a sentence is computed in a few
 * milliseconds), the page's HTML carries the `init` in `#app[data-boot]` — escaped JSON in an
 * attribute, read as data and validated like any message, never executed — and the page draws it
 * at once instead of after the ready → init round trip. The handshake still happens; its `init`
 * then says `sameAsBoot`. ArrayBuffers are written as `{ "$bytes": "<base64>" }`.
 */
export function bootPayload(init: InitMessage): unknown {
  return JSON.parse(JSON.stringify(init, (_key, value: unknown) => (value instanceof ArrayBuffer ? { $bytes: toBase64(new Uint8Array(value)) } : value)));
}

/** The longest `data-boot` read (the host only boots small pictures). */
export const MAX_BOOT_CHARS = 1 << 20;

/** `#app[data-boot]` back into a validated `init`. */
export function readBoot(text: string): Validated<InitMessage> {
  if (text.length > MAX_BOOT_CHARS) return { ok: false, reason: `boot: longer than ${MAX_BOOT_CHARS} characters` };
  let data: unknown;
  try {
    data = JSON.parse(text, (_key, value: unknown) => {
      if (!isRecord(value) || typeof value.$bytes !== 'string' || Object.keys(value).length !== 1) return value;
      const bytes = fromBase64(value.$bytes);
      return bytes ? bytes.buffer : value; // a bad encoding stays an object and fails validation
    });
  } catch (error) {
    return { ok: false, reason: `boot: not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (!isRecord(data) || data.type !== 'init') return { ok: false, reason: 'boot: expected an init message' };
  return validateToPanel(data) as Validated<InitMessage>;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Only for the panel's persisted state (getState/setState and the serializer's `state`). */
export interface PersistedPanelState {
  readonly version: 1;
  /** The tokens the panel showed, so a reload recomputes the same picture. */
  readonly words: readonly string[];
  /** The .emb file the tokens were taken from; '' for the active embedding set. */
  readonly setUri: string;
  readonly options: PanelOptions;
  readonly focusedHead: number;
  readonly selectedRow: number;
  readonly projection: Projection;
}

const persistedState: Check = object<PersistedPanelState>({
  version: (v, p) => (v === 1 ? undefined : `${p}: expected 1`),
  words: arrayOf(str(), LIMITS.maxDim * 4),
  setUri: str(),
  options: panelOptions,
  focusedHead: int(0, LIMITS.maxHeads),
  selectedRow: int(0, LIMITS.maxDim),
  projection,
});

export function validatePersistedState(data: unknown): Validated<PersistedPanelState> {
  const problem = persistedState(data, 'state');
  return problem ? { ok: false, reason: problem } : { ok: true, message: data as PersistedPanelState };
}
