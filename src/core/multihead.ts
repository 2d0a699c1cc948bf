/**
 * Multi-head self-attention, the deck's
 *   MultiHead(Q, K, V) = Concat(head_1, …, head_h) W^O,  head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V),
 * in PyTorch nn.MultiheadAttention's convention, and the deck's "word math" lesson mode.
 *
 * Contract:
 *   multiHeadAttention(x, w, opts): self-attention (query = key = value = x) with projections.
 *     Q = x W_Qᵀ + b_Q, K = x W_Kᵀ + b_K, V = x W_Vᵀ + b_V            (nn.Linear: y = x Wᵀ + b)
 *     head i reads columns [i·d_k, (i+1)·d_k) of Q, K, V — that is, rows i·d_k … (i+1)·d_k − 1
 *     of W_Q, W_K, W_V, which are the three [d, d] blocks of PyTorch's in_proj_weight [3d, d].
 *     Each head is scaledDotProductAttention with measure 'scaled' unless opts.measure says
 *     otherwise; concat [n, d] puts head i's output in those same columns; output = concat W_Oᵀ + b_O.
 *     Matches torch.nn.MultiheadAttention(d, h)(x, x, x, need_weights=True,
 *     average_attn_weights=False) within float32 rounding (see test/fixtures/core).
 *   lessonAttention(x, measure, opts): one head, no projections: Q = K = V = x, with the measure
 *     the lesson is teaching (cosine for the deck's tables). concat = output = weights · x.
 *
 * Legend:
 *   n    tokens            d    model width (E in PyTorch)
 *   h    heads             d_k  per-head width, d / h
 *
 * Numerical stability: see softmax.ts; the projections are linalg's (float64 accumulation in the
 * reference path).
 */
import { checkMatrix, scaledDotProductAttention, type HeadReport, type ScaledAttentionOptions } from './attention';
import { linear, matrix } from './linalg';
import { ShapeError, type AttentionOptions, type Matrix, type Measure, type MultiHeadResult, type MultiHeadWeights } from './types';

/** A multi-head result whose heads carry their steps. Every MultiHeadReport is a MultiHeadResult. */
export interface MultiHeadReport extends MultiHeadResult {
  readonly heads: readonly HeadReport[];
}

/**
 * Weight objects already found finite. The O(d²) scan is skipped for them on later passes (it
 * would cost a few percent of a pass at d = 768): weights are treated as immutable once used.
 */
const finiteWeights = new WeakSet<MultiHeadWeights>();

/** Refuses weights whose shapes disagree with each other or with x, or that hold NaN/±Infinity. */
export function checkMultiHeadWeights(w: MultiHeadWeights, width?: number): void {
  const d = w.embedDim, h = w.numHeads;
  if (!Number.isInteger(d) || d <= 0) throw new ShapeError(`multi-head weights: embedDim must be a whole number > 0, got ${d}`);
  if (!Number.isInteger(h) || h <= 0) throw new ShapeError(`multi-head weights: numHeads must be a whole number > 0, got ${h}`);
  if (d % h !== 0) throw new ShapeError(`multi-head weights: E = ${d} is not divisible by h = ${h} heads`);
  if (width !== undefined && width !== d) {
    throw new ShapeError(`multi-head attention: the weights are for E = ${d} but the embeddings are ${width} wide`);
  }
  const known = finiteWeights.has(w);
  for (const [name, m] of [['W_Q', w.wq], ['W_K', w.wk], ['W_V', w.wv], ['W_O', w.wo]] as const) {
    if (m.rows !== d || m.cols !== d || m.data.length !== d * d) {
      throw new ShapeError(`multi-head weights: ${name} is ${m.rows}×${m.cols}, expected ${d}×${d}`);
    }
    if (!known) checkMatrix(name, m);
  }
  for (const [name, b] of [['b_Q', w.bq], ['b_K', w.bk], ['b_V', w.bv], ['b_O', w.bo]] as const) {
    if (b.length !== d) throw new ShapeError(`multi-head weights: ${name} has ${b.length} values, expected ${d}`);
    for (let i = 0; i < d && !known; i++) {
      if (!Number.isFinite(b[i]!)) throw new ShapeError(`multi-head weights: ${name}[${i}] is ${String(b[i])}; attention needs finite numbers`);
    }
  }
  finiteWeights.add(w);
}

/** Columns [start, start + width) of m as their own matrix. Shape: [n, d] → [n, width]. */
function columns(m: Matrix, start: number, width: number): Matrix {
  const out = new Float32Array(m.rows * width);
  for (let i = 0; i < m.rows; i++) out.set(m.data.subarray(i * m.cols + start, i * m.cols + start + width), i * width);
  return matrix(m.rows, width, out);
}

/**
 * Self-attention with h heads. Shapes: x [n, d], weights for d → heads h × ([n, n] weights,
 * [n, d_k] outputs), concat [n, d], output [n, d].
 */
export function multiHeadAttention(x: Matrix, w: MultiHeadWeights, opts: ScaledAttentionOptions = {}): MultiHeadReport {
  // Pass 0: shapes up front: x non-empty and finite, d divisible by h, every weight d×d.
  checkMatrix('x', x);
  checkMultiHeadWeights(w, x.cols);
  const n = x.rows, d = w.embedDim, h = w.numHeads, dK = d / h;
  const headOpts: ScaledAttentionOptions = { ...opts, measure: opts.measure ?? 'scaled' };

  // Pass 1: projections. [n, d] · [d, d]ᵀ + [d] → [n, d] each.
  const q = linear(x, w.wq, w.bq);
  const k = linear(x, w.wk, w.bk);
  const v = linear(x, w.wv, w.bv);

  // Pass 2: per head, columns [i·d_k, (i+1)·d_k). [n, d_k] each → weights [n, n], output [n, d_k].
  const heads: HeadReport[] = [];
  for (let i = 0; i < h; i++) {
    const start = i * dK;
    heads.push(scaledDotProductAttention(columns(q, start, dK), columns(k, start, dK), columns(v, start, dK), headOpts));
  }

  // Pass 3: concat the head outputs back into their columns. h × [n, d_k] → [n, d]
  const concat = new Float32Array(n * d);
  heads.forEach((head, i) => {
    for (let r = 0; r < n; r++) concat.set(head.output.data.subarray(r * dK, (r + 1) * dK), r * d + i * dK);
  });
  const concatMatrix = matrix(n, d, concat);

  // Pass 4: output projection. [n, d] · [d, d]ᵀ + [d] → [n, d]
  const output = linear(concatMatrix, w.wo, w.bo);
  return { heads, concat: concatMatrix, output };
}

/**
 * The deck's word math: one head, Q = K = V = x, no projections, the given measure.
 * Shapes: x [n, d] → weights [n, n], output [n, d] (= concat).
 * With cosine and the deck's Tech/Fruitness/Other table, "orange apple and an" gives
 * orange → 0.40 orange + 0.30 apple + 0.15 and + 0.15 an.
 */
export function lessonAttention(x: Matrix, measure: Measure, opts: AttentionOptions = {}): MultiHeadReport {
  const head = scaledDotProductAttention(x, x, x, { ...opts, measure });
  return { heads: [head], concat: head.output, output: head.output };
}
