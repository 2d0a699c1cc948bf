/**
 * Root-mean-square normalisation, the Llama family's norm (transformers'
 * models/llama/modeling_llama.py LlamaRMSNorm.forward; Mistral and Qwen2 use the same block).
 *
 * Contract:
 *   rmsNorm(x, weight, eps) → y [n, d],  y_i = x_i / √(mean(x_i²) + eps) · weight
 *   No centring and no bias (that is the difference from layerNorm).
 *
 * Legend: n rows (tokens), d width.
 *
 * Numerical stability: Σx² is accumulated in float64 (Hugging Face upcasts to float32 for the
 * same reason: half-precision squares overflow at |x| > 256).
 */
import { matrix } from '../linalg';
import { ShapeError, type Matrix } from '../types';

/** Shapes: x [n, d], weight [d] → [n, d]. */
export function rmsNorm(x: Matrix, weight: Float32Array, eps: number): Matrix {
  const n = x.rows, d = x.cols;
  if (weight.length !== d) throw new ShapeError(`rmsNorm: x is ${n}×${d} but weight has ${weight.length} values`);
  const out = new Float32Array(n * d);
  const src = x.data;
  for (let i = 0; i < n; i++) {
    const base = i * d;
    // Pass 1: mean of squares. Pass 2: scale by its inverse root and by weight.
    let squares = 0;
    for (let j = 0; j < d; j++) squares += src[base + j]! * src[base + j]!;
    // HF rounds the normalised value to the input dtype (float32 here) before × weight.
    const inverse = 1 / Math.sqrt(squares / d + eps);
    for (let j = 0; j < d; j++) out[base + j] = weight[j]! * Math.fround(src[base + j]! * inverse);
  }
  return matrix(n, d, out);
}
