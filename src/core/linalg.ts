/**
 * Dense products over row-major Float32Array matrices: the only loops in the core whose speed
 * matters. Every other file calls these three and never writes its own triple loop.
 *
 * Legend: n rows of the left operand, k shared (inner) width, m columns of the result.
 *
 * Two paths behind the same public functions:
 *   reference  plain loops accumulating in float64 (`matmulReference`, `matmulTransposeBReference`,
 *              `linearReference`): the readable definition every fast path is tested against.
 *   fast       the WebAssembly SIMD GEMM (kernels/wasmGemm.ts: packed panels, register tiles of
 *              5 × 8 with SIMD128 or 6 × 8 with relaxed-SIMD FMA where the engine has it, float32
 *              accumulation) for all but tiny products, and a register-blocked JS kernel
 *              (kernels/jsGemm.ts, float64 accumulation) for tiny ones and for hosts without
 *              WebAssembly SIMD.
 * Numerical note: the SIMD path sums in float32 in another order than the reference; the error of
 * each entry stays within the classic bound γ_k · Σ_p |a_ip·b_pj| (γ_k = k·u/(1 − k·u), u = 2⁻²⁴),
 * which is what test/unit/core/linalg.test.ts asserts.
 */
import { gemmRowsJs, transpose } from './kernels/jsGemm';
import { gemmWasm, wasmGemmAvailable, wasmGemmVariant } from './kernels/wasmGemm';
import { ShapeError, type Matrix } from './types';

export function matrix(rows: number, cols: number, data?: Float32Array): Matrix {
  const values = data ?? new Float32Array(rows * cols);
  if (values.length !== rows * cols) {
    throw new ShapeError(`matrix: data has ${values.length} values, expected ${rows}×${cols} = ${rows * cols}`);
  }
  return { rows, cols, data: values };
}

// ── shape checks (shared by both paths) ────────────────────────────────────────────────────────

function checkMatmul(a: Matrix, b: Matrix, name: string): void {
  if (a.cols !== b.rows) {
    throw new ShapeError(`${name}: A is ${a.rows}×${a.cols} and B is ${b.rows}×${b.cols}; inner widths differ`);
  }
}

function checkTransposeB(a: Matrix, b: Matrix, name: string): void {
  if (a.cols !== b.cols) {
    throw new ShapeError(`${name}: A is ${a.rows}×${a.cols} and B is ${b.rows}×${b.cols}; row widths differ`);
  }
}

function checkBias(w: Matrix, bias: Float32Array | undefined, name: string): void {
  if (bias && bias.length !== w.rows) {
    throw new ShapeError(`${name}: bias has ${bias.length} values, expected ${w.rows}`);
  }
}

// ── public products ─────────────────────────────────────────────────────────────────────────────

/** C = A · B. Shapes: A [n, k], B [k, m] → C [n, m]. */
export function matmul(a: Matrix, b: Matrix): Matrix {
  checkMatmul(a, b, 'matmul');
  return matrix(a.rows, b.cols, product(a.data, b.data, a.rows, a.cols, b.cols, false));
}

/** C = A · Bᵀ. Shapes: A [n, k], B [m, k] → C [n, m]. (Q·Kᵀ, and x·Wᵀ for PyTorch-layout weights.) */
export function matmulTransposeB(a: Matrix, b: Matrix): Matrix {
  checkTransposeB(a, b, 'matmulTransposeB');
  return matrix(a.rows, b.rows, product(a.data, b.data, a.rows, a.cols, b.rows, true));
}

/** y = x · Wᵀ + b (PyTorch's nn.Linear). Shapes: x [n, in], W [out, in], b [out] → y [n, out]. */
export function linear(x: Matrix, w: Matrix, bias?: Float32Array): Matrix {
  checkTransposeB(x, w, 'linear');
  checkBias(w, bias, 'linear');
  return matrix(x.rows, w.rows, product(x.data, w.data, x.rows, x.cols, w.rows, true, bias));
}

// ── path selection ──────────────────────────────────────────────────────────────────────────────

/** Which kernel runs a product: 'auto' picks by size; the others force one (tests, benchmarks). */
export type LinalgPath = 'auto' | 'wasm' | 'js' | 'reference';
export type Kernel = Exclude<LinalgPath, 'auto'>;

let selectedPath: LinalgPath = 'auto';

/** Force a path for every later product; returns the previous setting so callers can restore it. */
export function setLinalgPath(path: LinalgPath): LinalgPath {
  const previous = selectedPath;
  selectedPath = path;
  return previous;
}

/** False when the JS or reference path is forced: then element-wise kernels stay in JS too (activations.ts). */
export function wasmPathAllowed(): boolean {
  return selectedPath === 'auto' || selectedPath === 'wasm';
}

/**
 * Below this many multiply-adds (n·k·m) the JS kernel wins: copying operands into wasm memory and
 * packing panels costs more than the SIMD saves (about 0.3 µs a call). Measured on the bench
 * machine (AMD EPYC, Node 20): equal near 12·12·12, wasm 2× faster at 16·16·16.
 */
const WASM_MIN_MULTIPLY_ADDS = 2048;

/** The kernel `matmul`/`matmulTransposeB`/`linear` would use for an [n, k] × [k, m] product. */
export function kernelFor(n: number, k: number, m: number): Kernel {
  if (selectedPath === 'reference' || selectedPath === 'js') return selectedPath;
  // An empty product (k = 0) is all bias; the wasm kernel only ever adds k-slices to C.
  if (n === 0 || k === 0 || m === 0 || !wasmGemmAvailable()) return 'js';
  if (selectedPath === 'wasm') return 'wasm';
  return n * k * m >= WASM_MIN_MULTIPLY_ADDS ? 'wasm' : 'js';
}

/**
 * What the fast path runs on this engine: 'wasm relaxed-fma' (relaxed SIMD: Node ≥ 22, VS Code's
 * Electron), 'wasm simd128', or 'js' where WebAssembly SIMD is missing. For diagnostics and benches.
 */
export function fastKernelName(): string {
  const variant = wasmGemmVariant();
  return variant ? `wasm ${variant}` : 'js';
}

/** C[n, m] = A[n, k] · op(B) + bias, op(B) = B [k, m], or Bᵀ of B [m, k] when transB. */
function product(a: Float32Array, b: Float32Array, n: number, k: number, m: number, transB: boolean,
  bias?: Float32Array): Float32Array {
  const kernel = kernelFor(n, k, m);
  if (kernel === 'reference') return referenceProduct(a, b, n, k, m, transB, bias);
  if (kernel === 'wasm') {
    const out = gemmWasm(a, b, n, k, m, transB, bias);
    if (out) return out;
  }
  return gemmRowsJs(a, transB ? b : transpose(b, k, m), n, k, m, bias);
}

// ── reference path ──────────────────────────────────────────────────────────────────────────────

/** The definition: C[i, j] = Σ_p A[i, p] · op(B)[p, j], summed in float64, then + bias[j]. */
function referenceProduct(a: Float32Array, b: Float32Array, n: number, k: number, m: number, transB: boolean,
  bias?: Float32Array): Float32Array {
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let acc = 0;
      if (transB) {
        for (let p = 0; p < k; p++) acc += a[i * k + p]! * b[j * k + p]!;
      } else {
        for (let p = 0; p < k; p++) acc += a[i * k + p]! * b[p * m + j]!;
      }
      out[i * m + j] = acc;
    }
  }
  if (bias) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) out[i * m + j]! += bias[j]!;
    }
  }
  return out;
}

/** Reference C = A · B, whatever path is selected. */
export function matmulReference(a: Matrix, b: Matrix): Matrix {
  checkMatmul(a, b, 'matmul');
  return matrix(a.rows, b.cols, referenceProduct(a.data, b.data, a.rows, a.cols, b.cols, false));
}

/** Reference C = A · Bᵀ, whatever path is selected. */
export function matmulTransposeBReference(a: Matrix, b: Matrix): Matrix {
  checkTransposeB(a, b, 'matmulTransposeB');
  return matrix(a.rows, b.rows, referenceProduct(a.data, b.data, a.rows, a.cols, b.rows, true));
}

/** Reference y = x · Wᵀ + b, whatever path is selected. */
export function linearReference(x: Matrix, w: Matrix, bias?: Float32Array): Matrix {
  checkTransposeB(x, w, 'linear');
  checkBias(w, bias, 'linear');
  return matrix(x.rows, w.rows, referenceProduct(x.data, w.data, x.rows, x.cols, w.rows, true, bias));
}
