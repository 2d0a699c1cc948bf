/**
 * The seam between the forward passes and the dense kernels: every projection, embedding lookup
 * and output head of src/core/models goes through these functions, so a faster or lower-precision
 * weight storage changes this file and the LinearWeight type only.
 *
 * Contract:
 *   applyLinear(x, w)       y = x Wᵀ + b (nn.Linear). x [n, in] → [n, out]. Runs on the installed
 *                           LinearKernel when it takes the weight, else on linalg's GEMM.
 *   applyLinearActivation(x, w, act)  act(x Wᵀ + b), the MLP's first half: the same numbers as
 *                           applyLinear then applyActivation (the same function on each entry);
 *                           a kernel may apply act to each piece of y as its threads finish it.
 *   gatherRows(table, rows) the embedding lookup: row r of table for each r. → [rows.length, E]
 *   addInPlace(a, b)        a ← a + b (the residual connections). Same shape.
 *   setLinearKernel(k)      installs a kernel for applyLinear (src/model/parallel's GEMM over
 *                           weights resident in shared memory, on every core) and returns the
 *                           previous one. The core stays free of threads and I/O: the kernel is
 *                           injected by whoever runs the forward pass, and may decline a weight.
 * Without a kernel, a StoredWeight (types.ts) runs as stored: float32 [out, in] through linear(),
 * float32 [in, out] (Conv1D) through matmul() with no transposed copy, float16/bfloat16 widened to
 * float32 for the call (exact: every 16-bit value is a float32) and then the same.
 * Numerical note: every path sums in float32 or float64 in some order; see linalg.ts.
 */
import { applyActivation, type Activation } from '../blocks/activations';
import { linear, matmul, matrix } from '../linalg';
import { float16ToNumber } from '../safetensors';
import { ShapeError, type Matrix } from '../types';
import type { LinearWeight, StoredWeight, WeightMatrix } from './types';

/** A replacement for applyLinear's products; `undefined` hands the weight back to linalg. */
export interface LinearKernel {
  linear(x: Matrix, w: LinearWeight, activation?: Activation): Matrix | undefined;
}

let installed: LinearKernel | undefined;

/** Installs `kernel` (undefined: none) for every later applyLinear; returns the previous one. */
export function setLinearKernel(kernel: LinearKernel | undefined): LinearKernel | undefined {
  const previous = installed;
  installed = kernel;
  return previous;
}

export function isStoredWeight(w: WeightMatrix): w is StoredWeight {
  return 'dtype' in w;
}

export function applyLinearActivation(x: Matrix, w: LinearWeight, activation: Activation): Matrix {
  const fast = installed?.linear(x, w, activation);
  if (fast) return fast;
  const y = linearOnLinalg(x, w);
  applyActivation(y.data, activation);
  return y;
}

export function applyLinear(x: Matrix, w: LinearWeight): Matrix {
  return installed?.linear(x, w) ?? linearOnLinalg(x, w);
}

function linearOnLinalg(x: Matrix, w: LinearWeight): Matrix {
  const weight = w.weight;
  if (!isStoredWeight(weight)) return linear(x, weight, w.bias);
  if (x.cols !== weight.cols) throw new ShapeError(`linear: x is ${x.rows}×${x.cols} and W is ${weight.rows}×${weight.cols}; row widths differ`);
  const values = widen(weight);
  if (weight.layout === 'out-in') return linear(x, matrix(weight.rows, weight.cols, values), w.bias);
  // Conv1D: y = x · W_stored + b, W_stored [in, out]. [n, in] · [in, out] → [n, out]
  const y = matmul(x, matrix(weight.cols, weight.rows, values));
  if (w.bias) {
    if (w.bias.length !== weight.rows) throw new ShapeError(`linear: bias has ${w.bias.length} values, expected ${weight.rows}`);
    for (let i = 0; i < y.rows; i++) for (let j = 0; j < y.cols; j++) y.data[i * y.cols + j]! += w.bias[j]!;
  }
  return y;
}

/** A stored weight's elements as float32, in its own layout (a view when already float32). */
function widen(w: StoredWeight): Float32Array {
  if (w.dtype === 'f32') return w.data as Float32Array;
  const bits = w.data as Uint16Array;
  const out = new Float32Array(bits.length);
  if (w.dtype === 'bf16') {
    // bfloat16 is the top half of a float32.
    const words = new Uint32Array(out.buffer);
    for (let i = 0; i < bits.length; i++) words[i] = bits[i]! << 16;
  } else {
    for (let i = 0; i < bits.length; i++) out[i] = float16ToNumber(bits[i]!);
  }
  return out;
}

export function gatherRows(table: WeightMatrix, rows: readonly number[]): Matrix {
  const width = table.cols;
  const out = new Float32Array(rows.length * width);
  const stored = isStoredWeight(table) ? table : undefined;
  rows.forEach((row, i) => {
    if (!Number.isInteger(row) || row < 0 || row >= table.rows) {
      throw new ShapeError(`row ${row} (position ${i}) is outside the table's ${table.rows} rows`);
    }
    if (!stored || (stored.dtype === 'f32' && stored.layout === 'out-in')) {
      out.set(table.data.subarray(row * width, (row + 1) * width) as Float32Array, i * width);
      return;
    }
    for (let c = 0; c < width; c++) {
      const at = stored.layout === 'out-in' ? row * width + c : c * table.rows + row;
      out[i * width + c] = stored.dtype === 'f32' ? stored.data[at]! : stored.dtype === 'bf16' ? bf16ToNumber(stored.data[at]!) : float16ToNumber(stored.data[at]!);
    }
  });
  return matrix(rows.length, width, out);
}

const bf16Scratch = new Float32Array(1), bf16Bits = new Uint32Array(bf16Scratch.buffer);
function bf16ToNumber(bits: number): number {
  bf16Bits[0] = bits << 16;
  return bf16Scratch[0]!;
}

export function addInPlace(a: Matrix, b: Matrix): void {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new ShapeError(`add: ${a.rows}×${a.cols} and ${b.rows}×${b.cols} differ`);
  const x = a.data, y = b.data;
  for (let i = 0; i < x.length; i++) x[i]! += y[i]!;
}
