/**
 * The seam between the forward passes and the dense kernels: every projection, embedding lookup
 * and output head of src/core/models goes through these functions, so a faster or lower-precision
 * weight storage changes this file and the LinearWeight type only.
 *
 * Contract:
 *   applyLinear(x, w)       y = x Wᵀ + b (nn.Linear), on linalg's GEMM. x [n, in] → [n, out]
 *   gatherRows(table, rows) the embedding lookup: row r of table for each r. → [rows.length, E]
 *   addInPlace(a, b)        a ← a + b (the residual connections). Same shape.
 */
import { linear, matrix } from '../linalg';
import { ShapeError, type Matrix } from '../types';
import type { LinearWeight } from './types';

export function applyLinear(x: Matrix, w: LinearWeight): Matrix {
  return linear(x, w.weight, w.bias);
}

export function gatherRows(table: Matrix, rows: readonly number[]): Matrix {
  const width = table.cols;
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, i) => {
    if (!Number.isInteger(row) || row < 0 || row >= table.rows) {
      throw new ShapeError(`row ${row} (position ${i}) is outside the table's ${table.rows} rows`);
    }
    out.set(table.data.subarray(row * width, (row + 1) * width), i * width);
  });
  return matrix(rows.length, width, out);
}

export function addInPlace(a: Matrix, b: Matrix): void {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new ShapeError(`add: ${a.rows}×${a.cols} and ${b.rows}×${b.cols} differ`);
  const x = a.data, y = b.data;
  for (let i = 0; i < x.length; i++) x[i]! += y[i]!;
}
