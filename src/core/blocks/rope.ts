/**
 * Rotary position embeddings (RoPE) as the Llama family applies them: transformers'
 * modeling_rope_utils.py (_compute_default_rope_parameters, _compute_linear_scaling_rope_parameters,
 * _compute_llama3_parameters) and models/llama/modeling_llama.py (LlamaRotaryEmbedding.forward,
 * rotate_half, apply_rotary_pos_emb).
 *
 * Contract:
 *   ropeInverseFrequencies(D, theta, scaling) → inv_freq [D/2]
 *     default   inv_freq_i = 1 / theta^(2i / D)
 *     linear    inv_freq_i / factor                 (positions stretched by `factor`)
 *     llama3    per wavelength λ_i = 2π / inv_freq_i, with L = original_max_position_embeddings:
 *               λ < L / high_freq_factor           kept
 *               λ > L / low_freq_factor            inv_freq / factor
 *               otherwise (medium)                 (1 − s) · inv_freq / factor + s · inv_freq,
 *                                                  s = (L / λ − low_freq_factor) / (high − low)
 *   ropeTables(inv_freq, n) → cos, sin [n, D/2]: angle_{p,i} = p · inv_freq_i (positions 0 … n−1).
 *   applyRope(x, heads, D, tables): in place, for every head's D-slice of each row (rotate_half
 *     layout: the pairs are (i, i + D/2), not adjacent entries):
 *       x'_i       = x_i · cos − x_{i+D/2} · sin
 *       x'_{i+D/2} = x_{i+D/2} · cos + x_i · sin
 *   Every rope_type named here has attention_factor 1 (cos and sin are not rescaled).
 *
 * Legend: n tokens, D head width (even), heads the heads packed in a row of x ([n, heads·D]).
 *
 * Numerical note: Hugging Face computes inv_freq, the angles and cos/sin in float32; each step
 * here is rounded to float32 the same way (Math.fround), so long inputs do not drift from the
 * reference by float32's angle error at large positions.
 */
import { ShapeError, type Matrix } from '../types';

export type RopeScaling =
  | { readonly type: 'default' }
  | { readonly type: 'linear'; readonly factor: number }
  | {
      readonly type: 'llama3';
      readonly factor: number;
      readonly lowFreqFactor: number;
      readonly highFreqFactor: number;
      readonly originalMaxPositionEmbeddings: number;
    };

/** Shape: [D/2]. */
export function ropeInverseFrequencies(headDim: number, theta: number, scaling: RopeScaling): Float32Array {
  if (headDim % 2 !== 0) throw new ShapeError(`RoPE: head_dim ${headDim} must be even`);
  const half = headDim / 2;
  const f = Math.fround;
  const inv = new Float32Array(half);
  // _compute_default_rope_parameters: 1 / base^(arange(0, D, 2).float() / D), in float32.
  for (let i = 0; i < half; i++) inv[i] = f(1 / f(theta ** f((2 * i) / headDim)));
  switch (scaling.type) {
    case 'default':
      return inv;
    case 'linear':
      for (let i = 0; i < half; i++) inv[i] = f(inv[i]! / scaling.factor);
      return inv;
    case 'llama3': {
      const { factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings: old } = scaling;
      const lowFreqWavelen = old / lowFreqFactor;
      const highFreqWavelen = old / highFreqFactor;
      for (let i = 0; i < half; i++) {
        const freq = inv[i]!;
        const wavelen = f((2 * Math.PI) / freq);
        // Pass 1: low frequencies (long wavelengths) are divided by factor.
        const scaled = wavelen > lowFreqWavelen ? f(freq / factor) : freq;
        // Pass 2: medium frequencies blend the two.
        const medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
        if (medium) {
          const smooth = f(f(old / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor));
          inv[i] = f(f(f(1 - smooth) * scaled) / factor + f(smooth * scaled));
        } else {
          inv[i] = scaled;
        }
      }
      return inv;
    }
    default: {
      const never: never = scaling;
      throw new ShapeError(`RoPE: unknown scaling ${JSON.stringify(never)}`);
    }
  }
}

export interface RopeTables {
  readonly n: number;
  readonly half: number;
  /** [n, D/2] row-major. */
  readonly cos: Float32Array;
  readonly sin: Float32Array;
}

/** cos and sin of p · inv_freq_i for positions p = 0 … n−1. Shapes: inv [D/2] → [n, D/2] each. */
export function ropeTables(inv: Float32Array, n: number): RopeTables {
  const half = inv.length;
  const cos = new Float32Array(n * half);
  const sin = new Float32Array(n * half);
  for (let p = 0; p < n; p++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * inv[i]!);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { n, half, cos, sin };
}

/** In place. Shapes: x [n, heads·D], tables [n, D/2]. */
export function applyRope(x: Matrix, heads: number, headDim: number, tables: RopeTables): void {
  const half = headDim / 2;
  if (x.cols !== heads * headDim || x.rows !== tables.n || tables.half !== half) {
    throw new ShapeError(`RoPE: x is ${x.rows}×${x.cols}, expected ${tables.n}×${heads}·${headDim} for tables of ${tables.n}×${tables.half}`);
  }
  const data = x.data;
  for (let p = 0; p < x.rows; p++) {
    for (let h = 0; h < heads; h++) {
      const base = p * x.cols + h * headDim;
      for (let i = 0; i < half; i++) {
        const c = tables.cos[p * half + i]!, s = tables.sin[p * half + i]!;
        const x1 = data[base + i]!, x2 = data[base + i + half]!;
        // q·cos + rotate_half(q)·sin, rotate_half(q) = cat(−q₂, q₁)
        data[base + i] = x1 * c - x2 * s;
        data[base + i + half] = x2 * c + x1 * s;
      }
    }
  }
}
