/**
 * From a core attention run to what the panel draws: pure functions, no vscode, no DOM, so each
 * picture's numbers are unit-tested against the core (and through it, the deck).
 *
 * Contract:
 *   rowView(run, head, row)      the softmax of one query row, step by step, and the deck's line
 *   headView(run, head)          the focused head's scores and weights, packed for the wire
 *   thumbnails(run)              every head shrunk to ≤ 64 × 64 for the small multiples
 *   plotView(run, projection)    inputs and outputs on the same plane (PCA fitted to the inputs,
 *                                or two named dimensions)
 *   weightSlices(weights, head)  W_Q, W_K, W_V rows and the W_O columns that belong to one head
 *   buildSnapshot(run, …)        all of it for one computation
 *   exportMatrix(run, id, …)     CSV or JSON text of any matrix the panel shows
 *
 * Legend: n tokens, d model width, h heads, d_k = d / h.
 */
import { explainRow, explainSoftmaxRow, type ExplainedRow, type Matrix, type MultiHeadReport, type MultiHeadWeights } from '../core';
import {
  breakdownToCsv,
  breakdownToJson,
  matrixToCsv,
  matrixToJson,
  stackToCsv,
  stackToJson,
  type LabelledMatrix,
} from './exportFormat';
import type {
  ExportFormat,
  HeadView,
  MatrixId,
  NamedMatrix,
  PanelOptions,
  PanelSnapshot,
  PlotView,
  Projection,
  RowView,
  WireThumb,
} from './protocol';
import { topComponents } from './plotProjection';
import { thumbnail, toWire, type DenseMatrix } from './wire';

/** One computation: the tokens, their embedding rows, the core's report and the weights used. */
export interface AttentionRun {
  readonly tokens: readonly string[];
  /** [n, d] the embedding rows of the tokens. */
  readonly x: Matrix;
  readonly report: MultiHeadReport;
  /** The projections; undefined in lesson mode (Q = K = V = x). */
  readonly weights: MultiHeadWeights | undefined;
  readonly options: PanelOptions;
  /** Names of the d dimensions (from the .emb header), or dim 1 … dim d. */
  readonly dimNames: readonly string[];
}

export function defaultDimNames(d: number, names: readonly string[] | undefined): string[] {
  return Array.from({ length: d }, (_, j) => names?.[j] || `dim ${j + 1}`);
}

function checkHead(run: AttentionRun, head: number): void {
  if (!Number.isInteger(head) || head < 0 || head >= run.report.heads.length) {
    throw new RangeError(`head ${head} is outside 0…${run.report.heads.length - 1}`);
  }
}

function checkRow(run: AttentionRun, row: number): void {
  if (!Number.isInteger(row) || row < 0 || row >= run.tokens.length) {
    throw new RangeError(`row ${row} is outside 0…${run.tokens.length - 1}`);
  }
}

/** The sentence keeps at most this many terms; a 512-key row would be 512 terms of "0.00". */
export const LINE_TERMS = 12;

/**
 * The core's sentence, shortened for long rows: the heaviest LINE_TERMS terms, then how many
 * keys and how much weight are left. Rows of up to LINE_TERMS keys read exactly as the core
 * (and the deck) write them.
 */
export function deckLine(explained: ExplainedRow, maxTerms = LINE_TERMS): string {
  const terms = explained.terms;
  if (terms.length <= maxTerms) return explained.text;
  const shown = terms.slice(0, maxTerms);
  const rest = terms.slice(maxTerms);
  const restWeight = rest.reduce((sum, t) => sum + t.weight, 0);
  const digits = Math.max(2, /\d\.(\d+) /.exec(explained.text)?.[1]?.length ?? 2);
  return `${explained.query} → ${shown.map((t) => `${t.weight.toFixed(digits)} ${t.token}`).join(' + ')} + … ${rest.length} more keys (together ${restWeight.toFixed(2)})`;
}

/**
 * Two decimals, as the deck prints — unless the row's heaviest weight would print as 0.00
 * (hundreds of keys sharing the weight): then enough digits to show it.
 */
export function lineDigits(weights: Matrix, row: number): number {
  let max = 0;
  for (let j = 0; j < weights.cols; j++) max = Math.max(max, weights.data[row * weights.cols + j]!);
  return max >= 0.005 || max <= 0 ? 2 : Math.min(6, Math.ceil(-Math.log10(max)) + 1);
}

/** The softmax of query `row` in head `head`, every step, and its sentence in the deck's words. */
export function rowView(run: AttentionRun, head: number, row: number): RowView {
  checkHead(run, head);
  checkRow(run, row);
  const report = run.report.heads[head]!;
  const breakdown = explainSoftmaxRow(report, row);
  const line = deckLine(explainRow(report.weights, row, run.tokens, lineDigits(report.weights, row)));
  return {
    head,
    row,
    query: run.tokens[row]!,
    entries: breakdown.entries.map((e, j) => ({
      key: run.tokens[j]!,
      raw: e.raw,
      scaled: e.scaled,
      minusMax: e.minusMax,
      exp: e.exp,
      probability: e.probability,
      masked: e.masked,
    })),
    max: breakdown.max,
    sum: breakdown.sum,
    scaleDivisor: breakdown.scaleDivisor,
    temperature: breakdown.temperature,
    line,
  };
}

export function headView(run: AttentionRun, head: number): HeadView {
  checkHead(run, head);
  const report = run.report.heads[head]!;
  return { index: head, scores: toWire(report.scores), weights: toWire(report.weights) };
}

export function thumbnails(run: AttentionRun, maxSide = 64): WireThumb[] {
  return run.report.heads.map((h) => thumbnail(h.weights, maxSide));
}

/** Rows of m projected on `components` ([c, d]) after subtracting `mean` ([d]). → [n, c] */
function project(m: Matrix, mean: Float64Array, components: Matrix): Float64Array {
  const n = m.rows, d = m.cols, c = components.rows;
  const out = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) {
      let acc = 0;
      for (let j = 0; j < d; j++) acc += (m.data[i * d + j]! - mean[j]!) * components.data[k * d + j]!;
      out[i * c + k] = acc;
    }
  }
  return out;
}

/**
 * Every token's input row and its attention output on one plane. PCA is fitted to the inputs and
 * the outputs go through the very same centring and directions, so an arrow is the move attention
 * made, not an artefact of two different projections.
 */
export function plotView(run: AttentionRun, projection: Projection): PlotView {
  const x = run.x;
  const out = run.report.output;
  const n = x.rows, d = x.cols;
  if (out.rows !== n || out.cols !== d) {
    throw new RangeError(`plot: outputs are ${out.rows}×${out.cols}, inputs ${n}×${d}`);
  }
  const inputs = new Float32Array(2 * n);
  const outputs = new Float32Array(2 * n);
  const lesson = run.weights === undefined;
  const moved = lesson
    ? 'Arrows run from each token’s embedding to its attention output Σ weight · embedding (lesson mode: V is the embeddings).'
    : 'Arrows run from each token’s embedding to the layer’s output Concat(heads)·W_Oᵀ + b_O, in the same d-dimensional space.';
  let chosen = projection;
  if (chosen.kind === 'dims' && (chosen.x >= d || chosen.y >= d)) chosen = { kind: 'pca' };
  if (chosen.kind === 'pca' && d < 2) chosen = { kind: 'dims', x: 0, y: 0 };

  if (chosen.kind === 'dims') {
    for (let i = 0; i < n; i++) {
      inputs[2 * i] = x.data[i * d + chosen.x]!;
      inputs[2 * i + 1] = x.data[i * d + chosen.y]!;
      outputs[2 * i] = out.data[i * d + chosen.x]!;
      outputs[2 * i + 1] = out.data[i * d + chosen.y]!;
    }
    return {
      projection: chosen,
      xLabel: run.dimNames[chosen.x] ?? `dim ${chosen.x + 1}`,
      yLabel: run.dimNames[chosen.y] ?? `dim ${chosen.y + 1}`,
      inputs: inputs.buffer,
      outputs: outputs.buffer,
      note: moved,
    };
  }

  const pca = topComponents(x);
  const components: Matrix = { rows: 2, cols: d, data: Float32Array.from(pca.components) };
  const pin = project(x, pca.mean, components);
  const pout = project(out, pca.mean, components);
  inputs.set(pin);
  outputs.set(pout);
  const ratio = (k: 0 | 1): string => {
    const r = pca.ratio[k];
    return r > 0 ? ` (${Math.round(r * 100)}% of variance)` : '';
  };
  return {
    projection: chosen,
    xLabel: `PC1${ratio(0)}`,
    yLabel: `PC2${ratio(1)}`,
    inputs: inputs.buffer,
    outputs: outputs.buffer,
    note: `Principal components of the ${n} input embeddings; the outputs are projected the same way. ${moved}`,
  };
}

/** Rows [start, start + count) of m. [r, c] → [count, c] */
function rowSlice(m: Matrix, start: number, count: number): DenseMatrix {
  return { rows: count, cols: m.cols, data: m.data.slice(start * m.cols, (start + count) * m.cols) };
}

/** Columns [start, start + count) of m. [r, c] → [r, count] */
function columnSlice(m: Matrix, start: number, count: number): DenseMatrix {
  const data = new Float32Array(m.rows * count);
  for (let i = 0; i < m.rows; i++) data.set(m.data.subarray(i * m.cols + start, i * m.cols + start + count), i * count);
  return { rows: m.rows, cols: count, data };
}

/**
 * The part of each projection that belongs to head `head` (PyTorch layout, y = x·Wᵀ):
 * W_Q, W_K, W_V rows [i·d_k, (i+1)·d_k) → [d_k, d]; W_O columns [i·d_k, (i+1)·d_k) → [d, d_k].
 */
export function weightSlices(weights: MultiHeadWeights, head: number): { name: string; matrix: DenseMatrix }[] {
  const h = weights.numHeads;
  if (!Number.isInteger(head) || head < 0 || head >= h) throw new RangeError(`head ${head} is outside 0…${h - 1}`);
  const dk = weights.embedDim / h;
  const start = head * dk;
  return [
    { name: 'W_Q', matrix: rowSlice(weights.wq, start, dk) },
    { name: 'W_K', matrix: rowSlice(weights.wk, start, dk) },
    { name: 'W_V', matrix: rowSlice(weights.wv, start, dk) },
    { name: 'W_O', matrix: columnSlice(weights.wo, start, dk) },
  ];
}

export const LESSON_HAS_NO_WEIGHTS =
  'Lesson mode has no projection matrices: the deck’s word math uses the embeddings themselves as queries, keys and values (Q = K = V = X). Choose “Seeded random projections” or a weights file to see W_Q, W_K, W_V and W_O.';

export function weightsForWire(run: AttentionRun, head: number): { matrices: NamedMatrix[]; unavailable: string } {
  if (!run.weights) return { matrices: [], unavailable: LESSON_HAS_NO_WEIGHTS };
  return { matrices: weightSlices(run.weights, head).map(({ name, matrix }) => ({ name, matrix: toWire(matrix) })), unavailable: '' };
}

export function sourceLabel(options: PanelOptions, weightsLabel: string, heads: number): string {
  switch (options.source) {
    case 'lesson':
      return 'Lesson: Q = K = V = embeddings';
    case 'random':
      return `Seeded random projections (${heads} head${heads === 1 ? '' : 's'}, seed ${options.seed})`;
    case 'weights':
      return `Weights: ${weightsLabel || 'file'}`;
  }
}

/** What the snapshot takes from the host besides the computation itself. */
export interface SnapshotExtras extends Pick<PanelSnapshot, 'words' | 'oov' | 'setLabel' | 'setUri'> {
  readonly weightsLabel: string;
  readonly focusedHead: number;
  readonly selectedRow: number;
  readonly projection: Projection;
  readonly computeMs: number;
}

export function buildSnapshot(run: AttentionRun, extras: SnapshotExtras): PanelSnapshot {
  const heads = run.report.heads.length;
  const focusedHead = Math.min(Math.max(0, extras.focusedHead), heads - 1);
  const selectedRow = Math.min(Math.max(0, extras.selectedRow), run.tokens.length - 1);
  const d = run.x.cols;
  return {
    tokens: run.tokens,
    words: extras.words,
    oov: extras.oov,
    setLabel: extras.setLabel,
    setUri: extras.setUri,
    options: run.options,
    sourceLabel: sourceLabel(run.options, extras.weightsLabel, heads),
    model: { d, dk: run.report.heads[0]?.q.cols ?? d, heads, dimNames: run.dimNames },
    thumbs: thumbnails(run),
    head: headView(run, focusedHead),
    row: rowView(run, focusedHead, selectedRow),
    plot: plotView(run, extras.projection),
    computeMs: extras.computeMs,
  };
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

export interface ExportText {
  readonly text: string;
  /** A file name without folder, e.g. "attention-weights-head1.csv". */
  readonly fileName: string;
}

export const MATRIX_LABELS: Readonly<Record<MatrixId, string>> = {
  weights: 'Attention weights of the focused head',
  scores: 'Scores (before softmax) of the focused head',
  'all-weights': 'Attention weights of every head',
  breakdown: 'Softmax breakdown of the selected row',
  embeddings: 'Input embeddings',
  output: 'Attention output',
  wq: 'W_Q of the focused head',
  wk: 'W_K of the focused head',
  wv: 'W_V of the focused head',
  wo: 'W_O of the focused head',
};

/** Text of matrix `id` in `format`; throws with a sentence when it does not exist (lesson W_*). */
export function exportMatrix(run: AttentionRun, id: MatrixId, format: ExportFormat, focusedHead: number, selectedRow: number): ExportText {
  checkHead(run, focusedHead);
  checkRow(run, selectedRow);
  const tokens = run.tokens;
  const headNo = focusedHead + 1;
  const report = run.report.heads[focusedHead]!;
  const meta = { tokens, measure: run.options.measure, source: run.options.source, causal: run.options.causal, temperature: run.options.temperature };
  const dims = run.dimNames;
  const one = (m: LabelledMatrix, base: string): ExportText => ({
    text: format === 'csv' ? matrixToCsv(m) : matrixToJson(m, { ...meta, head: headNo }),
    fileName: `${base}.${format}`,
  });
  switch (id) {
    case 'weights':
      return one({ name: `attention weights, head ${headNo}`, matrix: report.weights, rowLabels: tokens, colLabels: tokens, corner: 'query \\ key' }, `attention-weights-head${headNo}`);
    case 'scores':
      return one({ name: `scores, head ${headNo}`, matrix: report.scores, rowLabels: tokens, colLabels: tokens, corner: 'query \\ key' }, `attention-scores-head${headNo}`);
    case 'all-weights': {
      const layers = run.report.heads.map((h, i) => ({ name: `attention weights, head ${i + 1}`, matrix: h.weights, rowLabels: tokens, colLabels: tokens, corner: 'query \\ key' }));
      return {
        text: format === 'csv' ? stackToCsv(layers, 'head', 'weight') : stackToJson(layers, meta),
        fileName: `attention-weights-all-heads.${format}`,
      };
    }
    case 'breakdown': {
      const row = rowView(run, focusedHead, selectedRow);
      const table = { query: row.query, scaleDivisor: row.scaleDivisor * row.temperature, entries: row.entries, max: row.max, sum: row.sum, line: row.line };
      return { text: format === 'csv' ? breakdownToCsv(table) : breakdownToJson(table), fileName: `softmax-${safeName(row.query)}-head${headNo}.${format}` };
    }
    case 'embeddings':
      return one({ name: 'input embeddings', matrix: run.x, rowLabels: tokens, colLabels: dims, corner: 'token \\ dim' }, 'embeddings');
    case 'output':
      return one({ name: 'attention output', matrix: run.report.output, rowLabels: tokens, colLabels: dims, corner: 'token \\ dim' }, 'attention-output');
    case 'wq':
    case 'wk':
    case 'wv':
    case 'wo': {
      if (!run.weights) throw new Error(LESSON_HAS_NO_WEIGHTS);
      const index = { wq: 0, wk: 1, wv: 2, wo: 3 }[id];
      const slice = weightSlices(run.weights, focusedHead)[index]!;
      const dk = slice.matrix.rows === dims.length ? slice.matrix.cols : slice.matrix.rows;
      const headDims = Array.from({ length: dk }, (_, k) => `h${headNo}.${k + 1}`);
      const isOut = id === 'wo';
      return one(
        {
          name: `${slice.name}, head ${headNo}`,
          matrix: slice.matrix,
          rowLabels: isOut ? dims : headDims,
          colLabels: isOut ? headDims : dims,
          corner: isOut ? 'output dim \\ head dim' : 'head dim \\ input dim',
        },
        `${slice.name.toLowerCase().replace('_', '')}-head${headNo}`,
      );
    }
  }
}

function safeName(text: string): string {
  const cleaned = text.replace(/[^\p{L}\p{N}_-]+/gu, '_').slice(0, 40);
  return cleaned || 'row';
}

/** Bytes of a `data:image/png;base64,…` URL; throws unless it really is a PNG. */
export function pngBytesFromDataUrl(dataUrl: string): Uint8Array {
  const prefix = 'data:image/png;base64,';
  if (!dataUrl.startsWith(prefix)) throw new Error('not a PNG data URL');
  const base64 = dataUrl.slice(prefix.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) throw new Error('the PNG data is not valid base64');
  const bytes = base64ToBytes(base64);
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 8 || signature.some((b, i) => bytes[i] !== b)) throw new Error('the data is not a PNG image');
  return bytes;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 without Buffer or atob, so this module stays free of node and DOM. */
function base64ToBytes(base64: string): Uint8Array {
  const clean = base64.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let buffer = 0, bits = 0, at = 0;
  for (let i = 0; i < clean.length; i++) {
    buffer = (buffer << 6) | BASE64.indexOf(clean[i]!);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (buffer >> bits) & 0xff;
    }
  }
  return out.subarray(0, at);
}
