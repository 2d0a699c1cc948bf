/**
 * Dense products over row-major Float32Array matrices: the only loops in the core whose speed
 * matters. Every other file calls these three and never writes its own triple loop.
 *
 * Legend: n rows of the left operand, k shared (inner) width, m columns of the result.
 * Reference path: plain loops accumulating in float64, kept readable as the definition that any
 * fast path is tested against.
 */
import { ShapeError, type Matrix } from './types';

export function matrix(rows: number, cols: number, data?: Float32Array): Matrix {
  const values = data ?? new Float32Array(rows * cols);
  if (values.length !== rows * cols) {
    throw new ShapeError(`matrix: data has ${values.length} values, expected ${rows}×${cols} = ${rows * cols}`);
  }
  return { rows, cols, data: values };
}

/** C = A · B. Shapes: A [n, k], B [k, m] → C [n, m]. */
export function matmul(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) {
    throw new ShapeError(`matmul: A is ${a.rows}×${a.cols} and B is ${b.rows}×${b.cols}; inner widths differ`);
  }
  const n = a.rows, k = a.cols, m = b.cols;
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += a.data[i * k + p]! * b.data[p * m + j]!;
      out[i * m + j] = acc;
    }
  }
  return matrix(n, m, out);
}

/** C = A · Bᵀ. Shapes: A [n, k], B [m, k] → C [n, m]. (Q·Kᵀ, and x·Wᵀ for PyTorch-layout weights.) */
export function matmulTransposeB(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.cols) {
    throw new ShapeError(`matmulTransposeB: A is ${a.rows}×${a.cols} and B is ${b.rows}×${b.cols}; row widths differ`);
  }
  const n = a.rows, k = a.cols, m = b.rows;
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += a.data[i * k + p]! * b.data[j * k + p]!;
      out[i * m + j] = acc;
    }
  }
  return matrix(n, m, out);
}

/** y = x · Wᵀ + b (PyTorch's nn.Linear). Shapes: x [n, in], W [out, in], b [out] → y [n, out]. */
export function linear(x: Matrix, w: Matrix, bias?: Float32Array): Matrix {
  const y = matmulTransposeB(x, w);
  if (bias) {
    if (bias.length !== w.rows) {
      throw new ShapeError(`linear: bias has ${bias.length} values, expected ${w.rows}`);
    }
    for (let i = 0; i < y.rows; i++) {
      for (let j = 0; j < y.cols; j++) y.data[i * y.cols + j]! += bias[j]!;
    }
  }
  return y;
}
