/**
 * The float32 SIMD pre-scan that makes exact top-k neighbour queries fast on big embedding sets,
 * reading the store's own rows in place (rowMemory.ts puts them in the kernel's memory).
 *
 * Contract: `FloatScan.candidates(query, k, measure, exclude)` returns a set of rows that provably
 * contains the exact top-k; the caller re-scores those rows exactly (float64 over the float32 rows)
 * and keeps the best k, so results equal a full exact scan, ties included.
 *
 * Legend: n rows, d dims; s_i = the kernel's float32 dot of the query q with row x_i.
 * Bound (wasm/scanKernel.ts): |s_i − q·x_i| ≤ γ·‖q‖‖x_i‖ with γ = m·u/(1 − m·u), m = ⌈d/8⌉ + 8,
 * u = 2⁻²⁴, plus an absolute term for products below float32's normal range.
 * Selection: lo_i = score(s_i − δ_i), hi_i = score(s_i + δ_i) (score is increasing in the dot for
 * every measure: dot, dot/√d, dot/(‖q‖‖x_i‖)). With T = the k-th largest lo_i, every row of the
 * true top-k has hi_i ≥ its score ≥ T, so {i : hi_i ≥ T} is a superset of the answer. A row whose
 * s_i is not finite (a row with inf or NaN) is always a candidate.
 * Numerical slack: γ is widened by 1e-6 relative plus 1e-7 absolute (in units of ‖q‖‖x_i‖): the
 * stored norms are float32 (2⁻²⁴ relative) and the exact score itself is a float64 sum.
 * Memory: nothing beyond the rows: the query and the n scores use the scratch space each block's
 * memory keeps after its rows (rowMemory.ts).
 * Cost of a query: one pass over the rows at memory speed (4 bytes a value), then a pass over n
 * scores; the int8 index this replaces read a quarter of the bytes but cost 0.25× the rows + 16
 * bytes a row to keep.
 */
import type { Measure } from '../core/types';
import { scanMemoryOf, type ScanMemory } from './rowMemory';
import type { EmbeddingStore } from './store';

const UNIT_ROUNDOFF = 2 ** -24;
/** Smallest normal float32: products below it lose absolute precision (at most this much each). */
const FLOAT32_MIN_NORMAL = 2 ** -126;

export class FloatScan {
  private constructor(
    private readonly store: EmbeddingStore,
    private readonly memories: readonly ScanMemory[],
  ) {}

  /** A scan over the store's rows, when every block lives in a kernel instance's memory. */
  static of(store: EmbeddingStore): FloatScan | undefined {
    const memories: ScanMemory[] = [];
    for (const block of store.blocks) {
      const memory = scanMemoryOf(block);
      if (!memory || block.length / Math.max(1, store.dim) > memory.capacityRows) return undefined;
      memories.push(memory);
    }
    return new FloatScan(store, memories);
  }

  /** Bytes the scan holds beyond the rows: none (its scratch is inside the rows' buffers). */
  get byteLength(): number {
    return 0;
  }

  /**
   * Rows that provably contain the exact top-k of `query` by `measure` (see the file comment), or
   * undefined when the query cannot be bounded (zero or non-finite query): scan everything then.
   */
  candidates(query: Float32Array, k: number, measure: Measure, exclude?: ReadonlySet<number>): Int32Array | undefined {
    const { dim, norms, rowsPerBlock } = this.store;
    let queryNormSquared = 0;
    for (let d = 0; d < dim; d++) queryNormSquared += query[d]! * query[d]!;
    const queryNorm = Math.sqrt(queryNormSquared);
    if (!(queryNorm > 0) || !Number.isFinite(queryNorm)) return undefined;
    const m = Math.ceil(dim / 8) + 8;
    const gamma = (m * UNIT_ROUNDOFF) / (1 - m * UNIT_ROUNDOFF);
    const relative = gamma * (1 + 1e-6) + 1e-7;
    const absolute = m * dim * FLOAT32_MIN_NORMAL;
    const divisor = measure === 'scaled' ? Math.sqrt(dim) : 1;
    const cosine = measure === 'cosine';
    const lowest = new LowerBoundHeap(Math.min(this.store.count, k + (exclude?.size ?? 0)));
    // One pass: the heap's threshold only rises, so a row whose upper bound is below it now is
    // below the final T too; rows kept early are filtered against the final T at the end.
    const picked: number[] = [];
    const pickedHigh: number[] = [];
    let threshold = Number.NEGATIVE_INFINITY;
    for (let b = 0; b < this.memories.length; b++) {
      const memory = this.memories[b]!;
      const block = this.store.blocks[b]!;
      const rows = dim === 0 ? 0 : block.length / dim;
      // 1. s_i for the block's rows, by the kernel, into the block's scratch.
      new Float32Array(memory.memory.buffer, memory.queryOffset, dim).set(query.subarray(0, dim));
      memory.dots(block.byteOffset, memory.queryOffset, memory.scoresOffset, rows, dim);
      const scores = new Float32Array(memory.memory.buffer, memory.scoresOffset, rows);
      const base = b * rowsPerBlock;
      // 2. Bounds, the running threshold and the rows that may still reach it.
      for (let r = 0; r < rows; r++) {
        const i = base + r;
        const s = scores[r]!;
        const norm = norms[i]!;
        let lo: number;
        let hi: number;
        if (cosine) {
          if (norm === 0) {
            lo = 0;
            hi = 0;
          } else {
            const scale = queryNorm * norm;
            const center = s / scale;
            const width = relative + absolute / scale;
            lo = center - width;
            hi = center + width;
          }
        } else {
          const width = relative * queryNorm * norm + absolute;
          lo = (s - width) / divisor;
          hi = (s + width) / divisor;
        }
        if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
          picked.push(i);
          pickedHigh.push(Number.POSITIVE_INFINITY);
          continue;
        }
        if (lo > threshold) {
          lowest.offer(lo);
          threshold = lowest.threshold;
        }
        if (hi >= threshold) {
          picked.push(i);
          pickedHigh.push(hi);
        }
      }
    }
    let kept = 0;
    for (let c = 0; c < picked.length; c++) if (pickedHigh[c]! >= threshold) picked[kept++] = picked[c]!;
    picked.length = kept;
    return Int32Array.from(picked);
  }
}

/** The k largest numbers seen; `threshold` is the smallest of them (−∞ until k were seen). */
class LowerBoundHeap {
  private readonly values: Float64Array;
  private size = 0;

  constructor(private readonly capacity: number) {
    this.values = new Float64Array(Math.max(1, capacity));
  }

  get threshold(): number {
    return this.size < this.capacity ? Number.NEGATIVE_INFINITY : this.values[0]!;
  }

  offer(value: number): void {
    const values = this.values;
    if (this.size < this.capacity) {
      let at = this.size++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (values[parent]! <= value) break;
        values[at] = values[parent]!;
        at = parent;
      }
      values[at] = value;
      return;
    }
    if (value <= values[0]!) return;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const child = right < this.size && values[right]! < values[left]! ? right : left;
      if (values[child]! >= value) break;
      values[at] = values[child]!;
      at = child;
    }
    values[at] = value;
  }
}
