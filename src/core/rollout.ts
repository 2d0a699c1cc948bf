/**
 * Attention rollout (Abnar & Zuidema 2020, "Quantifying Attention Flow in Transformers", §3):
 * how much each position's representation after layer l draws on each input token, following
 * the attention through the residual connections of every layer below.
 *
 * Contract:
 *   headAverage(heads)                 [n, n] × H → Ā [n, n], the mean over a layer's heads
 *   residualAttention(Ā, residual)     Â = (1 − residual)·Ā + residual·I, rows renormalised to 1
 *   rollout(averages, upTo, residual)  R_upTo, where R_0 = Â_0 and R_l = Â_l · R_{l−1}
 *                                      (the paper's recursion, residual = 0.5 as in the paper)
 *   Rows of R are queries, as for a head's weights: R_ij is how much position i after layer upTo
 *   draws on input token j. Every R is row-stochastic (rows sum to 1). Works the same for
 *   encoders and causal decoders: a causal Ā is lower-triangular, so Â and R are too.
 *
 * Legend: n tokens, H heads, L layers.
 *
 * Numerical stability: every factor is row-stochastic with entries in [0, 1], so every product
 * stays in [0, 1] and no entry can overflow; the float32 product loses ~1e-7 relative a layer.
 * The head mean is summed in float64. A row that sums to 0 (impossible for weights from softmax
 * plus the residual, but possible for hand-made input with residual 0) is left at 0, never NaN.
 */
import { matmul, matrix } from './linalg';
import { ShapeError, type Matrix } from './types';

/** The residual share of the paper: 0.5·A + 0.5·I. */
export const PAPER_RESIDUAL = 0.5;

function checkSquare(m: Matrix, n: number, what: string): void {
  if (m.rows !== n || m.cols !== n) throw new ShapeError(`${what} is ${m.rows}×${m.cols}, expected ${n}×${n}`);
}

/**
 * Mean over heads. Shape: H × [n, n] → [n, n].
 * Pass 1: Σ_h W_h in float64. Pass 2: ÷ H, rounded to float32 once.
 */
export function headAverage(heads: readonly Matrix[]): Matrix {
  if (heads.length === 0) throw new ShapeError('headAverage: no heads');
  const n = heads[0]!.rows;
  heads.forEach((h, i) => checkSquare(h, n, `headAverage: head ${i}`));
  const sum = new Float64Array(n * n);
  for (const h of heads) for (let at = 0; at < sum.length; at++) sum[at]! += h.data[at]!;
  const out = new Float32Array(n * n);
  for (let at = 0; at < sum.length; at++) out[at] = sum[at]! / heads.length;
  return matrix(n, n, out);
}

/**
 * The residual connection as attention. Shape: [n, n] → [n, n].
 * Pass 1: Â_ij = (1 − r)·Ā_ij + r·[i = j]. Pass 2: each row ÷ its sum (float64).
 */
export function residualAttention(average: Matrix, residual = PAPER_RESIDUAL): Matrix {
  const n = average.rows;
  checkSquare(average, n, 'residualAttention: the head average');
  if (!(residual >= 0 && residual <= 1)) throw new ShapeError(`residualAttention: residual ${residual} is outside [0, 1]`);
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += (1 - residual) * average.data[i * n + j]! + (i === j ? residual : 0);
    for (let j = 0; j < n; j++) {
      const value = (1 - residual) * average.data[i * n + j]! + (i === j ? residual : 0);
      out[i * n + j] = sum > 0 ? value / sum : 0;
    }
  }
  return matrix(n, n, out);
}

/**
 * Rollout through layers 0…upTo of per-layer head averages. Shape: L × [n, n] → [n, n].
 * Pass 1: R = Â_0. Pass l (1…upTo): R ← Â_l · R ([n, n] · [n, n] → [n, n], the shared GEMM).
 */
export function rollout(averages: readonly Matrix[], upTo = averages.length - 1, residual = PAPER_RESIDUAL): Matrix {
  if (averages.length === 0) throw new ShapeError('rollout: no layers');
  if (!Number.isInteger(upTo) || upTo < 0 || upTo >= averages.length) {
    throw new ShapeError(`rollout: layer ${upTo} is outside 0…${averages.length - 1}`);
  }
  const n = averages[0]!.rows;
  let joint = residualAttention(averages[0]!, residual);
  for (let l = 1; l <= upTo; l++) {
    checkSquare(averages[l]!, n, `rollout: layer ${l}'s average`);
    joint = matmul(residualAttention(averages[l]!, residual), joint);
  }
  return joint;
}
