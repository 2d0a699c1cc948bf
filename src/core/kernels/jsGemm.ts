/**
 * The JS fast path: register-blocked products for hosts without WebAssembly SIMD, and for products
 * too small to repay the copy into wasm memory.
 *
 * Contract: `gemmRowsJs(a, bRows, n, k, m, bias)` returns C[n, m] with C[i, j] = bias[j] +
 * Σ_p A[i, p]·B[j, p] — B given as rows [m, k] (that is, already transposed), the layout in which
 * both operands are read contiguously. `transpose` turns a [k, m] operand into that layout.
 * Accumulation is float64 (JS numbers), like the reference; only the summation order differs.
 *
 * Tiles: 2 rows of A × 4 rows of B = 8 float64 accumulators, 6 loads per 8 multiply-adds; the
 * rows of each tile are walked once along k, so every load is sequential.
 */

/** [rows, cols] → [cols, rows]. */
export function transpose(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c]!;
  }
  return out;
}

export function gemmRowsJs(a: Float32Array, b: Float32Array, n: number, k: number, m: number, bias?: Float32Array): Float32Array {
  const out = new Float32Array(n * m);
  const fullRows = n - (n % 2), fullCols = m - (m % 4);
  for (let i = 0; i < fullRows; i += 2) {
    const a0 = i * k, a1 = a0 + k;
    for (let j = 0; j < fullCols; j += 4) {
      const b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = a[a0 + p]!, x1 = a[a1 + p]!;
        const y0 = b[b0 + p]!, y1 = b[b1 + p]!, y2 = b[b2 + p]!, y3 = b[b3 + p]!;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
      }
      const o0 = i * m + j, o1 = o0 + m;
      const d0 = bias ? bias[j]! : 0, d1 = bias ? bias[j + 1]! : 0, d2 = bias ? bias[j + 2]! : 0, d3 = bias ? bias[j + 3]! : 0;
      out[o0] = c00 + d0; out[o0 + 1] = c01 + d1; out[o0 + 2] = c02 + d2; out[o0 + 3] = c03 + d3;
      out[o1] = c10 + d0; out[o1 + 1] = c11 + d1; out[o1 + 2] = c12 + d2; out[o1 + 3] = c13 + d3;
    }
  }
  // Edges: the last row when n is odd, the last m % 4 columns; one dot product at a time.
  for (let i = 0; i < n; i++) {
    for (let j = i < fullRows ? fullCols : 0; j < m; j++) {
      let acc = bias ? bias[j]! : 0;
      for (let p = 0; p < k; p++) acc += a[i * k + p]! * b[j * k + p]!;
      out[i * m + j] = acc;
    }
  }
  return out;
}
