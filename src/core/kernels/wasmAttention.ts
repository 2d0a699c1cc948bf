/**
 * One attention head in the WebAssembly module's memory: scores = q·kᵀ with `gemm`, the masked,
 * scaled softmax with `softmaxRows` (softmaxKernel.ts), context = weights·v with `gemm` again.
 * q, k, v are copied in once and the results copied out once; between the three steps nothing
 * leaves wasm. groupedQueryAttention.ts's attendHead calls it and keeps its JS loop as the fallback.
 *
 * Contract: `attendHeadWasm(q, k, v, n, D, mask, out, finishRow)`, q, k, v each a head's D columns
 * of a wider matrix (HeadSource), fills out.scores (s·scale where
 * visible, −∞ elsewhere), out.weights (softmax over the visible keys, 0 elsewhere) [n, n] and
 * out.context [n, D], all zeros on entry; returns false, having written nothing, when WebAssembly
 * is unavailable or the head does not fit in its memory. A row whose visible maximum is not finite
 * is handed to `finishRow` with views of its scaled scores and zero weights (the caller refuses
 * NaN and takes softmax's limit for ±∞, as softmax.ts does).
 *
 * Legend: n tokens, D head width, P = ⌈cols/4⌉·4 a block's padded row length.
 *
 * Blocks: under a causal mask query rows [r0, r1) see keys [0, r1) at most, so both products run
 * over that prefix, 128 rows at a time from 256 tokens on (as attendHead's JS path does, and with
 * the same sums: a context entry only gains terms 0·v = 0). Memory of one call (64-byte aligned):
 *   [GEMM_SCRATCH][bias zeros][q n·D][k n·D][v ⌈n/4⌉·4·D][block scores rows·n + 4][scores rows·P][weights rows·P][context n·D][status]
 * v's rows past n are zeros: the weights' padding columns (0) meet them in the second product.
 */
import { GEMM_SCRATCH, align64, reserveWasm } from './wasmGemm';

const FLOAT = 4;
/** Query rows per block of a causal head (from 2 blocks on). */
export const CAUSAL_BLOCK = 128;

export interface HeadMask {
  readonly scale: number;
  readonly causal: boolean;
  /** Sliding window: with causal, key j is visible to query i when i − w < j ≤ i. */
  readonly window?: number;
}

/** A head's columns inside a wider matrix: row i's D values start at offset + i·stride. */
export interface HeadSource {
  readonly data: Float32Array;
  readonly stride: number;
  readonly offset: number;
}

export interface HeadArrays {
  readonly scores: Float32Array;
  readonly weights: Float32Array;
  readonly context: Float32Array;
}

/** Finishes query i's row: scores and weights are views of its first … last keys' row (from index 0). */
export type FinishRow = (i: number, scores: Float32Array, weights: Float32Array, first: number, last: number) => void;

const ceil4 = (x: number): number => Math.ceil(x / 4) * 4;

/** floats[at + i·D + d] ← source row i, column d. A plain loop: a subarray per row costs more than its 64 values. */
function gather(floats: Float32Array, at: number, source: HeadSource, n: number, D: number): void {
  const { data, stride, offset } = source;
  if (stride === D && offset === 0) {
    floats.set(data.subarray(0, n * D), at);
    return;
  }
  for (let i = 0; i < n; i++) {
    const from = offset + i * stride, to = at + i * D;
    for (let d = 0; d < D; d++) floats[to + d] = data[from + d]!;
  }
}

/** See the contract above. */
export function attendHeadWasm(q: HeadSource, k: HeadSource, v: HeadSource, n: number, D: number, mask: HeadMask,
  out: HeadArrays, finishRow: FinishRow): boolean {
  const { causal } = mask;
  const window = causal && mask.window !== undefined ? mask.window : 0;
  const blockRows = causal && n >= 2 * CAUSAL_BLOCK ? CAUSAL_BLOCK : n;
  const padded = ceil4(n);
  const { scratch, apack, pack, end } = GEMM_SCRATCH;
  const biasAt = end;
  const qAt = align64(biasAt + Math.ceil(Math.max(n, D) / 8) * 8 * FLOAT);
  const kAt = align64(qAt + n * D * FLOAT);
  const vAt = align64(kAt + n * D * FLOAT);
  const rawAt = align64(vAt + padded * D * FLOAT);
  const scoresAt = align64(rawAt + (blockRows * n + 4) * FLOAT);
  const weightsAt = align64(scoresAt + blockRows * padded * FLOAT);
  const contextAt = align64(weightsAt + blockRows * padded * FLOAT);
  const statusAt = align64(contextAt + n * D * FLOAT);
  const wasm = reserveWasm(statusAt + 64);
  if (!wasm) return false;
  const { floats, ints } = wasm;
  const scale = Math.fround(mask.scale);
  // Operands in: q, k, v [n, D] gathered from their columns; v's padding rows and the bias are zeros.
  floats.fill(0, biasAt / FLOAT, qAt / FLOAT);
  gather(floats, qAt / FLOAT, q, n, D);
  gather(floats, kAt / FLOAT, k, n, D);
  gather(floats, vAt / FLOAT, v, n, D);
  floats.fill(0, vAt / FLOAT + n * D, vAt / FLOAT + padded * D);
  for (let r0 = 0; r0 < n; r0 += blockRows) {
    const r1 = Math.min(n, r0 + blockRows), rows = r1 - r0;
    const cols = causal ? r1 : n, P = ceil4(cols);
    // Pass 2: raw = q[r0, r1) · k[0, cols)ᵀ. [rows, D] · [cols, D]ᵀ → [rows, cols]
    wasm.gemm(qAt + r0 * D * FLOAT, kAt, rawAt, biasAt, pack, apack, scratch, rows, D, cols, 1);
    // Pass 3: scores and weights [rows, P]; rows the kernel cannot finish go to finishRow.
    for (let from = 0; ;) {
      wasm.softmaxRows(rawAt, cols, scoresAt, weightsAt, P, rows, r0, from, causal ? 1 : 0, window, scale, statusAt);
      const special = ints[statusAt / FLOAT]!;
      if (special < 0) break;
      const i = r0 + special;
      const first = window > 0 ? Math.max(0, i - window + 1) : 0;
      const sRow = scoresAt / FLOAT + special * P, wRow = weightsAt / FLOAT + special * P;
      finishRow(i, floats.subarray(sRow, sRow + P), floats.subarray(wRow, wRow + P), first, causal ? i : n - 1);
      from = special + 1;
    }
    // Pass 4: context[r0, r1) = weights · v[0, P). [rows, P] · [P, D] → [rows, D]
    wasm.gemm(weightsAt, vAt, contextAt + r0 * D * FLOAT, biasAt, pack, apack, scratch, rows, P, D, 0);
    // Out: each row's first `cols` keys; the rest of a causal row is masked.
    for (let r = 0; r < rows; r++) {
      const i = r0 + r, sRow = scoresAt / FLOAT + r * P, wRow = weightsAt / FLOAT + r * P;
      out.scores.set(floats.subarray(sRow, sRow + cols), i * n);
      if (cols < n) out.scores.fill(Number.NEGATIVE_INFINITY, i * n + cols, (i + 1) * n);
      out.weights.set(floats.subarray(wRow, wRow + cols), i * n);
    }
  }
  out.context.set(floats.subarray(contextAt / FLOAT, contextAt / FLOAT + n * D));
  return true;
}
