/**
 * The two directions of the embedding plot for inputs too large for the core's exact PCA.
 *
 * Why here: src/core/pca.ts diagonalises the full m × m covariance (or Gram) matrix by cyclic
 * Jacobi, m = min(n, d): exact, and right for the deck's handful of words, but O(m³) per sweep —
 * 4.5 s for 512 tokens × 300 dims on this machine, on the extension host's thread. The plot needs
 * only the top two components, which subspace iteration finds in O(iterations · n · d).
 * `topComponents` returns what principalComponents(x, 2) returns (same centring, same sign
 * convention), and the tests compare the two.
 *
 * Method: block power (subspace) iteration on C = X_cᵀX_c / (n − 1) with a block of p = 4 vectors
 * (two more than needed, so the top two converge at the rate λ₅/λ₂, not λ₃/λ₂), orthonormalised by
 * modified Gram–Schmidt after each product, then a Rayleigh–Ritz step: the p × p matrix VᵀCV is
 * diagonalised (core's jacobiEigen, tiny here) and V rotated onto its eigenvectors. C is never
 * formed: C·V = X_cᵀ(X_c V) / (n − 1).
 *
 * Legend: n rows (tokens), d width, p block size.
 * Numerical stability: float64 throughout; the start block is deterministic (no Math.random).
 */
import { jacobiEigen, principalComponents, type Matrix } from '../core';

export interface TopComponents {
  /** [2, d] row-major, unit length, orthogonal, largest variance first. */
  readonly components: Float64Array;
  /** [d] the column means subtracted before projecting. */
  readonly mean: Float64Array;
  /** Fraction of the total variance along each component. */
  readonly ratio: readonly [number, number];
}

/** Above this min(n, d), the plot uses subspace iteration instead of the core's Jacobi PCA. */
export const EXACT_PCA_LIMIT = 48;

function columnMeans(x: Matrix): Float64Array {
  const { rows: n, cols: d } = x;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x.data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= Math.max(n, 1);
  return mean;
}

/** Modified Gram–Schmidt on the p columns of V [d, p] (column-major blocks); drops nothing. */
function orthonormalise(v: Float64Array, d: number, p: number): void {
  for (let k = 0; k < p; k++) {
    const col = v.subarray(k * d, (k + 1) * d);
    for (let r = 0; r < k; r++) {
      const prev = v.subarray(r * d, (r + 1) * d);
      let dot = 0;
      for (let j = 0; j < d; j++) dot += col[j]! * prev[j]!;
      for (let j = 0; j < d; j++) col[j]! -= dot * prev[j]!;
    }
    let norm = 0;
    for (let j = 0; j < d; j++) norm += col[j]! * col[j]!;
    norm = Math.sqrt(norm);
    // A direction with no variance left (rank below p): take the first basis vector that is
    // independent of the columns already kept.
    for (let basis = 0; norm < 1e-12 && basis < d; basis++) {
      col.fill(0);
      col[basis] = 1;
      for (let r = 0; r < k; r++) {
        const prev = v.subarray(r * d, (r + 1) * d);
        const dot = prev[basis]!;
        for (let j = 0; j < d; j++) col[j]! -= dot * prev[j]!;
      }
      norm = 0;
      for (let j = 0; j < d; j++) norm += col[j]! * col[j]!;
      norm = Math.sqrt(norm);
    }
    for (let j = 0; j < d; j++) col[j]! /= norm;
  }
}

/** W = C·V = X_cᵀ(X_c V) / (n − 1). V, W: p columns of length d. */
function covarianceTimes(xc: Float64Array, n: number, d: number, v: Float64Array, p: number, out: Float64Array): void {
  out.fill(0);
  const t = new Float64Array(n);
  const denominator = Math.max(n - 1, 1);
  for (let k = 0; k < p; k++) {
    const col = v.subarray(k * d, (k + 1) * d);
    for (let i = 0; i < n; i++) {
      let acc = 0;
      const row = i * d;
      for (let j = 0; j < d; j++) acc += xc[row + j]! * col[j]!;
      t[i] = acc;
    }
    const target = out.subarray(k * d, (k + 1) * d);
    for (let i = 0; i < n; i++) {
      const ti = t[i]!;
      if (ti === 0) continue;
      const row = i * d;
      for (let j = 0; j < d; j++) target[j]! += xc[row + j]! * ti;
    }
    for (let j = 0; j < d; j++) target[j]! /= denominator;
  }
}

/** The top two principal directions of x [n, d] (d ≥ 2). */
export function topComponents(x: Matrix, maxIterations = 300, tolerance = 1e-10): TopComponents {
  const { rows: n, cols: d } = x;
  if (d < 2) throw new RangeError(`topComponents: need at least 2 dimensions, got ${d}`);
  const mean = columnMeans(x);
  const xc = new Float64Array(n * d);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = x.data[i * d + j]! - mean[j]!;
      xc[i * d + j] = v;
      total += v * v;
    }
  }
  total /= Math.max(n - 1, 1);

  if (Math.min(n, d) <= EXACT_PCA_LIMIT) {
    const exact = principalComponents(x, 2);
    return {
      components: Float64Array.from(exact.components.data),
      mean,
      ratio: [exact.explainedVarianceRatio[0] ?? 0, exact.explainedVarianceRatio[1] ?? 0],
    };
  }

  // Pass 1: a deterministic start block, spread over all coordinates.
  const p = Math.min(4, d);
  let v = new Float64Array(p * d);
  for (let k = 0; k < p; k++) for (let j = 0; j < d; j++) v[k * d + j] = Math.cos((j + 1) * (k + 1) * 0.7853981633974483 + k) + (j === k ? 1 : 0);
  orthonormalise(v, d, p);

  // Pass 2: iterate V ← orth(C V), with Rayleigh–Ritz rotation, until the top two settle.
  const w = new Float64Array(p * d);
  let values = new Float64Array(p);
  let previous = [Number.NaN, Number.NaN];
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    covarianceTimes(xc, n, d, v, p, w);
    // Rayleigh–Ritz: H = Vᵀ C V (p × p), symmetric.
    const hMatrix = new Float64Array(p * p);
    for (let a = 0; a < p; a++) {
      for (let b = a; b < p; b++) {
        let acc = 0;
        for (let j = 0; j < d; j++) acc += v[a * d + j]! * w[b * d + j]!;
        hMatrix[a * p + b] = acc;
        hMatrix[b * p + a] = acc;
      }
    }
    const eig = jacobiEigen(hMatrix, p);
    const order = [...eig.values.keys()].sort((a, b) => eig.values[b]! - eig.values[a]! || a - b);
    values = Float64Array.from(order.map((k) => eig.values[k]!));
    // Rotate W onto the Ritz vectors (so the next block is C·V already aligned), then orthonormalise.
    const rotated = new Float64Array(p * d);
    order.forEach((k, col) => {
      for (let r = 0; r < p; r++) {
        const coefficient = eig.vectors[r * p + k]!;
        if (coefficient === 0) continue;
        for (let j = 0; j < d; j++) rotated[col * d + j]! += w[r * d + j]! * coefficient;
      }
    });
    const converged =
      Math.abs(values[0]! - previous[0]!) <= tolerance * Math.max(1, Math.abs(values[0]!)) &&
      Math.abs(values[1]! - previous[1]!) <= tolerance * Math.max(1, Math.abs(values[0]!));
    previous = [values[0]!, values[1]!];
    orthonormalise(rotated, d, p);
    v = rotated;
    if (converged) break;
  }

  // Pass 3: the top two, with the core's sign convention (largest-magnitude entry positive).
  const components = new Float64Array(2 * d);
  for (let r = 0; r < 2; r++) {
    let best = 0;
    for (let j = 1; j < d; j++) if (Math.abs(v[r * d + j]!) > Math.abs(v[r * d + best]!) + 1e-12) best = j;
    const sign = v[r * d + best]! < 0 ? -1 : 1;
    for (let j = 0; j < d; j++) components[r * d + j] = sign * v[r * d + j]!;
  }
  const ratio: [number, number] = total > 0 ? [Math.max(values[0]!, 0) / total, Math.max(values[1]!, 0) / total] : [0, 0];
  return { components, mean, ratio };
}
