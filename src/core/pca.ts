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
 *     explainedVarianceRatio [count]  each as a fraction of the total variance, trace(C) (0 when it is 0)
 *     mean                [d]         the column means that were subtracted
 *   Sign convention (deterministic; an eigenvector's sign is otherwise arbitrary): each
 *   component's entry of largest magnitude is positive (the first such entry on an exact tie).
 *   Directions with zero variance (count > rank; eigenvalues ≤ 1e-10 · the largest count as zero)
 *   are completed deterministically by Gram-Schmidt on the unit vectors e_0, e_1, …; their
 *   projections are 0.
 *
 *   Two paths compute it; principalComponents picks by size (both obey everything above):
 *     principalComponentsExact(x, count)      every eigenpair by cyclic Jacobi: the readable
 *                                             reference. Taken when m ≤ 96 or count ≥ m / 4.
 *     principalComponentsIterative(x, count, { tolerance, maxSteps })
 *                                             the top count by block Krylov iteration; also says
 *                                             how many block products it took and whether it met
 *                                             the tolerance. Taken otherwise (the plot's case:
 *                                             count = 2, hundreds of tokens and dimensions).
 *
 * Legend: n rows (tokens), d width, m = min(n, d), c = count, b = c + 4 block width,
 *         s number of Krylov basis vectors, s ≤ s_max = min(d, max(4b, ∛(n·d·b / 15))): one
 *         Rayleigh–Ritz (Jacobi, ~60 s³ flops) then costs about one block product (4·n·d·b).
 *
 * Exact method: the eigenvectors of the d×d covariance C = X_cᵀX_c / (n − 1) by cyclic Jacobi
 * rotations. When n < d the n×n Gram matrix G = X_c X_cᵀ / (n − 1) has the same non-zero
 * eigenvalues and smaller size; its eigenvector u maps to the component X_cᵀu / |X_cᵀu|.
 * Jacobi is exact-to-rounding, needs no start vector, and is the same sequence of IEEE
 * operations on every platform — but each sweep is O(m³): seconds for m in the hundreds.
 *
 * Iterative method (block Lanczos with full reorthogonalisation and restarts):
 *   C is never formed: C·q = X_cᵀ(X_c q) / (n − 1) costs O(n·d), so a step with a block of b
 *   vectors costs O(n·d·b) whatever d is.
 *   The orthonormal basis Q [s, d] starts as b directions X_cᵀG in the row space of X_c (G [n, b]
 *   seeded uniform): every direction of non-zero variance has a component there, and the null
 *   space, which holds no variance, is never searched. It grows a block at a time by C times its
 *   newest block, orthogonalised against all of Q (two Gram-Schmidt passes: one loses
 *   orthogonality in rounding, two do not), so span(Q) is the block Krylov space
 *   span{Q₀, C·Q₀, C²·Q₀, …}.
 *   After each step, Rayleigh–Ritz: the eigenpairs (θ, z) of the small H = Q·(C·Q)ᵀ [s, s]
 *   (jacobiEigen, s ≤ s_max) give Ritz pairs θ, y = Qᵀz, whose residual |C·y − θ·y| comes from
 *   the stored C·Q with no extra product. Stop when the top c residuals are all ≤ tolerance · θ₁
 *   (then each θ is within residual² / gap of its eigenvalue, each y within angle residual / gap
 *   of its eigenvector). When Q grows past s_max, thick restart: keep the top ⌊s_max / 2⌋ Ritz
 *   pairs (their images are the same combinations of C·Q) and the block just added, which is
 *   orthogonal to them and spans their residuals, so no Krylov direction that matters is lost.
 *   Why a block: b > c vectors find an eigenvalue repeated up to b times whole (one Lanczos vector
 *   would see it once) and make the top c converge at a rate set by λ_{b+1}, not λ_{c+1}.
 *   Deflation: a new direction already in span(Q) to 1e-12 is dropped; when a whole block is,
 *   span(Q) is invariant under C and its Ritz pairs are exact eigenpairs. It then holds every
 *   eigenvalue the start reached — all non-zero ones, each with min(b, multiplicity) directions —
 *   so its top c are the top c of C. maxSteps (block products) caps the work; the best Ritz pairs
 *   so far are returned either way, and `converged` says which happened.
 *
 * Numerical stability: the mean, the centred rows, every product and every eigenproblem are
 * float64 (the core's float32 matmul would put a 1e-7 floor under the residuals); Jacobi rotations
 * use the t = sgn(θ) / (|θ| + √(θ² + 1)) form, which never divides by a small difference; the total
 * variance is the trace Σ X_c² / (n − 1), a sum of squares, not a sum of computed eigenvalues.
 */
import { checkMatrix } from './attention';
import { matrix } from './linalg';
import { uniform01 } from './random';
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

export interface IterativeOptions {
  /** Stop when every one of the top count Ritz residuals |C·y − θ·y| ≤ tolerance · θ₁. Default 1e-10. */
  readonly tolerance?: number;
  /** At most this many block products C·Q_j (each O(n · d · b)). Default 500. */
  readonly maxSteps?: number;
}

export interface IterativePrincipalComponents extends PrincipalComponents {
  /** Block products C·Q_j taken. */
  readonly steps: number;
  /** The tolerance was met, or span(Q) became invariant (exact); false only when maxSteps ran out. */
  readonly converged: boolean;
}

/**
 * At or below this m = min(n, d), principalComponents takes the exact path: measured for count = 2,
 * Jacobi is the faster up to m ≈ 100 on flat spectra (uniform noise, GloVe rows; ~35 ms at m = 96).
 */
export const EXACT_PCA_SIZE = 96;
/** Block width b = count + OVERSAMPLE. */
const OVERSAMPLE = 4;
/** Eigenvalues ≤ ZERO_VARIANCE · the largest carry no variance (rounding, not data). */
const ZERO_VARIANCE = 1e-10;
/** A new basis direction whose length after orthogonalisation is ≤ this × its length before is already in the span. */
const DEFLATION = 1e-12;
/** Any fixed seed: the start block must be generic and the same on every run. */
const START_SEED = 0x9e3779b9;

export function principalComponents(x: Matrix, count: number): PrincipalComponents {
  checkArguments(x, count);
  const m = Math.min(x.rows, x.cols);
  if (m <= EXACT_PCA_SIZE || 4 * count >= m) return principalComponentsExact(x, count);
  const { components, projected, explainedVariance, explainedVarianceRatio, mean } = principalComponentsIterative(x, count);
  return { components, projected, explainedVariance, explainedVarianceRatio, mean };
}

function checkArguments(x: Matrix, count: number): void {
  checkMatrix('pca: x', x);
  if (!Number.isInteger(count) || count < 1 || count > x.cols) {
    throw new ShapeError(`pca: count must be a whole number from 1 to d = ${x.cols}, got ${count}`);
  }
}

/** Pass 1 of both paths. mean [d], centred X_c [n, d] (float64), totalVariance = trace(C). */
interface Centred {
  readonly mean: Float64Array;
  readonly centred: Float64Array;
  readonly totalVariance: number;
}

function centre(x: Matrix): Centred {
  const n = x.rows, d = x.cols;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x.data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const centred = new Float64Array(n * d);
  let squares = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const value = x.data[i * d + j]! - mean[j]!;
      centred[i * d + j] = value;
      squares += value * value;
    }
  }
  return { mean, centred, totalVariance: squares / Math.max(n - 1, 1) };
}

// ── exact path ──────────────────────────────────────────────────────────────────────────────────

export function principalComponentsExact(x: Matrix, count: number): PrincipalComponents {
  // Pass 0: shapes.
  checkArguments(x, count);
  const n = x.rows, d = x.cols;

  // Pass 1: centre the columns. mean [d], X_c [n, d]
  const prepared = centre(x);
  const xc = prepared.centred;
  const denominator = Math.max(n - 1, 1);

  // Pass 2: the smaller eigenproblem. Gram [n, n] = X_c X_cᵀ / (n − 1), or covariance [d, d]
  const useGram = n < d;
  const size = useGram ? n : d;
  const symmetric = new Float64Array(size * size);
  if (useGram) {
    for (let a = 0; a < n; a++) {
      for (let b = a; b < n; b++) {
        let acc = 0;
        for (let j = 0; j < d; j++) acc += xc[a * d + j]! * xc[b * d + j]!;
        symmetric[a * n + b] = symmetric[b * n + a] = acc / denominator;
      }
    }
  } else {
    // Row by row (outer products), so X_c is read in memory order.
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < d; a++) {
        const xa = xc[i * d + a]!;
        if (xa === 0) continue;
        for (let b = a; b < d; b++) symmetric[a * d + b]! += xa * xc[i * d + b]!;
      }
    }
    for (let a = 0; a < d; a++) {
      for (let b = a; b < d; b++) symmetric[a * d + b] = symmetric[b * d + a] = symmetric[a * d + b]! / denominator;
    }
  }

  // Pass 3: eigenpairs, largest eigenvalue first. values [m], vectors [m, m] (column k = pair k)
  const { values, vectors } = jacobiEigen(symmetric, size);
  const order = [...values.keys()].sort((a, b) => values[b]! - values[a]! || a - b);

  // Pass 4: the top count eigenvectors of C [≤ count, d]; a Gram eigenvector u maps to X_cᵀu / |X_cᵀu|.
  const directions: Float64Array[] = [];
  const variances: number[] = [];
  for (const k of order.slice(0, count)) {
    const direction = new Float64Array(d);
    if (useGram) {
      for (let i = 0; i < n; i++) {
        const ui = vectors[i * size + k]!;
        for (let j = 0; j < d; j++) direction[j]! += ui * xc[i * d + j]!;
      }
      if (!normalise(direction)) continue;
    } else {
      for (let j = 0; j < d; j++) direction[j] = vectors[j * size + k]!;
    }
    directions.push(direction);
    variances.push(values[k]!);
  }

  // Passes 5–7: drop zero variance, complete, sign, project.
  return finish(x, prepared, count, directions, variances);
}

// ── iterative path ──────────────────────────────────────────────────────────────────────────────

export function principalComponentsIterative(x: Matrix, count: number, options: IterativeOptions = {}): IterativePrincipalComponents {
  // Pass 0: shapes and settings.
  checkArguments(x, count);
  const n = x.rows, d = x.cols;
  const tolerance = options.tolerance ?? 1e-10;
  const maxSteps = options.maxSteps ?? 500;
  if (!(tolerance > 0 && tolerance < 1)) throw new ShapeError(`pca: tolerance must be between 0 and 1, got ${tolerance}`);
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new ShapeError(`pca: maxSteps must be a whole number ≥ 1, got ${maxSteps}`);
  const block = Math.min(count + OVERSAMPLE, d);
  const capacity = Math.min(d, Math.max(4 * block, Math.round(Math.cbrt((n * d * block) / 15)))); // s_max
  const storage = capacity + block; // room for one block past s_max, just before a restart

  // Pass 1: centre the columns. mean [d], X_c [n, d]
  const prepared = centre(x);
  const xc = prepared.centred;

  const basis = new Float64Array(storage * d); //  Q [s, d], orthonormal rows
  const images = new Float64Array(capacity * d); // C·Q [s, d]
  const h = new Float64Array(capacity * capacity); // H = Q·(C·Q)ᵀ [s, s], row stride s_max
  // Directions C maps to less than this are rounding noise in the null space, not new variance.
  const floor = DEFLATION * prepared.totalVariance;

  // Pass 2: the start block, b seeded combinations of the rows of X_c. X_cᵀG [b, d]
  const random = uniform01(START_SEED);
  const start = new Float64Array(block * d);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < block; r++) {
      const g = 2 * random() - 1;
      for (let j = 0; j < d; j++) start[r * d + j]! += g * xc[i * d + j]!;
    }
  }
  let size = appendOrthogonalised(basis, 0, storage, d, start, block, 0);
  let newest = 0; // rows [newest, size) of Q have no image yet
  let steps = 0;
  let converged = size === 0; // X_c = 0: no variance anywhere
  let invariant = converged;
  let ritz: RitzPairs = { values: [], vectors: new Float64Array(0), size: 0 };

  while (size > 0) {
    // Pass 3: C times the newest block [newest…size), and its rows and columns of H.
    if (size > newest) {
      covarianceTimes(xc, n, d, basis, newest, size, images);
      steps++;
      for (let b = newest; b < size; b++) {
        for (let a = 0; a <= b; a++) h[a * capacity + b] = h[b * capacity + a] = dot(basis, a, images, b, d);
      }
    }

    // Pass 4: Rayleigh–Ritz on span(Q), and the residuals of the top c pairs.
    ritz = rayleighRitz(h, size, capacity);
    const scale = Math.max(ritz.values[0]!, 0);
    let worst = 0;
    for (let k = 0; k < Math.min(count, size); k++) {
      const y = combine(basis, ritz, k, d);
      const cy = combine(images, ritz, k, d);
      let squares = 0;
      for (let j = 0; j < d; j++) squares += (cy[j]! - ritz.values[k]! * y[j]!) ** 2;
      worst = Math.max(worst, Math.sqrt(squares));
    }
    if (invariant || (size >= count && worst <= tolerance * scale)) {
      converged = true;
      break;
    }
    if (steps >= maxSteps) break;

    // Pass 5: the next block = C times the newest block, orthogonalised against Q.
    const grown = appendOrthogonalised(basis, size, storage, d, images.slice(newest * d, size * d), size - newest, floor);
    if (grown === size) {
      invariant = true; // loop once more: Rayleigh–Ritz on the final span, then stop
      newest = size;
      continue;
    }

    // Pass 6: thick restart when Q is past s_max — keep the top ⌊s_max / 2⌋ Ritz pairs and the new
    // block. The new block is orthogonal to the kept vectors (they lie in the old span), and the
    // Ritz residuals lie in its span, so the restarted basis still carries the Krylov structure.
    if (grown > capacity) {
      const keep = Math.min(size, Math.max(block, Math.floor(capacity / 2)));
      const kept = new Float64Array(keep * d);
      const keptImages = new Float64Array(keep * d);
      for (let k = 0; k < keep; k++) {
        kept.set(combine(basis, ritz, k, d), k * d);
        keptImages.set(combine(images, ritz, k, d), k * d);
      }
      basis.copyWithin(keep * d, size * d, grown * d);
      basis.set(kept);
      images.set(keptImages);
      for (let b = 0; b < keep; b++) {
        for (let a = 0; a <= b; a++) h[a * capacity + b] = h[b * capacity + a] = dot(basis, a, images, b, d);
      }
      newest = keep;
      size = keep + (grown - size);
    } else {
      newest = size;
      size = grown;
    }
  }

  // Pass 7: the top c Ritz pairs [≤ count, d]; then drop zero variance, complete, sign, project.
  const directions: Float64Array[] = [];
  const variances: number[] = [];
  for (let k = 0; k < Math.min(count, ritz.size); k++) {
    const y = combine(basis, ritz, k, d);
    if (!normalise(y)) continue;
    directions.push(y);
    variances.push(ritz.values[k]!);
  }
  return { ...finish(x, prepared, count, directions, variances), steps, converged };
}

/** Ritz values, largest first, and the coefficients z: Ritz vector k = Σ_r vectors[k·s + r] · row r. */
interface RitzPairs {
  readonly values: number[];
  /** [s, s], row k = z_k */
  readonly vectors: Float64Array;
  readonly size: number;
}

/** Eigenpairs of H [s, s] (row stride `stride`), sorted largest first. */
function rayleighRitz(h: Float64Array, size: number, stride: number): RitzPairs {
  const small = new Float64Array(size * size);
  for (let a = 0; a < size; a++) for (let b = 0; b < size; b++) small[a * size + b] = h[a * stride + b]!;
  const eig = jacobiEigen(small, size);
  const order = [...eig.values.keys()].sort((a, b) => eig.values[b]! - eig.values[a]! || a - b);
  const vectors = new Float64Array(size * size);
  order.forEach((k, rank) => {
    for (let r = 0; r < size; r++) vectors[rank * size + r] = eig.vectors[r * size + k]!;
  });
  return { values: order.map((k) => eig.values[k]!), vectors, size };
}

/** Σ_r z_k[r] · rows[r]: Ritz vector k from Q, or its image C·y from C·Q. [s, d] → [d] */
function combine(rows: Float64Array, ritz: RitzPairs, k: number, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let r = 0; r < ritz.size; r++) {
    const z = ritz.vectors[k * ritz.size + r]!;
    if (z === 0) continue;
    for (let j = 0; j < d; j++) out[j]! += z * rows[r * d + j]!;
  }
  return out;
}

/** Row a of p · row b of q, both [·, d]. */
function dot(p: Float64Array, a: number, q: Float64Array, b: number, d: number): number {
  let acc = 0;
  for (let j = 0; j < d; j++) acc += p[a * d + j]! * q[b * d + j]!;
  return acc;
}

/**
 * images[r] = C · basis[r] = X_cᵀ(X_c · basis[r]) / (n − 1) for rows r in [from, to).
 * Shapes: X_c [n, d], basis rows [k, d] → X_c · basisᵀ [n, k] one row of X_c at a time → images [k, d].
 * One pass over X_c per block, and C [d, d] is never formed. Basis rows go two at a time so each
 * entry of X_c is loaded once for both (the step's cost is these loads: ~1.6× faster than one at a time).
 */
function covarianceTimes(xc: Float64Array, n: number, d: number, basis: Float64Array, from: number, to: number, images: Float64Array): void {
  images.fill(0, from * d, to * d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    let r = from;
    for (; r + 1 < to; r += 2) {
      const q0 = r * d, q1 = q0 + d;
      let t0 = 0, t1 = 0; // (X_c · basisᵀ)[i, r], [i, r + 1]
      for (let j = 0; j < d; j++) {
        const v = xc[row + j]!;
        t0 += v * basis[q0 + j]!;
        t1 += v * basis[q1 + j]!;
      }
      for (let j = 0; j < d; j++) {
        const v = xc[row + j]!;
        images[q0 + j]! += t0 * v;
        images[q1 + j]! += t1 * v;
      }
    }
    if (r < to) {
      const q0 = r * d;
      let t0 = 0;
      for (let j = 0; j < d; j++) t0 += xc[row + j]! * basis[q0 + j]!;
      for (let j = 0; j < d; j++) images[q0 + j]! += t0 * xc[row + j]!;
    }
  }
  const denominator = Math.max(n - 1, 1);
  for (let i = from * d; i < to * d; i++) images[i]! /= denominator;
}

/**
 * Appends the `count` candidate rows [count, d] to the orthonormal rows [0, size) of `basis`, each
 * orthogonalised (two modified Gram-Schmidt passes) against every row before it and normalised.
 * A candidate left with length ≤ max(DEFLATION · its length before, floor) is already in the span
 * and dropped, as is anything past `capacity` rows. Returns the new number of rows.
 */
function appendOrthogonalised(basis: Float64Array, size: number, capacity: number, d: number, candidates: Float64Array, count: number, floor: number): number {
  for (let c = 0; c < count && size < capacity; c++) {
    const w = candidates.subarray(c * d, (c + 1) * d);
    let before = 0;
    for (let j = 0; j < d; j++) before += w[j]! * w[j]!;
    before = Math.sqrt(before);
    for (let pass = 0; pass < 2; pass++) {
      for (let r = 0; r < size; r++) {
        let projection = 0;
        for (let j = 0; j < d; j++) projection += w[j]! * basis[r * d + j]!;
        for (let j = 0; j < d; j++) w[j]! -= projection * basis[r * d + j]!;
      }
    }
    let after = 0;
    for (let j = 0; j < d; j++) after += w[j]! * w[j]!;
    after = Math.sqrt(after);
    if (!(after > Math.max(DEFLATION * before, floor))) continue;
    for (let j = 0; j < d; j++) basis[size * d + j] = w[j]! / after;
    size++;
  }
  return size;
}

// ── shared last passes ──────────────────────────────────────────────────────────────────────────

/**
 * Passes 5–7 of either path. `directions` [k ≤ count, d] are unit eigenvectors (or converged Ritz
 * vectors) of C, largest eigenvalue first, `variances` [k] their eigenvalues.
 */
function finish(x: Matrix, prepared: Centred, count: number, directions: readonly Float64Array[], variances: readonly number[]): PrincipalComponents {
  const n = x.rows, d = x.cols;
  const { mean, centred, totalVariance } = prepared;

  // Pass 5: components [count, d] — the directions with variance, then e_0, e_1, … orthogonalised
  // against what is there (zero-variance directions: any orthonormal completion is right, this
  // one is deterministic).
  const components = new Float64Array(count * d);
  const explainedVariance: number[] = [];
  const zeroBelow = Math.max(variances[0] ?? 0, 0) * ZERO_VARIANCE;
  let found = 0;
  directions.forEach((direction, k) => {
    if (found < count && variances[k]! > zeroBelow) {
      components.set(direction, found * d);
      explainedVariance.push(variances[k]!);
      found++;
    }
  });
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

  // Pass 6: sign convention — largest-magnitude entry positive.
  for (let r = 0; r < count; r++) {
    let best = 0;
    for (let j = 1; j < d; j++) if (Math.abs(components[r * d + j]!) > Math.abs(components[r * d + best]!)) best = j;
    if (components[r * d + best]! < 0) for (let j = 0; j < d; j++) components[r * d + j] = -components[r * d + j]!;
  }

  // Pass 7: projected = X_c · componentsᵀ. [n, d] · [count, d]ᵀ → [n, count]
  const projected = new Float32Array(n * count);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < count; r++) {
      let acc = 0;
      for (let j = 0; j < d; j++) acc += centred[i * d + j]! * components[r * d + j]!;
      projected[i * count + r] = acc;
    }
  }
  return {
    components: matrix(count, d, Float32Array.from(components)),
    projected: matrix(n, count, projected),
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
