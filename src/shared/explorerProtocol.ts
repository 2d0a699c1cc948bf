/**
 * The protocol between the extension host and the Embedding Explorer webview (a custom read-only
 * editor for embedding files of any size: src/host/explorer/, webview/src/explorer/).
 *
 * As in protocol.ts: a readonly string-literal union of `type`s per direction, one interface per
 * message, one validator table per direction (a mapped type over the union makes a missing entry
 * a compile error), and handlers that switch over `type` and end in `assertNever`. Both sides
 * validate everything they receive.
 *
 * Handshake: the webview posts `ready`; the host answers `init` (the file, the loading state and,
 * once indexed, its summary), then `progress` while the file is indexed and `loaded` or `failed`.
 * Everything else is a question and its answer: the webview sends a `request*` with a fresh
 * `requestId`, the host answers with the message of the same `requestId` (or `queryFailed`).
 * Answers to superseded questions are dropped by the webview (it only keeps the latest id per view).
 *
 * The host never sends the vocabulary: the token list asks for the rows it shows (`requestRows`),
 * so a 3M-word file costs the webview a few dozen rows at a time.
 *
 * Pure module: no `vscode`, no DOM, no node.
 */
import type { Measure } from '../core/types';
import {
  MEASURE_VALUES,
  arrayOf,
  bool,
  buffer,
  finite,
  int,
  literal,
  object,
  oneOf,
  optional,
  refine,
  str,
  validateWith,
  type Check,
  type LogMessage,
  type Validated,
} from './protocol';

export { assertNever, MEASURE_VALUES, type Validated } from './protocol';

export const EXPLORER_VIEW_TYPE = 'headlight.embeddingExplorer';

export const EXPLORER_LIMITS = {
  /** Rows one `requestRows` may ask for (a screen is ~40; a page jump a few hundred). */
  maxRows: 1000,
  /** Matches a search keeps: the list scrolls through these (the vocabulary's best first). */
  maxMatches: 10_000,
  maxNeighbours: 100,
  /** Longest token or query sent either way (tokens past it are cut for display by displayToken anyway). */
  maxText: 4096,
  maxDim: 1 << 16,
  /** Points the map draws by PCA, and by UMAP (its neighbour graph and epochs grow faster than n). */
  maxMapPointsPca: 20_000,
  maxMapPointsUmap: 5_000,
  /** Far above any real vocabulary (GoogleNews: 3M); refuses absurd numbers. */
  maxCount: 2 ** 31 - 1,
} as const;

// ---------------------------------------------------------------------------------------------
// Shared value shapes
// ---------------------------------------------------------------------------------------------

/** What the Explorer knows about the file once it is indexed. */
export interface ExplorerSummary {
  readonly name: string;
  readonly count: number;
  readonly dim: number;
  /** One name per dimension (`dim 1`, `dim 2`… when the file names none). */
  readonly dimNames: readonly string[];
  readonly named: boolean;
  /** The file's format as the loader detected it ("GloVe text", "word2vec binary", …). */
  readonly format: string;
  /** Out-of-vocabulary words get vectors from character n-grams (fastText .bin). */
  readonly subwords: boolean;
  /** Problems the loader reported (duplicates, bad rows); the first few are in `problemLines`. */
  readonly problems: number;
  readonly problemLines: readonly string[];
  readonly bytes: number;
  readonly loadMs: number;
}

export type LoadStatus = 'loading' | 'ready' | 'error';
export const LOAD_STATUSES: readonly LoadStatus[] = ['loading', 'ready', 'error'];

/** A neighbour with all three measures side by side; ranked by the request's measure. */
export interface NeighbourRow {
  readonly index: number;
  readonly token: string;
  readonly cosine: number;
  readonly dot: number;
  readonly scaled: number;
}

/** An analogy answer: gensim's score (cosine with the combined, normalised query). */
export interface ScoredRow {
  readonly index: number;
  readonly token: string;
  readonly score: number;
}

/** Which tokens the map projects. */
export type MapSource =
  | { readonly kind: 'first'; readonly count: number }
  | { readonly kind: 'search'; readonly query: string; readonly count: number }
  | { readonly kind: 'neighbourhood'; readonly word: string; readonly count: number };
export type MapSourceKind = MapSource['kind'];
export const MAP_SOURCE_KINDS: readonly MapSourceKind[] = ['first', 'search', 'neighbourhood'];

export type MapMethod = 'pca' | 'umap';
export const MAP_METHODS: readonly MapMethod[] = ['pca', 'umap'];

/** Where a word's vector came from: its own row, or character n-grams (an OOV word of a fastText .bin). */
export type VectorOrigin = 'row' | 'subwords';
export const VECTOR_ORIGINS: readonly VectorOrigin[] = ['row', 'subwords'];

// ---------------------------------------------------------------------------------------------
// Host → Explorer
// ---------------------------------------------------------------------------------------------

export type ToExplorerType = 'init' | 'progress' | 'preview' | 'loaded' | 'failed' | 'rows' | 'token' | 'neighbours' | 'analogy' | 'compare' | 'map' | 'queryFailed' | 'activeSet';

export interface ExplorerInitMessage {
  readonly type: 'init';
  /** The file's name (never a path: the page has no use for it). */
  readonly file: string;
  readonly status: LoadStatus;
  /** Fraction indexed so far, in [0, 1]. */
  readonly progress: number;
  readonly summary: ExplorerSummary | undefined;
  /** The header and first tokens when they were read before the page was ready (see PreviewMessage). */
  readonly preview: ExplorerPreview | undefined;
  /** Why the status is `error`, in a sentence; '' otherwise. */
  readonly message: string;
  /** Host milestones of this editor (epoch ms: opened, htmlSet, readyReceived…), for the timing test. */
  readonly timings: Readonly<Record<string, number>>;
}

/** What the Explorer can show of a file before it is indexed: the header and its first tokens, in file order. */
export interface ExplorerPreview {
  /** Rows the header announces. */
  readonly count: number;
  readonly dim: number;
  readonly format: string;
  /** The first rows' tokens (at most maxRows). */
  readonly tokens: readonly string[];
}

/** The first paint of a big file: the list's first page and the header, while indexing continues. */
export interface PreviewMessage {
  readonly type: 'preview';
  readonly preview: ExplorerPreview;
}

export interface ExplorerProgressMessage {
  readonly type: 'progress';
  readonly fraction: number;
}

export interface LoadedMessage {
  readonly type: 'loaded';
  readonly summary: ExplorerSummary;
}

export interface FailedMessage {
  readonly type: 'failed';
  readonly message: string;
}

/**
 * Rows [start, start + tokens.length) of the list for `query`: file order for an empty query,
 * else the search's matches (best first, at most maxMatches: `capped` says there were more).
 */
export interface RowsMessage {
  readonly type: 'rows';
  readonly requestId: number;
  readonly query: string;
  readonly start: number;
  /** Rows the list has for this query. */
  readonly total: number;
  readonly capped: boolean;
  readonly indices: readonly number[];
  readonly tokens: readonly string[];
  /**
   * The query is not a token of the file but has a vector from subwords (fastText .bin): the list
   * offers it first. undefined when it is a token or the file has no subwords.
   */
  readonly oov: string | undefined;
}

export interface TokenMessage {
  readonly type: 'token';
  readonly requestId: number;
  /** −1 for an out-of-vocabulary word. */
  readonly index: number;
  readonly token: string;
  readonly origin: VectorOrigin;
  /** Float32 [dim]. */
  readonly vector: ArrayBuffer;
  readonly norm: number;
}

export interface NeighboursMessage {
  readonly type: 'neighbours';
  readonly requestId: number;
  readonly word: string;
  readonly origin: VectorOrigin;
  readonly measure: Measure;
  readonly neighbours: readonly NeighbourRow[];
  readonly ms: number;
}

export interface AnalogyMessage {
  readonly type: 'analogy';
  readonly requestId: number;
  /** a − b + c as the words were found (their spelling in the file). */
  readonly a: string;
  readonly b: string;
  readonly c: string;
  readonly answers: readonly ScoredRow[];
}

export interface CompareMessage {
  readonly type: 'compare';
  readonly requestId: number;
  readonly a: string;
  readonly b: string;
  readonly cosine: number;
  readonly dot: number;
  readonly scaled: number;
  readonly zeroVector: boolean;
  /** The deck's worked arithmetic: `1·0 + 4·3 = 12`, `12/√2 = 8.49`, and the cosine's. */
  readonly worked: { readonly dot: string; readonly scaled: string; readonly cosine: string };
}

export interface MapMessage {
  readonly type: 'map';
  readonly requestId: number;
  readonly method: MapMethod;
  readonly indices: readonly number[];
  readonly tokens: readonly string[];
  /** Float32 [n, 2]: x, y per token. */
  readonly points: ArrayBuffer;
  readonly xLabel: string;
  readonly yLabel: string;
  /** A sentence under the map: what was projected and how (explained variance, UMAP's seed). */
  readonly note: string;
  readonly ms: number;
}

export interface QueryFailedMessage {
  readonly type: 'queryFailed';
  readonly requestId: number;
  readonly message: string;
}

/** Answer to `useAsActiveSet`: whether the file is now the set Show Attention uses. */
export interface ActiveSetMessage {
  readonly type: 'activeSet';
  readonly active: boolean;
  readonly message: string;
}

export type ToExplorerMessage =
  | ExplorerInitMessage
  | ExplorerProgressMessage
  | PreviewMessage
  | LoadedMessage
  | FailedMessage
  | RowsMessage
  | TokenMessage
  | NeighboursMessage
  | AnalogyMessage
  | CompareMessage
  | MapMessage
  | QueryFailedMessage
  | ActiveSetMessage;

// ---------------------------------------------------------------------------------------------
// Explorer → host
// ---------------------------------------------------------------------------------------------

export type FromExplorerType = 'ready' | 'requestRows' | 'requestToken' | 'requestNeighbours' | 'requestAnalogy' | 'requestCompare' | 'requestMap' | 'useAsActiveSet' | 'painted' | 'log';

export interface ExplorerReadyMessage {
  readonly type: 'ready';
}

export interface RequestRowsMessage {
  readonly type: 'requestRows';
  readonly requestId: number;
  readonly query: string;
  readonly start: number;
  readonly count: number;
}

export interface RequestTokenMessage {
  readonly type: 'requestToken';
  readonly requestId: number;
  readonly word: string;
}

export interface RequestNeighboursMessage {
  readonly type: 'requestNeighbours';
  readonly requestId: number;
  readonly word: string;
  readonly measure: Measure;
  readonly k: number;
}

export interface RequestAnalogyMessage {
  readonly type: 'requestAnalogy';
  readonly requestId: number;
  readonly a: string;
  readonly b: string;
  readonly c: string;
  readonly k: number;
}

export interface RequestCompareMessage {
  readonly type: 'requestCompare';
  readonly requestId: number;
  readonly a: string;
  readonly b: string;
}

export interface RequestMapMessage {
  readonly type: 'requestMap';
  readonly requestId: number;
  readonly method: MapMethod;
  readonly source: MapSource;
}

export interface UseAsActiveSetMessage {
  readonly type: 'useAsActiveSet';
}

/** The webview's first paint and later milestones (epoch ms), for the host's timing log. */
export interface PaintedMessage {
  readonly type: 'painted';
  readonly milestones: Readonly<Record<string, number>>;
}

export type FromExplorerMessage =
  | ExplorerReadyMessage
  | RequestRowsMessage
  | RequestTokenMessage
  | RequestNeighboursMessage
  | RequestAnalogyMessage
  | RequestCompareMessage
  | RequestMapMessage
  | UseAsActiveSetMessage
  | PaintedMessage
  | LogMessage;

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

const requestId = int(0, Number.MAX_SAFE_INTEGER);
const index = int(0, EXPLORER_LIMITS.maxCount);
const text = str(EXPLORER_LIMITS.maxText);
/** A word asked about: at least one character. */
const word: Check = (v, p) => text(v, p) ?? ((v as string).trim().length === 0 ? `${p}: expected a word, got an empty string` : undefined);
const score: Check = finite();

const milestones: Check = (v, p) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${p}: expected an object of milestones`;
  const entries = Object.entries(v);
  if (entries.length > 32) return `${p}: more than 32 milestones`;
  for (const [name, at] of entries) {
    if (!/^[A-Za-z][A-Za-z0-9]{0,31}$/.test(name)) return `${p}: unexpected milestone name ${JSON.stringify(name.slice(0, 40))}`;
    const problem = finite(0)(at, `${p}.${name}`);
    if (problem) return problem;
  }
  return undefined;
};

const summary: Check = refine(
  object<ExplorerSummary>({
    name: text,
    count: int(0, EXPLORER_LIMITS.maxCount),
    dim: int(0, EXPLORER_LIMITS.maxDim),
    dimNames: arrayOf(str(256), EXPLORER_LIMITS.maxDim),
    named: bool,
    format: str(128),
    subwords: bool,
    problems: int(0, EXPLORER_LIMITS.maxCount),
    problemLines: arrayOf(text, 16),
    bytes: finite(0),
    loadMs: finite(0),
  }),
  (s: ExplorerSummary) => (s.dimNames.length === s.dim ? undefined : `summary: ${s.dimNames.length} dimension names for ${s.dim} dimensions`),
);

const preview: Check = object<ExplorerPreview>({
  count: int(0, EXPLORER_LIMITS.maxCount),
  dim: int(0, EXPLORER_LIMITS.maxDim),
  format: str(128),
  tokens: arrayOf(text, EXPLORER_LIMITS.maxRows),
});

const neighbourRow: Check = object<NeighbourRow>({ index, token: text, cosine: score, dot: score, scaled: score });
const scoredRow: Check = object<ScoredRow>({ index, token: text, score });

const mapSource: Check = (v, p) => {
  const kind = typeof v === 'object' && v !== null ? (v as { kind?: unknown }).kind : undefined;
  const count = int(1, EXPLORER_LIMITS.maxMapPointsPca);
  if (kind === 'first') return object<Extract<MapSource, { kind: 'first' }>>({ kind: literal('first'), count })(v, p);
  if (kind === 'search') return object<Extract<MapSource, { kind: 'search' }>>({ kind: literal('search'), query: word, count })(v, p);
  if (kind === 'neighbourhood') return object<Extract<MapSource, { kind: 'neighbourhood' }>>({ kind: literal('neighbourhood'), word, count })(v, p);
  return `${p}.kind: expected one of ${MAP_SOURCE_KINDS.join(', ')}, got ${JSON.stringify(kind)}`;
};

const toExplorerChecks: { readonly [K in ToExplorerType]: Check } = {
  init: refine(
    object<ExplorerInitMessage>({
      type: literal('init'),
      file: text,
      status: oneOf(LOAD_STATUSES),
      progress: finite(0, 1),
      summary: optional(summary),
      preview: optional(preview),
      message: text,
      timings: milestones,
    }),
    (m: ExplorerInitMessage) => (m.status === 'ready' && m.summary === undefined ? 'init: status ready without a summary' : undefined),
  ),
  progress: object<ExplorerProgressMessage>({ type: literal('progress'), fraction: finite(0, 1) }),
  preview: object<PreviewMessage>({ type: literal('preview'), preview }),
  loaded: object<LoadedMessage>({ type: literal('loaded'), summary }),
  failed: object<FailedMessage>({ type: literal('failed'), message: text }),
  rows: refine(
    object<RowsMessage>({
      type: literal('rows'),
      requestId,
      query: str(EXPLORER_LIMITS.maxText),
      start: index,
      total: int(0, EXPLORER_LIMITS.maxCount),
      capped: bool,
      indices: arrayOf(index, EXPLORER_LIMITS.maxRows),
      tokens: arrayOf(text, EXPLORER_LIMITS.maxRows),
      oov: optional(word),
    }),
    (m: RowsMessage) =>
      m.indices.length !== m.tokens.length
        ? `rows: ${m.indices.length} indices for ${m.tokens.length} tokens`
        : m.start + m.tokens.length > m.total
          ? `rows: rows ${m.start}..${m.start + m.tokens.length} past the total ${m.total}`
          : undefined,
  ),
  token: refine(
    object<TokenMessage>({
      type: literal('token'),
      requestId,
      index: int(-1, EXPLORER_LIMITS.maxCount),
      token: text,
      origin: oneOf(VECTOR_ORIGINS),
      vector: buffer(4),
      norm: finite(0),
    }),
    (m: TokenMessage) =>
      m.vector.byteLength > EXPLORER_LIMITS.maxDim * 4
        ? `token: ${m.vector.byteLength / 4} values, more than ${EXPLORER_LIMITS.maxDim}`
        : (m.index < 0) !== (m.origin === 'subwords')
          ? `token: index ${m.index} with a vector from ${m.origin}`
          : undefined,
  ),
  neighbours: object<NeighboursMessage>({
    type: literal('neighbours'),
    requestId,
    word: text,
    origin: oneOf(VECTOR_ORIGINS),
    measure: oneOf(MEASURE_VALUES),
    neighbours: arrayOf(neighbourRow, EXPLORER_LIMITS.maxNeighbours),
    ms: finite(0),
  }),
  analogy: object<AnalogyMessage>({ type: literal('analogy'), requestId, a: text, b: text, c: text, answers: arrayOf(scoredRow, EXPLORER_LIMITS.maxNeighbours) }),
  compare: object<CompareMessage>({
    type: literal('compare'),
    requestId,
    a: text,
    b: text,
    cosine: score,
    dot: score,
    scaled: score,
    zeroVector: bool,
    worked: object<CompareMessage['worked']>({ dot: str(1 << 20), scaled: str(4096), cosine: str(4096) }),
  }),
  map: refine(
    object<MapMessage>({
      type: literal('map'),
      requestId,
      method: oneOf(MAP_METHODS),
      indices: arrayOf(index, EXPLORER_LIMITS.maxMapPointsPca),
      tokens: arrayOf(text, EXPLORER_LIMITS.maxMapPointsPca),
      points: buffer(8),
      xLabel: str(256),
      yLabel: str(256),
      note: text,
      ms: finite(0),
    }),
    (m: MapMessage) =>
      m.indices.length !== m.tokens.length
        ? `map: ${m.indices.length} indices for ${m.tokens.length} tokens`
        : m.points.byteLength !== m.tokens.length * 8
          ? `map: ${m.points.byteLength / 8} points for ${m.tokens.length} tokens`
          : undefined,
  ),
  queryFailed: object<QueryFailedMessage>({ type: literal('queryFailed'), requestId, message: text }),
  activeSet: object<ActiveSetMessage>({ type: literal('activeSet'), active: bool, message: text }),
};

const fromExplorerChecks: { readonly [K in FromExplorerType]: Check } = {
  ready: object<ExplorerReadyMessage>({ type: literal('ready') }),
  requestRows: object<RequestRowsMessage>({ type: literal('requestRows'), requestId, query: str(EXPLORER_LIMITS.maxText), start: index, count: int(0, EXPLORER_LIMITS.maxRows) }),
  requestToken: object<RequestTokenMessage>({ type: literal('requestToken'), requestId, word }),
  requestNeighbours: object<RequestNeighboursMessage>({
    type: literal('requestNeighbours'),
    requestId,
    word,
    measure: oneOf(MEASURE_VALUES),
    k: int(1, EXPLORER_LIMITS.maxNeighbours),
  }),
  requestAnalogy: object<RequestAnalogyMessage>({ type: literal('requestAnalogy'), requestId, a: word, b: word, c: word, k: int(1, EXPLORER_LIMITS.maxNeighbours) }),
  requestCompare: object<RequestCompareMessage>({ type: literal('requestCompare'), requestId, a: word, b: word }),
  requestMap: refine(
    object<RequestMapMessage>({ type: literal('requestMap'), requestId, method: oneOf(MAP_METHODS), source: mapSource }),
    (m: RequestMapMessage) =>
      m.method === 'umap' && m.source.count > EXPLORER_LIMITS.maxMapPointsUmap
        ? `requestMap: UMAP draws at most ${EXPLORER_LIMITS.maxMapPointsUmap} points, ${m.source.count} asked`
        : undefined,
  ),
  useAsActiveSet: object<UseAsActiveSetMessage>({ type: literal('useAsActiveSet') }),
  painted: object<PaintedMessage>({ type: literal('painted'), milestones }),
  log: object<LogMessage>({ type: literal('log'), level: oneOf(['debug', 'info', 'warn', 'error'] as const), message: str(4096) }),
};

export const validateToExplorer = (data: unknown): Validated<ToExplorerMessage> => validateWith(toExplorerChecks, data);
export const validateFromExplorer = (data: unknown): Validated<FromExplorerMessage> => validateWith(fromExplorerChecks, data);
