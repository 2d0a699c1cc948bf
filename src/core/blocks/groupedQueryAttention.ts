/**
 * Eager multi-head self-attention with grouped key/value heads: the attention of every supported
 * family. Multi-head attention (GPT-2, the BERT family) is the case kvHeads = heads.
 * Follows transformers' models/llama/modeling_llama.py `repeat_kv` and `eager_attention_forward`
 * (GPT2Attention._attn and BertSelfAttention.forward are the same computation without groups).
 *
 * Contract:
 *   groupedQueryAttention(q, k, v, spec, onHead?) → context [n, H·D]
 *     query head h reads columns [h·D, (h+1)·D) of q and uses kv head g = ⌊h / (H / KV)⌋, columns
 *     [g·D, (g+1)·D) of k and v (repeat_kv: each kv head serves H / KV consecutive query heads).
 *       scores_h  = q_h · k_gᵀ · scale, −Infinity where masked            [n, n]
 *       weights_h = softmax(scores_h) per row (masked entries exactly 0)  [n, n]
 *       context[:, h·D … (h+1)·D) = weights_h · v_g                       [n, D]
 *     Mask: causal hides key j > i; a sliding window w also hides j ≤ i − w (Mistral's
 *     sliding_window). Without causal, every key is visible (the BERT family).
 *     onHead(h, scores_h, weights_h, vectors) sees each head's matrices (fresh arrays the caller
 *     may keep): scores_h are the pre-softmax scores, weights_h what `output_attentions` returns;
 *     vectors() copies out q_h and k_g (only the focused head's neuron view wants them).
 *   Hugging Face adds torch.finfo.min instead of −∞ to masked scores; after softmax both give
 *   exactly 0 wherever a row has a visible key, which every row has here (key j = i is visible).
 *
 * Legend: n tokens, H query heads, KV key/value heads (H divisible by KV), D head width.
 *
 * Numerical stability: as softmax.ts's softmaxRows (row max subtracted, float64 sum; NaN refused;
 * +Infinity scores share the weight), with each row's exponentials over its visible keys only
 * (half the row under a causal mask). Where WebAssembly SIMD runs (every host we ship to), a head
 * runs whole in the wasm module (kernels/wasmAttention.ts): float32 exp, ~1 ulp, float64 sum, so
 * the weights are within a few float32 ulps of the float64 softmax. The JS path below (forced by
 * setLinalgPath('js'), or without wasm) uses exp.ts's expFast in float64. Both scale a score as
 * one float32 multiplication by fround(scale), as torch does.
 */
import { kernelFor, matmul, matmulTransposeB, matrix } from '../linalg';
import { attendHeadWasm, CAUSAL_BLOCK, type FinishRow, type HeadSource } from '../kernels/wasmAttention';
import { ShapeError, type Matrix } from '../types';
import { expFast } from './exp';
import { softmaxSpan } from '../softmax';

export interface AttentionSpec {
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** Multiplier of q·kᵀ (1/√D for every family here; GPT-2 may add 1/(layer+1)). */
  readonly scale: number;
  readonly causal: boolean;
  /** Sliding window: with causal, key j is visible to query i when i − w < j ≤ i. */
  readonly window?: number;
}

/** A head's queries q [n, D] and its kv head's keys k [n, D]: copied out only when asked for. */
export interface HeadVectors {
  readonly q: Matrix;
  readonly k: Matrix;
}
export type HeadSink = (head: number, scores: Matrix, weights: Matrix, vectors: () => HeadVectors) => void;

/** Columns [from, from + width) of x as their own matrix. Shape: [n, cols] → [n, width]. */
export function columns(x: Matrix, from: number, width: number): Matrix {
  const out = new Float32Array(x.rows * width);
  const data = x.data, cols = x.cols;
  // A plain loop: a subarray per row cost more than copying its 64 values.
  for (let i = 0; i < x.rows; i++) {
    const src = i * cols + from, dst = i * width;
    for (let d = 0; d < width; d++) out[dst + d] = data[src + d]!;
  }
  return matrix(x.rows, width, out);
}

/** One head's results: scores and weights [n, n], and its slice of the context [n, D]. */
export interface HeadResult {
  readonly scores: Matrix;
  readonly weights: Matrix;
  readonly context: Matrix;
}

/**
 * A replacement for the loop over heads (src/model/parallel runs heads on several threads with
 * attendHead itself, so the numbers are the same); `undefined` declines and the loop runs here.
 * Returns every query head's result, in head order.
 */
export interface AttentionKernel {
  heads(q: Matrix, k: Matrix, v: Matrix, spec: AttentionSpec): readonly HeadResult[] | undefined;
}

let installed: AttentionKernel | undefined;

/** Installs `kernel` (undefined: none) for every later groupedQueryAttention; returns the previous one. */
export function setAttentionKernel(kernel: AttentionKernel | undefined): AttentionKernel | undefined {
  const previous = installed;
  installed = kernel;
  return previous;
}

/** Checks q, k, v against the spec; returns the query heads per kv head. */
export function checkAttention(q: Matrix, k: Matrix, v: Matrix, spec: AttentionSpec): number {
  const { heads: H, kvHeads: KV, headDim: D } = spec;
  const n = q.rows;
  if (KV <= 0 || H % KV !== 0) throw new ShapeError(`attention: ${H} query heads cannot share ${KV} key/value heads evenly`);
  if (q.cols !== H * D || k.cols !== KV * D || v.cols !== KV * D || k.rows !== n || v.rows !== n) {
    throw new ShapeError(`attention: q ${q.rows}×${q.cols}, k ${k.rows}×${k.cols}, v ${v.rows}×${v.cols} do not fit ${H} heads, ${KV} kv heads of width ${D}`);
  }
  return H / KV;
}

/**
 * Where attendHead writes a head's scores and weights instead of fresh arrays: n² floats each,
 * all zero (a fresh SharedArrayBuffer), so that src/model/parallel's helper threads can fill the
 * arrays the caller keeps, with no copy.
 */
export interface HeadTarget {
  readonly scores: Float32Array;
  readonly weights: Float32Array;
  /** n·D floats for the context too, when given. */
  readonly context?: Float32Array;
}

/**
 * Passes 2–4 for one query head h reading kv head g = ⌊h / (H / KV)⌋: qh [n, D] its queries,
 * kg, vg [n, D] that kv head's keys and values. → scores, weights [n, n] (in `into` when given),
 * context [n, D].
 */
export function attendHead(qh: Matrix, kg: Matrix, vg: Matrix, spec: AttentionSpec, into?: HeadTarget): HeadResult {
  const whole = (m: Matrix): HeadSource => ({ data: m.data, stride: m.cols, offset: 0 });
  checkTarget(into, qh.rows, qh.cols);
  return attendWasm(whole(qh), whole(kg), whole(vg), qh.rows, qh.cols, spec, into) ?? attendHeadJs(qh, kg, vg, spec, into);
}

/**
 * attendHead for query head h of q [n, H·D], reading kv head ⌊h / (H / KV)⌋ of k, v [n, KV·D],
 * without copying the head's columns out first where the wasm kernel runs.
 */
export function attendHeadOf(q: Matrix, k: Matrix, v: Matrix, h: number, spec: AttentionSpec, into?: HeadTarget): HeadResult {
  const D = spec.headDim, g = Math.floor(h / (spec.heads / spec.kvHeads));
  checkTarget(into, q.rows, D);
  const fast = attendWasm({ data: q.data, stride: q.cols, offset: h * D }, { data: k.data, stride: k.cols, offset: g * D },
    { data: v.data, stride: v.cols, offset: g * D }, q.rows, D, spec, into);
  return fast ?? attendHeadJs(columns(q, h * D, D), columns(k, g * D, D), columns(v, g * D, D), spec, into);
}

/** Passes 2–4 in the wasm module's memory (kernels/wasmAttention.ts), or undefined where it cannot run. */
function attendWasm(q: HeadSource, k: HeadSource, v: HeadSource, n: number, D: number, spec: AttentionSpec, into: HeadTarget | undefined): HeadResult | undefined {
  if (kernelFor(n, D, n) !== 'wasm') return undefined;
  const out = {
    scores: into?.scores ?? new Float32Array(n * n), weights: into?.weights ?? new Float32Array(n * n),
    context: into?.context ?? new Float32Array(n * D),
  };
  if (!attendHeadWasm(q, k, v, n, D, spec, out, finishRow)) return undefined;
  return { scores: matrix(n, n, out.scores), weights: matrix(n, n, out.weights), context: matrix(n, D, out.context) };
}

function checkTarget(into: HeadTarget | undefined, n: number, D: number): void {
  if (into && (into.scores.length !== n * n || into.weights.length !== n * n || (into.context && into.context.length !== n * D))) {
    throw new ShapeError(`attention: the head's target holds ${into.scores.length}, ${into.weights.length} and ${into.context?.length ?? 0} values, expected ${n}×${n} and ${n}×${D}`);
  }
}

/** The same passes in JS, on the head's own columns (`into` already checked). */
function attendHeadJs(qh: Matrix, kg: Matrix, vg: Matrix, spec: AttentionSpec, into?: HeadTarget): HeadResult {
  const { scale, causal, window } = spec;
  const n = qh.rows;
  // Pass 2: scores = q_h · k_gᵀ · scale, masked → −∞. [n, D] · [n, D]ᵀ → [n, n]
  const scores = causal ? causalScores(qh, kg, into?.scores) : intoTarget(matmulTransposeB(qh, kg), into?.scores);
  const s = scores.data;
  // Pass 3: weights = softmax(scores) per row over its visible keys first … last; 0 elsewhere. [n, n]
  const w = into?.weights ?? new Float32Array(n * n);
  const exps = new Float64Array(n);
  // float32 · float32 is exact in float64, so this rounds as the wasm kernel's f32x4.mul does.
  const scale32 = Math.fround(scale);
  for (let i = 0; i < n; i++) {
    const first = causal && window !== undefined ? Math.max(0, i - window + 1) : 0;
    const last = causal ? i : n - 1;
    const row = i * n;
    for (let j = 0; j < first; j++) s[row + j] = Number.NEGATIVE_INFINITY;
    for (let j = last + 1; j < n; j++) s[row + j] = Number.NEGATIVE_INFINITY;
    for (let j = first; j <= last; j++) s[row + j] = Math.fround(s[row + j]! * scale32);
    softmaxSpan(s, w, exps, row, first, last, expFast, 'attention', i);
  }
  const weights = matrix(n, n, w);
  // Pass 4: context_h = weights · v_g. [n, n] · [n, D] → [n, D]
  const context = intoTarget(causal ? causalContext(weights, vg) : matmul(weights, vg), into?.context);
  return { scores, weights, context };
}

/** The wasm kernel's rows with a non-finite maximum, finished here (their scores already scaled and masked). */
const finishRow: FinishRow = (i, scores, weights, first, last) => {
  softmaxSpan(scores, weights, new Float64Array(last + 1), 0, first, last, expFast, 'attention', i);
};

/**
 * Under a causal mask, query rows [r0, r1) see keys [0, r1) at most, so both products run block
 * by block over that prefix: (1 + 2 + … + b) / b² of the work for b blocks (62% at 512 tokens).
 * The numbers are the full products' bit for bit: each score is the same dot product, and a
 * context entry only loses terms whose weight is exactly 0 (x + 0·v = x for finite v).
 */

/** Calls body(r0, r1) for each block of query rows [r0, r1). */
function forEachCausalBlock(n: number, body: (r0: number, r1: number) => void): void {
  for (let r0 = 0; r0 < n; r0 += CAUSAL_BLOCK) body(r0, Math.min(n, r0 + CAUSAL_BLOCK));
}

/** `product` itself, or copied into `target` when one is given. */
function intoTarget(product: Matrix, target: Float32Array | undefined): Matrix {
  if (!target) return product;
  target.set(product.data);
  return matrix(product.rows, product.cols, target);
}

/** Shapes: q [n, D], k [n, D] → [n, n] (into `target`, zeros, when given); entries right of each block's last row are left 0 (the caller masks them). */
function causalScores(q: Matrix, k: Matrix, target?: Float32Array): Matrix {
  const n = q.rows, D = q.cols;
  if (n < 2 * CAUSAL_BLOCK) return intoTarget(matmulTransposeB(q, k), target);
  const out = target ?? new Float32Array(n * n);
  forEachCausalBlock(n, (r0, r1) => {
    // [r1 − r0, D] · [r1, D]ᵀ → [r1 − r0, r1], row i − r0 of it into row i of out
    const part = matmulTransposeB(matrix(r1 - r0, D, q.data.subarray(r0 * D, r1 * D)), matrix(r1, D, k.data.subarray(0, r1 * D))).data;
    for (let i = r0; i < r1; i++) out.set(part.subarray((i - r0) * r1, (i - r0 + 1) * r1), i * n);
  });
  return matrix(n, n, out);
}

/** Shapes: weights [n, n] (0 right of the diagonal), v [n, D] → [n, D]. */
function causalContext(weights: Matrix, v: Matrix): Matrix {
  const n = weights.rows, D = v.cols;
  if (n < 2 * CAUSAL_BLOCK) return matmul(weights, v);
  const out = new Float32Array(n * D);
  forEachCausalBlock(n, (r0, r1) => {
    // the block's weights, keys 0 … r1 − 1: [r1 − r0, r1] · [r1, D] → [r1 − r0, D]
    const block = new Float32Array((r1 - r0) * r1);
    for (let i = r0; i < r1; i++) block.set(weights.data.subarray(i * n, i * n + r1), (i - r0) * r1);
    out.set(matmul(matrix(r1 - r0, r1, block), matrix(r1, D, v.data.subarray(0, r1 * D))).data, r0 * D);
  });
  return matrix(n, D, out);
}

/** Shapes: q [n, H·D], k [n, KV·D], v [n, KV·D] → [n, H·D]. */
export function groupedQueryAttention(q: Matrix, k: Matrix, v: Matrix, spec: AttentionSpec, onHead?: HeadSink): Matrix {
  const { heads: H, headDim: D } = spec;
  const n = q.rows;
  const group = checkAttention(q, k, v, spec);
  const context = new Float32Array(n * H * D);
  // context columns h·D … (h+1)·D ← the head's [n, D] (a plain loop, as in columns)
  const place = (h: number, out: Float32Array): void => {
    for (let i = 0; i < n; i++) {
      const dst = i * H * D + h * D, src = i * D;
      for (let d = 0; d < D; d++) context[dst + d] = out[src + d]!;
    }
  };
  const vectors = (h: number) => (): HeadVectors => ({ q: columns(q, h * D, D), k: columns(k, Math.floor(h / group) * D, D) });
  const elsewhere = installed?.heads(q, k, v, spec);
  for (let h = 0; h < H; h++) {
    // Passes 1–4 for query head h (kv head ⌊h / group⌋), here or on the installed kernel.
    const result = elsewhere ? elsewhere[h]! : attendHeadOf(q, k, v, h, spec);
    place(h, result.context.data);
    onHead?.(h, result.scores, result.weights, vectors(h));
  }
  return matrix(n, H * D, context);
}
