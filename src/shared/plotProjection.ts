/**
 * The two directions of the embedding plot: the top two principal components of the input rows.
 *
 * The linear algebra is the core's — principalComponents (src/core/pca.ts), which answers with
 * exact Jacobi for small inputs and with block Krylov iteration (never forming the d × d
 * covariance) at the hundreds of tokens and dimensions a plot reaches. This module only says what
 * the plot takes from it: two directions, the mean they were fitted around (plotView projects the
 * inputs and the attention outputs through the very same mean and directions), and each
 * direction's share of the variance for the axis labels.
 *
 * Legend: n rows (tokens), d width (d ≥ 2).
 */
import { principalComponents, type Matrix } from '../core';

export interface TopComponents {
  /** [2, d] row-major, unit length, orthogonal, largest variance first, largest entry positive. */
  readonly components: Float64Array;
  /** [d] the column means subtracted before projecting. */
  readonly mean: Float64Array;
  /** Fraction of the total variance along each component. */
  readonly ratio: readonly [number, number];
}

/** The top two principal directions of x [n, d] (d ≥ 2). */
export function topComponents(x: Matrix): TopComponents {
  if (x.cols < 2) throw new RangeError(`topComponents: need at least 2 dimensions, got ${x.cols}`);
  const pca = principalComponents(x, 2);
  return {
    components: Float64Array.from(pca.components.data),
    mean: pca.mean,
    ratio: [pca.explainedVarianceRatio[0] ?? 0, pca.explainedVarianceRatio[1] ?? 0],
  };
}
