/**
 * The int8 pre-scan that makes exact top-k neighbour queries fast on big embedding sets.
 *
 * Contract: `ScanIndex.candidates(query, k, measure, exclude)` returns a set of rows that provably
 * contains the exact top-k; the caller re-scores those rows exactly (float64 over the float32 rows)
 * and keeps the best k, so results equal a full exact scan, ties included.
 *
 * Legend: n rows, d dims, stride = d rounded up to 16 (int8 codes per row, zero-padded).
 * Quantisation (per row i): s_i = max_d |x_id| / 127, code x̂_id = round(x_id / s_i) ∈ [−127, 127],
 * residual e_i = ‖x_i − s_i·x̂_i‖₂. The query q gets the same treatment (s_q, q̂, e_q).
 * Approximate dot a_i = s_q·s_i·(q̂·x̂_i), with q̂·x̂_i computed exactly in int32 by the SIMD kernel.
 * Bound: q·x_i − a_i = q·(x_i − s_i x̂_i) + (q − s_q q̂)·(s_i x̂_i), so
 *   |q·x_i − a_i| ≤ δ_i = ‖q‖·e_i + e_q·(‖x_i‖ + e_i)          (Cauchy–Schwarz twice)
 * Selection: lo_i = score(a_i − δ_i), hi_i = score(a_i + δ_i) (score is increasing in the dot for
 * every measure: dot, dot/√d, dot/(‖q‖‖x_i‖)). With T = the k-th largest lo_i, every row of the
 * true top-k has hi_i ≥ its score ≥ T, so {i : hi_i ≥ T} is a superset of the answer.
 * For cosine the bound is divided through by ‖q‖‖x_i‖ ahead of time (per-row u_i = s_i/‖x_i‖,
 * v_i = e_i/‖x_i‖), so a query costs no division per row.
 * Numerical slack: δ_i is widened by 1e-6 relative plus 1e-6·‖q‖‖x_i‖ (1e-6 in cosine units), far
 * above float64 rounding and the float32 rounding of the per-row factors.
 * Memory: n·stride bytes of codes + 16 bytes per row (scale, residual, u, v) — about 0.33× the
 * float32 rows at d = 100, built once per store, lazily or ahead of time with `buildSteps` (yielding).
 */
import type { Measure } from '../core/types';
import { SLICE_VALUES } from './slices';
import { SCAN_WASM } from './wasm/scan.generated';

const PAGE = 65536;

// The lib settings (ES2022, no DOM) do not declare WebAssembly: name the few pieces used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface ScanKernel {
  readonly memory: WasmMemory;
  readonly dots: (codes: number, query: number, out: number, count: number, stride: number) => void;
}
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;

let simdSupported: boolean | undefined;

/** True when this runtime can run the SIMD kernel (Node ≥ 16, VS Code, every current browser). */
export function scanKernelSupported(): boolean {
  if (simdSupported === undefined) {
    try {
      simdSupported = wasm !== undefined && wasm.validate(SCAN_WASM);
    } catch {
      simdSupported = false;
    }
  }
  return simdSupported;
}

export class ScanIndex {
  readonly stride: number;
  private readonly kernel: ScanKernel;
  private readonly queryOffset: number;
  private readonly outOffset: number;
  private readonly rowScale: Float32Array;
  private readonly rowResidual: Float32Array;
  /** For cosine, per row: s_i / ‖x_i‖ and e_i / ‖x_i‖ (so a query needs no division per row). */
  private readonly cosineScale: Float32Array;
  private readonly cosineResidual: Float32Array;
  private built = 0;

  private constructor(
    readonly count: number,
    readonly dim: number,
    private readonly norms: Float32Array,
  ) {
    this.stride = Math.max(16, Math.ceil(dim / 16) * 16);
    this.queryOffset = count * this.stride;
    this.outOffset = this.queryOffset + this.stride * 2;
    const instance = new wasm!.Instance(new wasm!.Module(SCAN_WASM), {});
    this.kernel = instance.exports as unknown as ScanKernel;
    this.rowScale = new Float32Array(count);
    this.rowResidual = new Float32Array(count);
    this.cosineScale = new Float32Array(count);
    this.cosineResidual = new Float32Array(count);
  }

  /**
   * Index of a [count, dim] row set, built in small steps (about SLICE_VALUES / 4 values each): iterate
   * to the end; a time-budgeted runner (slices.ts runSliced) decides when to pause between steps.
   */
  static *buildSteps(vectors: Float32Array, norms: Float32Array, count: number, dim: number): Generator<void, ScanIndex> {
    const index = new ScanIndex(count, dim, norms);
    yield;
    // Quarter-size steps: the first ones run before the JIT has optimised quantiseRows.
    const rowsPerSlice = Math.max(1, Math.floor(SLICE_VALUES / 4 / Math.max(1, dim)));
    while (index.built < count) {
      index.quantiseRows(vectors, index.built, Math.min(count, index.built + rowsPerSlice));
      yield;
    }
    index.reserve(index.outOffset + count * 4);
    return index;
  }

  /** `norms` are the rows' stored norms (the exact cosine divides by these very values). */
  static build(vectors: Float32Array, norms: Float32Array, count: number, dim: number): ScanIndex {
    const steps = ScanIndex.buildSteps(vectors, norms, count, dim);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /** Bytes held by the index (codes, query scratch, scores, per-row scale and residual). */
  get byteLength(): number {
    return this.kernel.memory.buffer.byteLength + 4 * this.rowScale.byteLength;
  }

  /** Grows the wasm memory to at least `bytes` (in steps, as the build proceeds, so no step zeroes it all). */
  private reserve(bytes: number): void {
    const memory = this.kernel.memory;
    const have = memory.buffer.byteLength / PAGE;
    const pages = Math.ceil(bytes / PAGE);
    if (pages > have) memory.grow(pages - have);
  }

  private quantiseRows(vectors: Float32Array, from: number, to: number): void {
    const dim = this.dim;
    const stride = this.stride;
    this.reserve(to === this.count ? this.outOffset + this.count * 4 : to * stride);
    const codes = new Int8Array(this.kernel.memory.buffer);
    for (let i = from; i < to; i++) {
      const row = i * dim;
      const out = i * stride;
      let max = 0;
      for (let d = 0; d < dim; d++) {
        const a = Math.abs(vectors[row + d]!);
        if (a > max) max = a;
      }
      const scale = Math.fround(max / 127);
      let residual = 0;
      if (scale === 0 || !Number.isFinite(scale)) {
        for (let d = 0; d < dim; d++) {
          const v = vectors[row + d]!;
          codes[out + d] = 0;
          residual += v * v;
        }
        this.rowScale[i] = 0;
      } else {
        const inverse = 1 / scale;
        for (let d = 0; d < dim; d++) {
          const v = vectors[row + d]!;
          const scaled = v * inverse;
          // Round half away from zero; |scaled| ≤ 127 up to one ulp, so clamp the edge.
          let c = scaled < 0 ? -((0.5 - scaled) | 0) : (scaled + 0.5) | 0;
          if (c > 127) c = 127;
          else if (c < -127) c = -127;
          codes[out + d] = c;
          const r = v - scale * c;
          residual += r * r;
        }
        this.rowScale[i] = scale;
      }
      // Round the residual up so the stored bound never undershoots.
      const e = Math.sqrt(residual);
      this.rowResidual[i] = e === 0 ? 0 : Math.fround(e * (1 + 1e-6));
      if (this.rowResidual[i]! < e) this.rowResidual[i] = e * (1 + 2e-6);
      const norm = this.norms[i]!;
      // A zero stored norm makes the exact cosine 0; u = v = 0 keeps 0 inside the bounds.
      this.cosineScale[i] = norm > 0 ? Math.fround(this.rowScale[i]! / norm) : 0;
      this.cosineResidual[i] = norm > 0 ? Math.fround((e / norm) * (1 + 1e-6)) : 0;
    }
    this.built = to;
  }

  /**
   * Rows that provably contain the exact top-k of `query` by `measure` (see the file comment),
   * or undefined when the query cannot be bounded (zero or non-finite query): scan everything then.
   */
  candidates(query: Float32Array, k: number, measure: Measure, exclude?: ReadonlySet<number>): Int32Array | undefined {
    const norms = this.norms;
    const dim = this.dim;
    const stride = this.stride;
    const count = this.count;
    // 1. Quantise the query into int16 lanes (values within int8 range).
    let max = 0;
    let queryNormSquared = 0;
    for (let d = 0; d < dim; d++) {
      const v = query[d]!;
      const a = Math.abs(v);
      if (a > max) max = a;
      queryNormSquared += v * v;
    }
    const queryNorm = Math.sqrt(queryNormSquared);
    if (!(max > 0) || !Number.isFinite(queryNorm) || !Number.isFinite(max)) return undefined;
    const queryScale = max / 127;
    const lanes = new Int16Array(this.kernel.memory.buffer, this.queryOffset, stride);
    let queryResidual = 0;
    for (let d = 0; d < stride; d++) {
      if (d >= dim) {
        lanes[d] = 0;
        continue;
      }
      const v = query[d]!;
      const c = Math.max(-127, Math.min(127, Math.round(v / queryScale)));
      lanes[d] = c;
      const r = v - queryScale * c;
      queryResidual += r * r;
    }
    queryResidual = Math.sqrt(queryResidual) * (1 + 1e-9);

    // 2. Exact int32 dot products of the codes, all rows, in SIMD.
    this.kernel.dots(0, this.queryOffset, this.outOffset, count, stride);
    const dots = new Int32Array(this.kernel.memory.buffer, this.outOffset, count);

    // 3. T = the (k + |exclude|)-th largest lower bound over all rows, which is ≤ the k-th largest
    // over the rows not excluded, so excluded rows need no test here (the caller skips them).
    // 4. Every row whose upper bound reaches T.
    const divisor = measure === 'scaled' ? Math.sqrt(dim) : 1;
    const cosine = measure === 'cosine';
    const lowest = new LowerBoundHeap(Math.min(count, k + (exclude?.size ?? 0)));
    const rowScale = this.rowScale;
    const rowResidual = this.rowResidual;
    // One pass: the heap's threshold only rises, so a row whose upper bound is below it now is
    // below the final T too; rows kept early are filtered against the final T at the end.
    const picked: number[] = [];
    const pickedHigh: number[] = [];
    let threshold = Number.NEGATIVE_INFINITY;
    if (cosine) {
      // Divided by ‖q‖‖x_i‖ the bound reads |cos − A·dot·u_i| ≤ v_i·(1 + e_q/‖q‖) + e_q/‖q‖, with
      // u_i = s_i/‖x_i‖, v_i = e_i/‖x_i‖ precomputed (float32: their rounding, ≤ 6e-8 relative on
      // terms of size ≤ ~1, is far inside the 1e-6 slack).
      const cosineScale = this.cosineScale;
      const cosineResidual = this.cosineResidual;
      const A = queryScale / queryNorm;
      const B = (1 + queryResidual / queryNorm) * (1 + 1e-6);
      const C = (queryResidual / queryNorm) * (1 + 1e-6) + 1e-6;
      for (let i = 0; i < count; i++) {
        const center = A * dots[i]! * cosineScale[i]!;
        const width = B * cosineResidual[i]! + C;
        const lo = center - width;
        if (lo > threshold) {
          lowest.offer(lo);
          threshold = lowest.threshold;
        }
        const hi = center + width;
        if (hi >= threshold) {
          picked.push(i);
          pickedHigh.push(hi);
        }
      }
    } else {
      const inverseDivisor = 1 / divisor;
      for (let i = 0; i < count; i++) {
        const norm = norms[i]!;
        const a = queryScale * rowScale[i]! * dots[i]!;
        const e = rowResidual[i]!;
        const delta = (queryNorm * e + queryResidual * (norm + e)) * (1 + 1e-6) + 1e-6 * queryNorm * norm + 1e-300;
        const lo = (a - delta) * inverseDivisor;
        const hi = (a + delta) * inverseDivisor;
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
