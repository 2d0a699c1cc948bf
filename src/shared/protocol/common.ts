/**
 * What every Headlight webview protocol shares: the value shapes that cross more than one
 * feature (options, matrices and thumbnails on the wire, milestones) and the messages every page
 * sends (`ready`, `log`) or several do (`focusHead`).
 *
 * Numbers in bulk travel as ArrayBuffers (Float32 or Uint8, little-endian, as the platform
 * writes them): VS Code transfers ArrayBuffers natively for extensions targeting ≥ 1.57, where a
 * JSON array of 262,144 floats per 512-token head would cost megabytes of text.
 *
 * Pure module: no `vscode`, no DOM, no node.
 */
import type { Measure } from '../../core/types';
import { LIMITS, bool, buffer, describe, finite, int, isRecord, literal, object, oneOf, refine, str, type Check } from './validate';

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

/**
 * Charts the panel can export as PNG: those of either source, the embeddings' (plot, weights),
 * and a real model's (model view, head view, neuron view, rollout).
 */
export type ChartId = 'heatmap' | 'heads' | 'softmax' | 'lines' | 'plot' | 'weights' | 'model' | 'headview' | 'neuron' | 'rollout';
export const CHART_IDS: readonly ChartId[] = ['heatmap', 'heads', 'softmax', 'lines', 'plot', 'weights', 'model', 'headview', 'neuron', 'rollout'];
/** The charts only a model's picture has; the embeddings' only: EMBEDDING_CHART_IDS. */
export const MODEL_CHART_IDS: readonly ChartId[] = ['model', 'headview', 'neuron', 'rollout'];
export const EMBEDDING_CHART_IDS: readonly ChartId[] = ['plot', 'weights'];
/** Charts the host can also write as SVG (src/shared/heatmapSvg.ts): the focused head's heatmap. */
export type SvgChartId = 'heatmap';
export const SVG_CHART_IDS: readonly SvgChartId[] = ['heatmap'];

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

// ---------------------------------------------------------------------------------------------
// Messages more than one page sends
// ---------------------------------------------------------------------------------------------

/** A page's script runs and listens: the host answers with its whole state. */
export interface ReadyMessage {
  readonly type: 'ready';
}

export interface FocusHeadMessage {
  readonly type: 'focusHead';
  readonly head: number;
}

/** Something the webview wants in the Headlight log (its own errors, mostly). */
export interface LogMessage {
  readonly type: 'log';
  /** `debug`: timings (shown when the Headlight log is set to Debug). */
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
}

// ---------------------------------------------------------------------------------------------
// Checks of the shared shapes
// ---------------------------------------------------------------------------------------------

export const wireMatrix: Check = refine(
  object<WireMatrix>({ rows: int(0, LIMITS.maxDim), cols: int(0, LIMITS.maxDim), data: buffer(4) }),
  (m: WireMatrix) => (m.data.byteLength === m.rows * m.cols * 4 ? undefined : `matrix: ${m.data.byteLength} bytes for ${m.rows}×${m.cols} floats`),
);

export const wireThumb: Check = refine(
  object<WireThumb>({ rows: int(0, 4096), cols: int(0, 4096), data: buffer(1), max: finite(0) }),
  (t: WireThumb) => (t.data.byteLength === t.rows * t.cols ? undefined : `thumb: ${t.data.byteLength} bytes for ${t.rows}×${t.cols}`),
);

export const panelOptions: Check = object<PanelOptions>({
  measure: oneOf(MEASURE_VALUES),
  source: oneOf(SOURCE_KINDS),
  heads: int(1, LIMITS.maxHeads),
  seed: int(0, 0xffffffff),
  causal: bool,
  scale: bool,
  temperature: finite(1e-6, 1e6),
});

export const projection: Check = (v, p) => {
  if (isRecord(v) && v.kind === 'pca') return object<{ kind: 'pca' }>({ kind: literal('pca') })(v, p);
  return object<{ kind: 'dims'; x: number; y: number }>({ kind: literal('dims'), x: int(0, LIMITS.maxDim), y: int(0, LIMITS.maxDim) })(v, p);
};

export const milestones: Check = (v, p) => {
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

export const readyMessage: Check = object<ReadyMessage>({ type: literal('ready') });
export const focusHeadMessage: Check = object<FocusHeadMessage>({ type: literal('focusHead'), head: int(0, LIMITS.maxHeads) });
export const logMessage: Check = object<LogMessage>({ type: literal('log'), level: oneOf(['debug', 'info', 'warn', 'error'] as const), message: str(4096) });
