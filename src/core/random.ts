/**
 * Seeded random weights, identical on every platform for a given seed.
 *
 * Contract:
 *   mulberry32(seed) → a stream of 32-bit unsigned integers. The generator is Tommy Ettinger's
 *   mulberry32 (public domain, 2017), exactly as his C reference writes it:
 *       uint32_t z = (state += 0x6D2B79F5);
 *       z = (z ^ (z >> 15)) * (z | 1);
 *       z ^= z + (z ^ (z >> 7)) * (z | 61);
 *       return z ^ (z >> 14);
 *   Every step is 32-bit integer arithmetic (Math.imul, >>>), which ECMAScript defines exactly,
 *   so the stream does not depend on the engine, the CPU or the OS.
 *   uniform01 = next() / 2³² ∈ [0, 1), exact in float64.
 *
 *   randomMultiHeadWeights(d, h, seed): PyTorch nn.MultiheadAttention's _reset_parameters:
 *     in_proj_weight [3d, d] ~ Xavier-uniform U(−a, a), a = √(6 / (fan_in + fan_out)) = √(6 / (d + 3d)),
 *       drawn row-major: rows 0…d−1 are W_Q, d…2d−1 W_K, 2d…3d−1 W_V;
 *     out_proj.weight [d, d] ~ U(−1/√d, 1/√d) (nn.Linear's kaiming_uniform_(a = √5)), drawn next;
 *     in_proj_bias and out_proj.bias = 0.
 *   Each weight is a·(2u − 1), computed in float64 (√ and × are IEEE-754 correctly rounded in
 *   every engine) and rounded once to float32.
 *   The values differ from torch.manual_seed's (a different generator); the distribution is the same.
 *
 * Legend: d model width (E), h heads, d_k = d / h.
 */
import { matrix } from './linalg';
import { ShapeError, type MultiHeadWeights } from './types';

/** mulberry32: returns a function giving the next 32-bit unsigned integer of the stream. */
export function mulberry32(seed: number): () => number {
  checkSeed(seed);
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return (z ^ (z >>> 14)) >>> 0;
  };
}

/** Uniform floats in [0, 1) from the mulberry32 stream of `seed`. */
export function uniform01(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

function checkSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new ShapeError(`seed must be a whole number from 0 to 4294967295, got ${String(seed)}`);
  }
}

/** `count` draws of U(−bound, bound), float32. */
function uniformFill(random: () => number, count: number, bound: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = bound * (2 * random() - 1);
  return out;
}

/**
 * Weights for d = embedDim, h = numHeads from `seed`, initialised as PyTorch initialises
 * nn.MultiheadAttention (see the contract). Shapes: W_Q, W_K, W_V, W_O [d, d]; biases [d] zeros.
 */
export function randomMultiHeadWeights(embedDim: number, numHeads: number, seed: number): MultiHeadWeights {
  if (!Number.isInteger(embedDim) || embedDim <= 0) throw new ShapeError(`random weights: E must be a whole number > 0, got ${embedDim}`);
  if (!Number.isInteger(numHeads) || numHeads <= 0) throw new ShapeError(`random weights: heads must be a whole number > 0, got ${numHeads}`);
  if (embedDim % numHeads !== 0) {
    throw new ShapeError(`random weights: E = ${embedDim} is not divisible by h = ${numHeads} heads (d_k = E / h must be whole)`);
  }
  checkSeed(seed);
  const d = embedDim;
  const random = uniform01(seed);
  // in_proj_weight [3d, d]: Xavier-uniform with fan_in = d, fan_out = 3d.
  const inProj = uniformFill(random, 3 * d * d, Math.sqrt(6 / (d + 3 * d)));
  // out_proj.weight [d, d]: U(−1/√d, 1/√d).
  const outProj = uniformFill(random, d * d, 1 / Math.sqrt(d));
  return {
    embedDim: d,
    numHeads,
    wq: matrix(d, d, inProj.slice(0, d * d)),
    wk: matrix(d, d, inProj.slice(d * d, 2 * d * d)),
    wv: matrix(d, d, inProj.slice(2 * d * d, 3 * d * d)),
    wo: matrix(d, d, outProj),
    bq: new Float32Array(d),
    bk: new Float32Array(d),
    bv: new Float32Array(d),
    bo: new Float32Array(d),
  };
}
