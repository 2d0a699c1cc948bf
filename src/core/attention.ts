/**
 * Scaled dot-product attention for one head, with every intermediate kept so the UI can show
 * each step of the deck's "Attention(Q, K, V) = softmax(QKᵀ / √d_k) V".
 *
 * Contract:
 *   scaledDotProductAttention(q, k, v, opts) → { q, k, v, scores, weights, output, steps }
 *     raw     = base similarity of every query with every key:
 *                 q_i·k_j          for measure 'dot' and 'scaled'
 *                 cos(q_i, k_j)    for measure 'cosine' (0, flagged, for a zero vector)
 *     divisor = √d_k when measure is 'scaled' and opts.scale is not false; 1 otherwise.
 *               So: 'dot' never divides, 'cosine' never divides (it is already in [−1, 1]),
 *               'scaled' is the standard SDPA and `scale: false` switches its division off
 *               (leaving plain dot). measure defaults to 'scaled'; the deck's lesson passes
 *               the measure it is teaching (see multihead.ts lessonAttention).
 *     scores  = raw / (divisor · T), then −Infinity where the causal mask hides key j > i.
 *               These are HeadResult.scores: pre-softmax, after scaling, mask and temperature.
 *     weights = softmax(scores) per row: rows sum to 1, masked entries are exactly 0, a row with
 *               no visible key is all 0 and listed in steps.fullyMaskedRows.
 *     output  = weights · v: each output row is a weighted sum of value rows, which explainRow
 *               prints in the deck's words, "orange → 0.40 orange + 0.30 apple + 0.15 and + 0.15 an".
 *   Temperature T must be finite and > 0 (T → ∞ flattens the weights towards uniform, T → 0
 *   sharpens them towards the argmax). Inputs must be finite; a NaN or ±Infinity is refused
 *   with its position rather than spread silently through the weights.
 *
 * Legend:
 *   n    queries (tokens)     m    keys = values (n for self-attention)
 *   d_k  query/key width      d_v  value width
 *
 * Numerical stability: see softmax.ts (row max subtracted before exp; float64 sums). Scores are
 * divided in float64 and rounded once to float32.
 */
import { matmul } from './linalg';
import { scoreMatrix, zeroRows } from './similarity';
import { checkPositive, scaleScore, softmaxBreakdown, softmaxRows, type SoftmaxBreakdown } from './softmax';
import { ShapeError, type AttentionOptions, type HeadResult, type Matrix, type Measure } from './types';

/** Options of one head (and of the multi-head pass): the switches plus the score measure. */
export interface ScaledAttentionOptions extends AttentionOptions {
  /** dot | cosine | scaled; default 'scaled'. See the contract above for how it meets `scale`. */
  readonly measure?: Measure;
}

/** How the head's scores were formed, kept so any row can be re-derived step by step. */
export interface HeadSteps {
  readonly measure: Measure;
  /** [n, m] base similarity before the divisor, mask and temperature (q·kᵀ, or cosines). */
  readonly raw: Matrix;
  /** √d_k or 1 (see the contract). */
  readonly scaleDivisor: number;
  readonly temperature: number;
  readonly causal: boolean;
  /** Query rows whose every key was masked: their weights and output are 0. */
  readonly fullyMaskedRows: readonly number[];
  /** Under cosine: query / key rows that are all zeros (their cosines are stand-in 0s). */
  readonly zeroVectorQueries: readonly number[];
  readonly zeroVectorKeys: readonly number[];
}

/** A head's result with its steps. Every HeadReport is a HeadResult. */
export interface HeadReport extends HeadResult {
  readonly steps: HeadSteps;
}

/** The divisor the contract gives: √d_k for 'scaled' unless `scale` is false, else 1. */
export function scoreDivisor(measure: Measure, dK: number, scale: boolean | undefined): number {
  return measure === 'scaled' && scale !== false ? Math.sqrt(dK) : 1;
}

/** Refuses an empty matrix or one holding NaN/±Infinity, naming it and the position. */
export function checkMatrix(what: string, m: Matrix): void {
  if (m.rows <= 0 || m.cols <= 0) throw new ShapeError(`${what} is ${m.rows}×${m.cols}: empty input`);
  if (m.data.length !== m.rows * m.cols) {
    throw new ShapeError(`${what} claims ${m.rows}×${m.cols} but holds ${m.data.length} values`);
  }
  for (let i = 0; i < m.data.length; i++) {
    const value = m.data[i]!;
    if (!Number.isFinite(value)) {
      throw new ShapeError(`${what}[${Math.floor(i / m.cols)}, ${i % m.cols}] is ${String(value)}; attention needs finite numbers`);
    }
  }
}

/**
 * One head. Shapes: q [n, d_k], k [m, d_k], v [m, d_v] → scores, weights [n, m], output [n, d_v].
 */
export function scaledDotProductAttention(q: Matrix, k: Matrix, v: Matrix, opts: ScaledAttentionOptions = {}): HeadReport {
  const measure = opts.measure ?? 'scaled';
  const temperature = opts.temperature ?? 1;
  const causal = opts.causal ?? false;

  // Pass 0: shapes and values, up front.
  checkMatrix('q', q);
  checkMatrix('k', k);
  checkMatrix('v', v);
  if (q.cols !== k.cols) {
    throw new ShapeError(`attention: q is ${q.rows}×${q.cols} and k is ${k.rows}×${k.cols}; queries and keys need the same width d_k`);
  }
  if (k.rows !== v.rows) {
    throw new ShapeError(`attention: k is ${k.rows}×${k.cols} and v is ${v.rows}×${v.cols}; keys and values need the same count`);
  }
  checkPositive('attention: temperature', temperature);
  const n = q.rows, m = k.rows, dK = q.cols;

  // Pass 1: raw similarity. [n, d_k] · [m, d_k]ᵀ → [n, m]
  const raw = scoreMatrix(q, k, measure === 'cosine' ? 'cosine' : 'dot');

  // Pass 2: scores = raw / (divisor · T), masked → −∞. [n, m]
  const scaleDivisor = scoreDivisor(measure, dK, opts.scale);
  const scores = new Float32Array(n * m);
  const rawData = raw.data;
  for (let i = 0; i < n; i++) {
    const visible = causal ? Math.min(i + 1, m) : m; // keys j < visible; the rest are masked
    for (let j = 0; j < visible; j++) scores[i * m + j] = scaleScore(rawData[i * m + j]!, scaleDivisor, temperature);
    scores.fill(Number.NEGATIVE_INFINITY, i * m + visible, (i + 1) * m);
  }
  const scoreMatrixOut: Matrix = { rows: n, cols: m, data: scores };

  // Pass 3: weights = softmax(scores) per row. [n, m]
  const softmax = softmaxRows(scoreMatrixOut);
  const weights: Matrix = { rows: n, cols: m, data: softmax.data };

  // Pass 4: output = weights · v. [n, m] · [m, d_v] → [n, d_v]
  const output = matmul(weights, v);

  return {
    q,
    k,
    v,
    scores: scoreMatrixOut,
    weights,
    output,
    steps: {
      measure,
      raw,
      scaleDivisor,
      temperature,
      causal,
      fullyMaskedRows: softmax.fullyMaskedRows,
      zeroVectorQueries: measure === 'cosine' ? zeroRows(q) : [],
      zeroVectorKeys: measure === 'cosine' ? zeroRows(k) : [],
    },
  };
}

/**
 * Every step of softmax for one query row of a head (raw, scaled, minus max, exp, sum,
 * probability); Math.fround(probability) equals head.weights for that row.
 */
export function explainSoftmaxRow(head: HeadReport, row: number): SoftmaxBreakdown {
  const { raw, scaleDivisor, temperature, causal } = head.steps;
  if (!Number.isInteger(row) || row < 0 || row >= raw.rows) {
    throw new ShapeError(`explainSoftmaxRow: row ${row} is outside 0…${raw.rows - 1}`);
  }
  const m = raw.cols;
  const masked: boolean[] = [];
  for (let j = 0; j < m; j++) masked.push(causal && j > row);
  return softmaxBreakdown(raw.data.subarray(row * m, (row + 1) * m), { scaleDivisor, temperature, masked });
}

export interface ExplainedTerm {
  readonly token: string;
  /** Position of the key in the input. */
  readonly index: number;
  readonly weight: number;
}

export interface ExplainedRow {
  readonly query: string;
  /** The unmasked keys (weight > 0), heaviest first; ties keep input order. */
  readonly terms: readonly ExplainedTerm[];
  /** "orange → 0.40 orange + 0.30 apple + 0.15 and + 0.15 an" */
  readonly text: string;
}

/**
 * One query row as the deck writes it: the output is this weighted sum of the value rows.
 * Shape: weights [n, n], tokens [n]. Terms are ordered by the printed (rounded) weight, largest
 * first, then by position, so float noise below the printed digits never reorders equal terms.
 * Keys with weight exactly 0 (masked, or underflowed) add nothing and are left out.
 */
export function explainRow(weights: Matrix, row: number, tokens: readonly string[], digits = 2): ExplainedRow {
  if (tokens.length !== weights.cols) {
    throw new ShapeError(`explainRow: ${tokens.length} tokens for a weight matrix with ${weights.cols} columns`);
  }
  if (!Number.isInteger(row) || row < 0 || row >= weights.rows) {
    throw new ShapeError(`explainRow: row ${row} is outside 0…${weights.rows - 1}`);
  }
  if (!Number.isInteger(digits) || digits < 0 || digits > 20) throw new ShapeError(`explainRow: digits must be 0…20, got ${digits}`);
  const query = tokens[row] ?? '';
  const terms: ExplainedTerm[] = [];
  for (let j = 0; j < weights.cols; j++) {
    const weight = weights.data[row * weights.cols + j]!;
    if (weight > 0) terms.push({ token: tokens[j]!, index: j, weight });
  }
  const printed = (w: number) => Number(w.toFixed(digits));
  terms.sort((a, b) => printed(b.weight) - printed(a.weight) || a.index - b.index);
  const sum = terms.length === 0 ? '(every key is masked)' : terms.map((t) => `${t.weight.toFixed(digits)} ${t.token}`).join(' + ');
  return { query, terms, text: `${query} → ${sum}` };
}
