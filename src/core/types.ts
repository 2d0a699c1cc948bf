/**
 * Shared shapes of the attention core.
 *
 * Contract: every matrix is row-major over one Float32Array; `data.length === rows * cols`.
 * Dimension legend used across src/core:
 *   n   tokens in the sequence (queries = keys = values = n for self-attention)
 *   d   model width of an embedding row (E in PyTorch's nn.MultiheadAttention)
 *   h   heads
 *   d_k per-head width, d / h
 */

/** A dense row-major matrix. Shape [rows, cols]. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

/** How a query row is compared with a key row before softmax. */
export type Measure = 'dot' | 'cosine' | 'scaled';

export const MEASURES: readonly Measure[] = ['dot', 'cosine', 'scaled'];

/** Options of scaled dot-product attention. */
export interface AttentionOptions {
  /** Divide scores by √d_k (the "scaled" in scaled dot-product attention). Default true. */
  readonly scale?: boolean;
  /** Mask keys after the query (j > i) with −∞ before softmax. Default false. */
  readonly causal?: boolean;
  /** Softmax temperature T: weights = softmax(scores / T). Default 1. Must be > 0. */
  readonly temperature?: number;
}

/** One head's intermediates, all kept so the UI can show every step. */
export interface HeadResult {
  /** [n, d_k] projected queries, keys and values of this head. */
  readonly q: Matrix;
  readonly k: Matrix;
  readonly v: Matrix;
  /** [n, n] pre-softmax scores after measure, scaling, mask (−Infinity where masked) and temperature. */
  readonly scores: Matrix;
  /** [n, n] softmax(scores) per row; each unmasked row sums to 1; masked entries are exactly 0. */
  readonly weights: Matrix;
  /** [n, d_k] weights · V. */
  readonly output: Matrix;
}

/** The whole multi-head forward pass. */
export interface MultiHeadResult {
  readonly heads: readonly HeadResult[];
  /** [n, d] Concat(head_1 … head_h), before W_O. */
  readonly concat: Matrix;
  /** [n, d] final output: concat · W_Oᵀ + b_O where there are projections; concat itself in lesson mode. */
  readonly output: Matrix;
}

/**
 * Weights of one multi-head attention layer in PyTorch's nn.MultiheadAttention convention:
 * y = x · Wᵀ + b, with W of shape [out, in]. Head i uses rows [i·d_k, (i+1)·d_k) of W_Q, W_K, W_V.
 */
export interface MultiHeadWeights {
  readonly embedDim: number;
  readonly numHeads: number;
  /** [d, d] each. */
  readonly wq: Matrix;
  readonly wk: Matrix;
  readonly wv: Matrix;
  readonly wo: Matrix;
  /** [d] each. */
  readonly bq: Float32Array;
  readonly bk: Float32Array;
  readonly bv: Float32Array;
  readonly bo: Float32Array;
}

/** A wrong shape, an empty input, or a value out of range: said plainly, with the shapes involved. */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}
