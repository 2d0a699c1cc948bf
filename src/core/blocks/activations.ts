/**
 * The element-wise non-linearities of the supported families, in place over a Float32Array,
 * each as transformers' activations.py defines it (ACT2FN names: "gelu", "gelu_new", "silu", "relu").
 *
 * Contract:
 *   gelu (erf)   x · Φ(x) = ½ x (1 + erf(x / √2))                   BERT, DistilBERT, RoBERTa
 *   gelu_new     ½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))          GPT-2 (NewGELUActivation)
 *   silu         x · σ(x) = x / (1 + e^−x)                          Llama, Mistral, Qwen2 (SwiGLU gate)
 *   relu         max(0, x)
 *   swiGlu(gate, up): gate ← silu(gate) ⊙ up, the Llama MLP's act_fn(gate_proj(x)) * up_proj(x).
 *
 * Numerical notes: JavaScript has no erf; Φ is computed from erfc by the Chebyshev-fitted
 * formula of Numerical Recipes (2nd ed., §6.2, `erfcc`), fractional error below 1.2·10⁻⁷ everywhere,
 * which is float32's own precision. silu uses e^−|x| so exp never overflows. gelu_new's tanh is
 * written as a logistic, ½(1 + tanh u) = 1 / (1 + e^−2u), evaluated from t = e^−2|u| ∈ (0, 1]:
 * gelu_new(x) = x / (1 + t) for u ≥ 0 and x·t / (1 + t) for u < 0, so nothing overflows and the
 * negative side keeps its relative precision (1 + tanh u there would cancel). Every exp is
 * exp.ts's expFast (within 1e-12 of Math.exp; Math.tanh cost 14% of a GPT-2 pass).
 */
import { ShapeError } from '../types';
import { expFast } from './exp';
import { wasmPathAllowed } from '../linalg';
import { geluNewWasm } from '../kernels/wasmGemm';

export type Activation = 'gelu' | 'gelu_new' | 'silu' | 'relu';
export const ACTIVATIONS: readonly Activation[] = ['gelu', 'gelu_new', 'silu', 'relu'];

/** erfc(z) for any real z, fractional error < 1.2e-7 (Numerical Recipes erfcc). */
export function erfc(z: number): number {
  const a = Math.abs(z);
  const t = 1 / (1 + 0.5 * a);
  const poly =
    -a * a - 1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const value = t * expFast(poly);
  return z >= 0 ? value : 2 - value;
}

/** x ← activation(x), every entry. */
export function applyActivation(x: Float32Array, activation: Activation): void {
  const n = x.length;
  switch (activation) {
    case 'gelu':
      // ½ x (1 + erf(x/√2)) = ½ x erfc(−x/√2): the erfc form keeps relative accuracy for x ≪ 0.
      for (let i = 0; i < n; i++) x[i] = 0.5 * x[i]! * erfc(-x[i]! * Math.SQRT1_2);
      break;
    case 'gelu_new': {
      // The wasm kernel (kernels/activationKernel.ts) where it runs: the same bits as the MLP's
      // in-place pass on the thread pool, so a pass gives one answer on one thread or many.
      if (wasmPathAllowed() && geluNewWasm(x)) break;
      const c = Math.sqrt(2 / Math.PI);
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        const u = c * (v + 0.044715 * v * v * v);
        const t = expFast(-2 * Math.abs(u));
        x[i] = u >= 0 ? v / (1 + t) : (v * t) / (1 + t);
      }
      break;
    }
    case 'silu':
      for (let i = 0; i < n; i++) x[i] = silu(x[i]!);
      break;
    case 'relu':
      for (let i = 0; i < n; i++) if (!(x[i]! > 0)) x[i] = 0;
      break;
    default: {
      const never: never = activation;
      throw new ShapeError(`unknown activation ${String(never)}`);
    }
  }
}

function silu(v: number): number {
  // σ(v) from e^−|v| ∈ (0, 1]: no overflow for large |v|.
  const e = expFast(-Math.abs(v));
  return v >= 0 ? v / (1 + e) : (v * e) / (1 + e);
}

/** gate ← silu(gate) ⊙ up. Shapes: gate [n·f], up [n·f] (same length). */
export function swiGlu(gate: Float32Array, up: Float32Array): void {
  if (gate.length !== up.length) throw new ShapeError(`swiGlu: gate has ${gate.length} values and up ${up.length}`);
  for (let i = 0; i < gate.length; i++) gate[i] = silu(gate[i]!) * up[i]!;
}
