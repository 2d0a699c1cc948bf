/**
 * Principal components of a set of embedding rows, for the 2-D/3-D embedding plot.
 *
 * Contract:
 *   principalComponents(x [n, d], count) →
 *     components          [count, d]  unit directions of largest variance, orthonormal, largest first
 *     projected           [n, count]  (x − mean) · componentsᵀ
 *     explainedVariance   [count]     variance along each component (eigenvalues of the covariance
 *                                     with the n − 1 denominator, as numpy.cov and scikit-learn use;
 *                                     0 when n = 1)
 *     explainedVarianceRatio [count]  each as a fraction of the total variance (0 when it is 0)
 *   Sign convention (deterministic; an eigenvector's sign is otherwise arbitrary): each
 *   component's entry of largest magnitude is positive (the first such entry on an exact tie).
 *   Directions with zero variance (count > rank) are completed deterministically by Gram-Schmidt
 *   on the unit vectors e_0, e_1, …; their projections are 0.
 *
 * Legend: n rows (tokens), d width, m = min(n, d) size of the eigenproblem, c = count.
 *
 * Method: the eigenvectors of the d×d covariance C = X_cᵀX_c / (n − 1) by cyclic Jacobi
 * rotations. When n < d the n×n Gram matrix G = X_c X_cᵀ / (n − 1) has the same non-zero
 * eigenvalues and smaller size; its eigenvector u maps to the component X_cᵀu / |X_cᵀu|.
 * Jacobi is exact-to-rounding, needs no start vector, and is the same sequence of IEEE
 * operations on every platform.
 *
 * Numerical stability: the mean is taken in float64; Jacobi runs in float64; rotations use the
 * t = sgn(θ) / (|θ| + √(θ² + 1)) form, which never divides by a small difference.
 */
import { matmul, matmulTransposeB, matrix } from './linalg';
import { checkMatrix } from './attention';
import { ShapeError, type Matrix } from './types';

export interface PrincipalComponents {
  /** [count, d] */
  readonly components: Matrix;
  /** [n, count] */
  readonly projected: Matrix;
  /** [count] */
  readonly explainedVariance: number[];
  /** [count] */
  readonly explainedVarianceRatio: number[];
  /** [d] the column means that were subtracted. */
  readonly mean: Float64Array;
}

/** Aᵀ. Shape: [r, c] → [c, r]. */
function transpose(a: Matrix): Matrix {
  const out = new Float32Array(a.rows * a.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < a.cols; j++) out[j * a.rows + i] = a.data[i * a.cols + j]!;
  }
  return matrix(a.cols, a.rows, out);
}

export function principalComponents(x: Matrix, count: number): PrincipalComponents {
  // Pass 0: shapes.
  checkMatrix('pca: x', x);
  const n = x.rows, d = x.cols;
  if (!Number.isInteger(count) || count < 1 || count > d) {
    throw new ShapeError(`pca: count must be a whole number from 1 to d = ${d}, got ${count}`);
  }

  // Pass 1: centre the columns. mean [d], X_c [n, d]
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x.data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const centred = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) centred[i * d + j] = x.data[i * d + j]! - mean[j]!;
  const xc = matrix(n, d, centred);
  const denominator = Math.max(n - 1, 1);

  // Pass 2: the smaller eigenproblem. covariance [d, d] or Gram [n, n]
  const useGram = n < d;
  const product = useGram ? matmulTransposeB(xc, xc) : matmul(transpose(xc), xc);
  const size = product.rows;
  const symmetric = new Float64Array(size * size);
  for (let i = 0; i < size * size; i++) symmetric[i] = product.data[i]! / denominator;

  // Pass 3: eigenpairs, largest eigenvalue first. values [m], vectors [m, m] (column k = pair k)
  const { values, vectors } = jacobiEigen(symmetric, size);
  const order = [...values.keys()].sort((a, b) => values[b]! - values[a]! || a - b);
  const totalVariance = values.reduce((sum, v) => sum + Math.max(v, 0), 0);
  const largest = Math.max(values[order[0]!]!, 0);
  const zeroBelow = largest * 1e-10;

  // Pass 4: components [count, d].
  const components = new Float64Array(count * d);
  const explainedVariance: number[] = [];
  let found = 0;
  if (useGram) {
    // Component = X_cᵀu / |X_cᵀu| for each eigenvector u of G with non-zero eigenvalue.
    const taken = order.slice(0, count).filter((k) => values[k]! > zeroBelow);
    if (taken.length > 0) {
      const u = new Float32Array(taken.length * n); // [t, n]
      taken.forEach((k, r) => {
        for (let i = 0; i < n; i++) u[r * n + i] = vectors[i * size + k]!;
      });
      const mapped = matmul(matrix(taken.length, n, u), xc); // [t, n] · [n, d] → [t, d]
      for (let r = 0; r < taken.length; r++) {
        const row = Float64Array.from(mapped.data.subarray(r * d, (r + 1) * d));
        if (normalise(row)) {
          components.set(row, found * d);
          explainedVariance.push(values[taken[r]!]!);
          found++;
        }
      }
    }
  } else {
    for (const k of order.slice(0, count)) {
      for (let j = 0; j < d; j++) components[found * d + j] = vectors[j * size + k]!;
      explainedVariance.push(Math.max(values[k]!, 0));
      found++;
    }
  }
  // Complete with e_0, e_1, … orthogonalised against what is there (zero-variance directions).
  for (let basis = 0; found < count && basis < d; basis++) {
    const row = new Float64Array(d);
    row[basis] = 1;
    for (let r = 0; r < found; r++) {
      let projection = 0;
      for (let j = 0; j < d; j++) projection += row[j]! * components[r * d + j]!;
      for (let j = 0; j < d; j++) row[j]! -= projection * components[r * d + j]!;
    }
    if (normalise(row, 1e-6)) {
      components.set(row, found * d);
      explainedVariance.push(0);
      found++;
    }
  }

  // Pass 5: sign convention — largest-magnitude entry positive.
  for (let r = 0; r < count; r++) {
    let best = 0;
    for (let j = 1; j < d; j++) if (Math.abs(components[r * d + j]!) > Math.abs(components[r * d + best]!)) best = j;
    if (components[r * d + best]! < 0) for (let j = 0; j < d; j++) components[r * d + j] = -components[r * d + j]!;
  }

  // Pass 6: projected = X_c · componentsᵀ. [n, d] · [count, d]ᵀ → [n, count]
  const componentMatrix = matrix(count, d, Float32Array.from(components));
  const projected = matmulTransposeB(xc, componentMatrix);
  return {
    components: componentMatrix,
    projected,
    explainedVariance,
    explainedVarianceRatio: explainedVariance.map((v) => (totalVariance > 0 ? v / totalVariance : 0)),
    mean,
  };
}

/** Scales v to unit length; false when its length is below `minimum` (no direction). */
function normalise(v: Float64Array, minimum = 0): boolean {
  let squares = 0;
  for (let i = 0; i < v.length; i++) squares += v[i]! * v[i]!;
  const length = Math.sqrt(squares);
  if (!(length > minimum)) return false;
  for (let i = 0; i < v.length; i++) v[i]! /= length;
  return true;
}

/**
 * Eigenvalues and eigenvectors of a symmetric m×m matrix (row-major, float64) by cyclic Jacobi.
 * Shapes: a [m, m] → values [m], vectors [m, m] with eigenvector k in column k.
 * Each rotation zeroes a_pq: A ← Jᵀ A J, V ← V J, until the off-diagonal mass is negligible.
 */
export function jacobiEigen(input: Float64Array, m: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(input);
  const v = new Float64Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = 1;
  let total = 0;
  for (let i = 0; i < m * m; i++) total += a[i]! * a[i]!;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += a[p * m + q]! * a[p * m + q]!;
    if (off === 0 || off <= 1e-30 * total) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = a[p * m + q]!;
        if (apq === 0) continue;
        const theta = (a[q * m + q]! - a[p * m + p]!) / (2 * apq);
        const t = Math.abs(theta) > 1e150 ? 1 / (2 * theta) : Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← A J (columns p, q)
        for (let k = 0; k < m; k++) {
          const akp = a[k * m + p]!, akq = a[k * m + q]!;
          a[k * m + p] = c * akp - s * akq;
          a[k * m + q] = s * akp + c * akq;
        }
        // A ← Jᵀ A (rows p, q)
        for (let k = 0; k < m; k++) {
          const apk = a[p * m + k]!, aqk = a[q * m + k]!;
          a[p * m + k] = c * apk - s * aqk;
          a[q * m + k] = s * apk + c * aqk;
        }
        a[p * m + q] = 0;
        a[q * m + p] = 0;
        // V ← V J
        for (let k = 0; k < m; k++) {
          const vkp = v[k * m + p]!, vkq = v[k * m + q]!;
          v[k * m + p] = c * vkp - s * vkq;
          v[k * m + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(m);
  for (let i = 0; i < m; i++) values[i] = a[i * m + i]!;
  return { values, vectors: v };
}
