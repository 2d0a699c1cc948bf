/** Principal components against numpy.linalg.eigh (fixtures), and the conventions pca.ts states. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jacobiEigen, matrix, principalComponents, ShapeError } from '../../../src/core';
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

for (const c of fixtureJson<{ cases: PcaCase[] }>('pca.json').cases) {
  test(`PCA ${c.name} (n = ${c.x.length}, d = ${c.x[0]!.length}, ${c.count} components) matches numpy within 1e-5`, () => {
    const result = principalComponents(mat(c.x), c.count);
    assertMatrixClose(result.components, c.components, 1e-5, 'components');
    assertMatrixClose(result.projected, c.projected, 1e-5, 'projected');
    result.explainedVariance.forEach((v, i) => assertClose(v, c.explained_variance[i]!, 1e-5 * Math.max(1, c.explained_variance[i]!), `variance ${i}`));
    result.explainedVarianceRatio.forEach((v, i) => assertClose(v, c.explained_variance_ratio[i]!, 1e-6, `ratio ${i}`));
  });
}

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
