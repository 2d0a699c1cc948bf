/**
 * Principal components against numpy.linalg.eigh (fixtures), the conventions pca.ts states, and
 * the iterative (block Krylov) path against the exact (Jacobi) one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EXACT_PCA_SIZE,
  jacobiEigen,
  matrix,
  principalComponents,
  principalComponentsExact,
  principalComponentsIterative,
  ShapeError,
  uniform01,
  type Matrix,
  type PrincipalComponents,
} from '../../../src/core';
import { assertClose, assertMatrixClose, at, fixtureJson, mat, row } from './helpers';

interface PcaCase {
  name: string;
  x: number[][];
  count: number;
  components: number[][];
  projected: number[][];
  explained_variance: number[];
  explained_variance_ratio: number[];
}

const PATHS: readonly [string, (x: Matrix, count: number) => PrincipalComponents][] = [
  ['principalComponents', principalComponents],
  ['exact', principalComponentsExact],
  ['iterative', (x, count) => principalComponentsIterative(x, count)],
];

for (const c of fixtureJson<{ cases: PcaCase[] }>('pca.json').cases) {
  for (const [path, pca] of PATHS) {
    test(`PCA ${c.name} (n = ${c.x.length}, d = ${c.x[0]!.length}, ${c.count} components), ${path}: matches numpy within 1e-5`, () => {
      const result = pca(mat(c.x), c.count);
      assertMatrixClose(result.components, c.components, 1e-5, 'components');
      assertMatrixClose(result.projected, c.projected, 1e-5, 'projected');
      result.explainedVariance.forEach((v, i) => assertClose(v, c.explained_variance[i]!, 1e-5 * Math.max(1, c.explained_variance[i]!), `variance ${i}`));
      result.explainedVarianceRatio.forEach((v, i) => assertClose(v, c.explained_variance_ratio[i]!, 1e-6, `ratio ${i}`));
    });
  }
}

test('the numpy fixtures include a case where the iterative path has to restart (Krylov basis past s_max)', () => {
  const c = fixtureJson<{ cases: PcaCase[] }>('pca.json').cases.find((k) => k.name === 'n80_d60_iterative');
  assert.ok(c, 'the n80_d60_iterative case');
  const tight = principalComponentsIterative(mat(c.x), c.count);
  // b = 7 and s_max = max(4b, ∛(n·d·b / 15)) = 28 here: four block steps fill the basis, a fifth comes after a restart.
  assert.ok(tight.converged && tight.steps > 4, `${tight.steps} steps`);
});

test('components are orthonormal and signed with their largest entry positive', () => {
  const x = matrix(20, 6, Float32Array.from({ length: 120 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 6))));
  const { components } = principalComponents(x, 4);
  for (let a = 0; a < 4; a++) {
    for (let b = 0; b < 4; b++) {
      let d = 0;
      for (let j = 0; j < 6; j++) d += at(components, a, j) * at(components, b, j);
      assertClose(d, a === b ? 1 : 0, 1e-6, `c${a}·c${b}`);
    }
    const r = row(components, a);
    const largest = r.reduce((best, v) => (Math.abs(v) > Math.abs(best) ? v : best), 0);
    assert.ok(largest > 0, `component ${a} largest entry ${largest} is positive`);
  }
});

test('rank-deficient input: a single row, or identical rows, gives zero variance and no NaN', () => {
  for (const x of [mat([[1, 2, 3]]), mat([[1, 2, 3], [1, 2, 3]]), mat([[0, 0], [2, 2], [4, 4]])]) {
    const r = principalComponents(x, x.cols);
    for (const v of [...r.components.data, ...r.projected.data, ...r.explainedVariance, ...r.explainedVarianceRatio]) assert.ok(Number.isFinite(v));
  }
  const line = principalComponents(mat([[0, 0], [2, 2], [4, 4]]), 2);
  assertMatrixClose(line.components, [[Math.SQRT1_2, Math.SQRT1_2]].concat([row(line.components, 1)]), 1e-6, 'along the line');
  assertClose(Math.abs(at(line.components, 1, 0)), Math.SQRT1_2, 1e-6, 'across the line'); // (1, −1)/√2 up to a tie-broken sign
  assertClose(at(line.components, 1, 0) + at(line.components, 1, 1), 0, 1e-6, 'orthogonal');
  assertClose(line.explainedVariance[0]!, 8, 1e-5, 'variance along the line'); // points ±2√2 and 0 → (8 + 0 + 8) / 2
  assertClose(line.explainedVariance[1]!, 0, 1e-9, 'variance across');
  const single = principalComponents(mat([[1, 2, 3]]), 2);
  assert.deepEqual(Array.from(single.projected.data), [0, 0]);
  assert.deepEqual(single.explainedVarianceRatio, [0, 0]);
});

test('jacobiEigen diagonalises a symmetric matrix: A v = λ v', () => {
  const a = Float64Array.from([4, 1, 2, 1, 3, 0, 2, 0, 5]);
  const { values, vectors } = jacobiEigen(a, 3);
  for (let k = 0; k < 3; k++) {
    for (let i = 0; i < 3; i++) {
      let av = 0;
      for (let j = 0; j < 3; j++) av += a[i * 3 + j]! * vectors[j * 3 + k]!;
      assertClose(av, values[k]! * vectors[i * 3 + k]!, 1e-12, `(A v)[${i}] for λ${k}`);
    }
  }
  assertClose(values.reduce((s, v) => s + v, 0), 12, 1e-12, 'trace');
});

test('count outside 1…d and empty input are refused', () => {
  assert.throws(() => principalComponents(mat([[1, 2]]), 3), (e: unknown) => e instanceof ShapeError && /count must be a whole number from 1 to d = 2/.test(e.message));
  assert.throws(() => principalComponents(mat([[1, 2]]), 0), ShapeError);
  assert.throws(() => principalComponents(matrix(0, 2), 1), /empty input/);
});

// ── iterative path against the exact one ────────────────────────────────────────────────────────

/** n × d uniform(−1, 1) values plus a per-column offset (so centring matters), float32. */
function randomMatrix(n: number, d: number, seed: number): Matrix {
  const random = uniform01(seed);
  const offsets = Array.from({ length: d }, () => 4 * random() - 2);
  return matrix(n, d, Float32Array.from({ length: n * d }, (_, i) => 2 * random() - 1 + offsets[i % d]!));
}

/** k orthonormal rows of length `length` (float64), each also orthogonal to the rows of `against`. */
function orthonormalRows(k: number, length: number, seed: number, against: readonly Float64Array[] = []): Float64Array[] {
  const random = uniform01(seed);
  const rows: Float64Array[] = [];
  while (rows.length < k) {
    const v = Float64Array.from({ length }, () => 2 * random() - 1);
    for (let pass = 0; pass < 2; pass++) {
      for (const u of [...against, ...rows]) {
        let p = 0;
        for (let j = 0; j < length; j++) p += v[j]! * u[j]!;
        for (let j = 0; j < length; j++) v[j]! -= p * u[j]!;
      }
    }
    const norm = Math.hypot(...v);
    rows.push(v.map((value) => value / norm));
  }
  return rows;
}

/**
 * X = Σ_k σ_k u_k v_kᵀ + a constant row, with orthonormal u_k ⟂ (1, …, 1) and orthonormal v_k:
 * the covariance is Σ_k σ_k² / (n − 1) · v_k v_kᵀ, eigenvalues and eigenvectors known by
 * construction (up to the float32 rounding of X).
 */
function withSpectrum(n: number, d: number, sigmas: readonly number[], seed: number): { x: Matrix; v: Float64Array[]; variances: number[] } {
  const ones = Float64Array.from({ length: n }, () => 1 / Math.sqrt(n));
  const u = orthonormalRows(sigmas.length, n, seed, [ones]);
  const v = orthonormalRows(sigmas.length, d, seed + 1);
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      let value = 0.5 + j / d; // the constant row the centring must remove
      sigmas.forEach((s, k) => (value += s * u[k]![i]! * v[k]![j]!));
      data[i * d + j] = value;
    }
  }
  return { x: matrix(n, d, data), v, variances: sigmas.map((s) => (s * s) / (n - 1)) };
}

/** max over rows c of `a` of 1 − |projection of c onto span(rows of b)|²: 0 when span(a) ⊆ span(b). */
function outsideSpan(a: Matrix, b: readonly Float64Array[]): number {
  let worst = 0;
  for (let r = 0; r < a.rows; r++) {
    let inside = 0;
    for (const u of b) {
      let p = 0;
      for (let j = 0; j < a.cols; j++) p += at(a, r, j) * u[j]!;
      inside += p * p;
    }
    worst = Math.max(worst, Math.abs(1 - inside));
  }
  return worst;
}

/** Every row of `a` lies in span(rows of b), to 1e-6 (the components are float32). */
function assertInSpan(a: Matrix, b: readonly Float64Array[], label: string): void {
  const outside = outsideSpan(a, b);
  assert.ok(outside < 1e-6, `${label}: 1 − |projection|² = ${outside}`);
}

function rowsOf(m: Matrix): Float64Array[] {
  return Array.from({ length: m.rows }, (_, r) => Float64Array.from(row(m, r)));
}

function assertOrthonormalAndSigned(m: Matrix, tol: number, label: string): void {
  for (let a = 0; a < m.rows; a++) {
    for (let b = 0; b < m.rows; b++) {
      let dot = 0;
      for (let j = 0; j < m.cols; j++) dot += at(m, a, j) * at(m, b, j);
      assertClose(dot, a === b ? 1 : 0, tol, `${label}: c${a}·c${b}`);
    }
    const largest = row(m, a).reduce((best, v) => (Math.abs(v) > Math.abs(best) ? v : best), 0);
    assert.ok(largest > 0, `${label}: component ${a}'s largest entry ${largest} is positive`);
  }
}

/** Same variances (relative `varianceTol`), ratios, components and projections entry by entry. */
function assertSameComponents(fast: PrincipalComponents, exact: PrincipalComponents, varianceTol: number, vectorTol: number, label: string): void {
  fast.explainedVariance.forEach((v, k) => {
    const want = exact.explainedVariance[k]!;
    assertClose(v, want, varianceTol * Math.max(exact.explainedVariance[0]!, 1e-300), `${label}: variance ${k}`);
    assertClose(fast.explainedVarianceRatio[k]!, exact.explainedVarianceRatio[k]!, varianceTol, `${label}: ratio ${k}`);
  });
  const scale = Math.max(1, ...Array.from(exact.projected.data, Math.abs));
  for (let i = 0; i < exact.components.data.length; i++) {
    assertClose(fast.components.data[i]!, exact.components.data[i]!, vectorTol, `${label}: components[${Math.floor(i / exact.components.cols)}, ${i % exact.components.cols}]`);
  }
  for (let i = 0; i < exact.projected.data.length; i++) {
    assertClose(fast.projected.data[i]!, exact.projected.data[i]!, vectorTol * scale, `${label}: projected[${Math.floor(i / exact.projected.cols)}, ${i % exact.projected.cols}]`);
  }
  assert.deepEqual(Array.from(fast.mean), Array.from(exact.mean), `${label}: mean`);
}

test('iterative and exact agree on random matrices, 512 × 300 included (the plot’s size that motivated the iterative path)', () => {
  for (const [n, d, count, seed] of [
    [512, 300, 2, 1],
    [120, 70, 3, 2],
    [60, 200, 2, 3], // n < d: the exact path solves the Gram matrix, the iterative one never does
    [300, 50, 5, 4],
    [200, 64, 1, 5],
  ] as const) {
    const x = randomMatrix(n, d, seed);
    const fast = principalComponentsIterative(x, count);
    assert.ok(fast.converged, `${n}×${d}: converged in ${fast.steps} steps`);
    const exact = principalComponentsExact(x, count);
    // Uniform noise has close top eigenvalues (Marchenko–Pastur edge): gaps of ~1% of λ₁, so
    // residual 1e-10 · λ₁ leaves the vectors within ~1e-8; the float32 output rounds at ~6e-8.
    assertSameComponents(fast, exact, 1e-9, 1e-6, `${n}×${d}, ${count}`);
    assertOrthonormalAndSigned(fast.components, 1e-6, `${n}×${d}`);
  }
});

test('principalComponents takes the iterative path above EXACT_PCA_SIZE and the exact one at or below it', () => {
  const large = randomMatrix(EXACT_PCA_SIZE + 20, EXACT_PCA_SIZE + 10, 6);
  const { steps: _steps, converged: _converged, ...iterative } = principalComponentsIterative(large, 2);
  assert.deepEqual(principalComponents(large, 2), iterative);
  const small = randomMatrix(EXACT_PCA_SIZE + 20, EXACT_PCA_SIZE, 7);
  assert.deepEqual(principalComponents(small, 2), principalComponentsExact(small, 2));
  // A quarter of m components or more: the whole eigenproblem is no dearer, so exact.
  const many = Math.ceil(Math.min(large.rows, large.cols) / 4);
  assert.deepEqual(principalComponents(large, many), principalComponentsExact(large, many));
});

test('a repeated top eigenvalue: both paths find its plane (vectors inside it are arbitrary) and its variance', () => {
  const n = 150, d = 90;
  const sigmas = [12, 12, 7, 5, 4, 3, 2.5, 2, 1.5, 1, 0.8, 0.6, 0.4, 0.2];
  const { x, v, variances } = withSpectrum(n, d, sigmas, 11);
  const fast = principalComponentsIterative(x, 2);
  const exact = principalComponentsExact(x, 2);
  assert.ok(fast.converged, `converged in ${fast.steps} steps`);
  for (const [label, r] of [['iterative', fast], ['exact', exact]] as const) {
    r.explainedVariance.forEach((value, k) => assertClose(value, variances[k]!, 1e-5 * variances[0]!, `${label}: variance ${k}`));
    assertInSpan(r.components, v.slice(0, 2), `${label}: components lie in the top plane`);
  }
  assertInSpan(fast.components, rowsOf(exact.components), 'same plane');
  fast.explainedVariance.forEach((value, k) => assertClose(value, exact.explainedVariance[k]!, 1e-9 * variances[0]!, `variance ${k}`));
  // The projected variance along the plane is the same whichever basis of it each path chose.
  const spread = (r: PrincipalComponents): number => r.projected.data.reduce((s, p) => s + p * p, 0);
  assertClose(spread(fast), spread(exact), 1e-8 * spread(exact), 'projected variance in the plane');
});

test('an eigenvalue repeated 8 times — more than the block of count + 4 — still gives the top variance and vectors inside its eigenspace', () => {
  const n = 160, d = 100;
  const sigmas = [...Array<number>(8).fill(9), 5, 4, 3, 2, 1.5, 1, 0.5];
  const { x, v, variances } = withSpectrum(n, d, sigmas, 21);
  for (const count of [1, 2, 3]) {
    const fast = principalComponentsIterative(x, count);
    assert.ok(fast.converged, `count ${count}: converged in ${fast.steps} steps`);
    fast.explainedVariance.forEach((value, k) => assertClose(value, variances[0]!, 1e-5 * variances[0]!, `count ${count}: variance ${k}`));
    assertInSpan(fast.components, v.slice(0, 8), `count ${count}: components lie in the 8-dimensional eigenspace`);
    assertOrthonormalAndSigned(fast.components, 1e-6, `count ${count}`);
  }
});

test('near-equal eigenvalues (relative gap 1e-9) on either side of the last wanted one: the pair’s plane and variances agree', () => {
  const n = 140, d = 80;
  const base = 6;
  const sigmas = [10, base, base * (1 + 5e-10), 3, 2, 1.5, 1, 0.5];
  const { x, v } = withSpectrum(n, d, sigmas, 31);
  const fast = principalComponentsIterative(x, 3);
  const exact = principalComponentsExact(x, 3);
  assert.ok(fast.converged, `converged in ${fast.steps} steps`);
  fast.explainedVariance.forEach((value, k) => assertClose(value, exact.explainedVariance[k]!, 1e-9 * exact.explainedVariance[0]!, `variance ${k}`));
  // The first component is well separated: same vector. Components 2 and 3 span the near-equal pair's plane.
  assertInSpan(matrix(1, d, fast.components.data.slice(0, d)), [v[0]!], 'first component');
  assertInSpan(matrix(2, d, fast.components.data.slice(d)), v.slice(1, 3), 'the near-equal pair');
  assertInSpan(matrix(2, d, exact.components.data.slice(d)), v.slice(1, 3), 'the near-equal pair (exact)');
  // Asking for 2 splits the pair: the second component is some unit vector of that plane.
  const two = principalComponentsIterative(x, 2);
  assertInSpan(matrix(1, d, two.components.data.slice(d)), v.slice(1, 3), 'count 2 splits the pair');
  assertClose(two.explainedVariance[1]!, exact.explainedVariance[1]!, 1e-9 * exact.explainedVariance[0]!, 'count 2: variance');
});

test('rank-deficient input: rank 3 of 100 × 60, five components — the two beyond the rank have zero variance and match the exact path’s completion', () => {
  const { x, v, variances } = withSpectrum(100, 60, [8, 5, 3], 41);
  const fast = principalComponentsIterative(x, 5);
  const exact = principalComponentsExact(x, 5);
  assert.ok(fast.converged);
  assert.ok(fast.steps <= 3, `an invariant subspace ends the iteration at once (${fast.steps} steps)`);
  variances.forEach((want, k) => assertClose(fast.explainedVariance[k]!, want, 1e-5 * variances[0]!, `variance ${k}`));
  assert.deepEqual(fast.explainedVariance.slice(3), [0, 0]);
  assertInSpan(matrix(3, 60, fast.components.data.slice(0, 180)), v, 'the rank-3 subspace');
  assertSameComponents(fast, exact, 1e-9, 1e-6, 'rank 3');
  for (let i = 0; i < 100; i++) for (const k of [3, 4]) assertClose(at(fast.projected, i, k), 0, 1e-5, `projected[${i}, ${k}]`);
});

test('n = 1: no variance, components e_0, e_1, projections 0 — on both paths', () => {
  const x = randomMatrix(1, 200, 51);
  for (const r of [principalComponentsIterative(x, 2), principalComponentsExact(x, 2), principalComponents(x, 2)]) {
    assert.deepEqual(r.explainedVariance, [0, 0]);
    assert.deepEqual(r.explainedVarianceRatio, [0, 0]);
    assert.deepEqual(Array.from(r.projected.data), [0, 0]);
    assert.deepEqual(row(r.components, 0).slice(0, 3), [1, 0, 0]);
    assert.deepEqual(row(r.components, 1).slice(0, 3), [0, 1, 0]);
  }
});

test('n = 2: one direction, x₁ − x₀ normalised, with variance |x₁ − x₀|² / 2 (n − 1 = 1) — on both paths', () => {
  const d = 150;
  const x = randomMatrix(2, d, 61);
  const diff = Array.from({ length: d }, (_, j) => at(x, 1, j) - at(x, 0, j));
  const length = Math.hypot(...diff);
  const sign = Math.sign(diff.reduce((best, v) => (Math.abs(v) > Math.abs(best) ? v : best), 0));
  for (const [label, r] of [['iterative', principalComponentsIterative(x, 3)], ['exact', principalComponentsExact(x, 3)]] as const) {
    assertClose(r.explainedVariance[0]!, (length * length) / 2, 1e-9 * length * length, `${label}: variance`);
    assert.deepEqual(r.explainedVariance.slice(1), [0, 0], `${label}: nothing else varies`);
    assertClose(r.explainedVarianceRatio[0]!, 1, 1e-12, `${label}: ratio`);
    for (let j = 0; j < d; j++) assertClose(at(r.components, 0, j), (sign * diff[j]!) / length, 1e-6, `${label}: component[${j}]`);
    assertClose(at(r.projected, 0, 0), -sign * length / 2, 1e-5, `${label}: row 0`);
    assertClose(at(r.projected, 1, 0), sign * length / 2, 1e-5, `${label}: row 1`);
    assertOrthonormalAndSigned(r.components, 1e-6, label);
  }
});

test('constant columns carry no variance: zero weight in every component, and the paths agree', () => {
  const n = 90, d = 70;
  const base = randomMatrix(n, d, 71);
  const constant = new Set([0, 5, 6, 33, 69]);
  const data = Float32Array.from(base.data, (value, i) => (constant.has(i % d) ? 3.25 : value));
  const x = matrix(n, d, data);
  const fast = principalComponentsIterative(x, 4);
  const exact = principalComponentsExact(x, 4);
  assert.ok(fast.converged);
  for (const j of constant) {
    for (let r = 0; r < 4; r++) assertClose(at(fast.components, r, j), 0, 1e-9, `component ${r}, constant column ${j}`);
  }
  assertSameComponents(fast, exact, 1e-9, 1e-6, 'constant columns');
  // All columns constant: nothing varies anywhere.
  const flat = principalComponentsIterative(matrix(n, d, new Float32Array(n * d).fill(-2)), 2);
  assert.deepEqual(flat.explainedVariance, [0, 0]);
  assert.ok(flat.converged);
  assert.equal(flat.steps, 0);
});

test('the step cap is honoured: the best Ritz pairs so far come back, orthonormal, marked not converged', () => {
  const x = randomMatrix(200, 120, 81);
  const capped = principalComponentsIterative(x, 2, { maxSteps: 2 });
  assert.equal(capped.steps, 2);
  assert.equal(capped.converged, false);
  assertOrthonormalAndSigned(capped.components, 1e-6, 'capped');
  // Ritz values never exceed the eigenvalues they approximate (Cauchy interlacing).
  const exact = principalComponentsExact(x, 2);
  capped.explainedVariance.forEach((v, k) => assert.ok(v <= exact.explainedVariance[k]! * (1 + 1e-12), `Ritz value ${k} ≤ λ${k}`));
  // A looser tolerance stops earlier than the default one.
  const loose = principalComponentsIterative(x, 2, { tolerance: 1e-4 });
  const tight = principalComponentsIterative(x, 2);
  assert.ok(loose.converged && tight.converged && loose.steps < tight.steps, `${loose.steps} < ${tight.steps}`);
});

test('iterative options outside their range are refused', () => {
  const x = randomMatrix(10, 5, 91);
  assert.throws(() => principalComponentsIterative(x, 2, { tolerance: 0 }), (e: unknown) => e instanceof ShapeError && /tolerance/.test(e.message));
  assert.throws(() => principalComponentsIterative(x, 2, { tolerance: Number.NaN }), ShapeError);
  assert.throws(() => principalComponentsIterative(x, 2, { maxSteps: 0 }), (e: unknown) => e instanceof ShapeError && /maxSteps/.test(e.message));
  assert.throws(() => principalComponentsIterative(x, 6), /count must be a whole number from 1 to d = 5/);
});
