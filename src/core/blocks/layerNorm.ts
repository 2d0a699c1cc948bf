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
    // Pass 1: mean. Pass 2: biased variance around it.
    let mean = 0;
    for (let j = 0; j < d; j++) mean += src[base + j]!;
    mean /= d;
    let variance = 0;
    for (let j = 0; j < d; j++) {
      const centred = src[base + j]! - mean;
      variance += centred * centred;
    }
    variance /= d;
    // Pass 3: normalise, scale, shift.
    const inverse = 1 / Math.sqrt(variance + eps);
    for (let j = 0; j < d; j++) {
      out[base + j] = (src[base + j]! - mean) * inverse * weight[j]! + (bias ? bias[j]! : 0);
    }
  }
  return matrix(n, d, out);
}
