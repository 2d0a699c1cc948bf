/**
 * Layer normalisation over the last dimension, as torch.nn.LayerNorm / F.layer_norm computes it
 * (the pre-LN of GPT-2, the post-LN of the BERT family).
 *
 * Contract:
 *   layerNorm(x, weight, bias, eps) → y [n, d]
 *     y_i = (x_i − mean(x_i)) / √(var(x_i) + eps) · weight + bias,  var the biased (1/d) variance.
 *
 * Legend: n rows (tokens), d width.
 *
 * Numerical stability: mean and variance are accumulated in float64 in two passes (mean first,
 * then Σ(x − mean)²), so there is no cancellation of E[x²] − E[x]², which loses every digit
 * for rows with a large mean (a residual stream can carry offsets of 10³ and more).
 */
import { matrix } from '../linalg';
import { ShapeError, type Matrix } from '../types';

/** Shapes: x [n, d], weight [d], bias [d] → [n, d]. */
export function layerNorm(x: Matrix, weight: Float32Array, bias: Float32Array | undefined, eps: number): Matrix {
  const n = x.rows, d = x.cols;
  if (weight.length !== d || (bias && bias.length !== d)) {
    throw new ShapeError(`layerNorm: x is ${n}×${d} but weight has ${weight.length} values${bias ? ` and bias ${bias.length}` : ''}`);
  }
  const out = new Float32Array(n * d);
  const src = x.data;
  for (let i = 0; i < n; i++) {
    const base = i * d;
    // Pass 1: mean. Pass 2: biased variance around it. Four running sums each, so the additions
    // do not wait on one another (a single float64 chain made this a tenth of a GPT-2 pass's
    // serial time); in float64 the order changes nothing a float32 result can show.
    const mean = rowSum(src, base, d, 0, false) / d;
    const variance = rowSum(src, base, d, mean, true) / d;
    // Pass 3: normalise, scale, shift.
    const inverse = 1 / Math.sqrt(variance + eps);
    if (bias) for (let j = 0; j < d; j++) out[base + j] = (src[base + j]! - mean) * inverse * weight[j]! + bias[j]!;
    else for (let j = 0; j < d; j++) out[base + j] = (src[base + j]! - mean) * inverse * weight[j]!;
  }
  return matrix(n, d, out);
}

/** Σ_j (x[base + j] − centre), or its squares, over j < d in float64: the mean's and the variance's sums. */
function rowSum(x: Float32Array, base: number, d: number, centre: number, squared: boolean): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    const a = x[base + j]! - centre, b = x[base + j + 1]! - centre, c = x[base + j + 2]! - centre, e = x[base + j + 3]! - centre;
    if (squared) { s0 += a * a; s1 += b * b; s2 += c * c; s3 += e * e; }
    else { s0 += a; s1 += b; s2 += c; s3 += e; }
  }
  for (; j < d; j++) {
    const a = x[base + j]! - centre;
    s0 += squared ? a * a : a;
  }
  return (s0 + s1) + (s2 + s3);
}
