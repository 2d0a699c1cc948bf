import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXACT_PCA_SIZE, principalComponents, principalComponentsExact, type Matrix } from '../../../src/core';
import { topComponents } from '../../../src/shared/plotProjection';

/** A deterministic matrix with a clear spectrum: two strong directions, then noise. */
function sample(n: number, d: number): Matrix {
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const a = Math.sin(i * 0.91) * 5;
    const b = Math.cos(i * 0.37) * 2;
    for (let j = 0; j < d; j++) {
      data[i * d + j] = a * Math.cos(j * 0.3) + b * Math.sin(j * 0.7 + 1) + 0.3 * Math.sin(i * 13.1 + j * 7.7) + (j % 5);
    }
  }
  return { rows: n, cols: d, data };
}

test('the plot’s two directions, mean and ratios are the core’s principalComponents(x, 2), small and large', () => {
  for (const x of [sample(10, 6), sample(120, 70)]) {
    const plot = topComponents(x);
    const core = principalComponents(x, 2);
    assert.deepEqual([...plot.components], [...core.components.data]);
    assert.deepEqual([...plot.mean], [...core.mean]);
    assert.deepEqual([...plot.ratio], core.explainedVarianceRatio);
  }
});

test('at plot sizes (past the core’s exact limit) the directions match the exact Jacobi reference', () => {
  const x = sample(240, 120);
  assert.ok(Math.min(x.rows, x.cols) > EXACT_PCA_SIZE, 'this case takes the core’s iterative path');
  const plot = topComponents(x);
  const exact = principalComponentsExact(x, 2);
  for (let r = 0; r < 2; r++) {
    for (let j = 0; j < x.cols; j++) {
      const a = plot.components[r * x.cols + j]!;
      const b = exact.components.data[r * x.cols + j]!;
      assert.ok(Math.abs(a - b) < 1e-5, `component ${r}, dim ${j}: ${a} vs ${b}`);
    }
    assert.ok(Math.abs(plot.ratio[r as 0 | 1] - exact.explainedVarianceRatio[r]!) < 1e-6);
  }
});

test('the components are unit length and orthogonal', () => {
  const x = sample(200, 90);
  const { components } = topComponents(x);
  const d = x.cols;
  const dot = (a: number, b: number): number => {
    let s = 0;
    for (let j = 0; j < d; j++) s += components[a * d + j]! * components[b * d + j]!;
    return s;
  };
  assert.ok(Math.abs(dot(0, 0) - 1) < 1e-6);
  assert.ok(Math.abs(dot(1, 1) - 1) < 1e-6);
  assert.ok(Math.abs(dot(0, 1)) < 1e-6);
});

test('a rank-one input still gets a second, orthogonal direction', () => {
  const n = 60, d = 60;
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = (i - 30) * (j + 1);
  const { components, ratio } = topComponents({ rows: n, cols: d, data });
  let dot = 0;
  for (let j = 0; j < d; j++) dot += components[j]! * components[d + j]!;
  assert.ok(Math.abs(dot) < 1e-6);
  assert.ok(ratio[0] > 0.999999);
  assert.ok(ratio[1] < 1e-9);
});

test('fewer than two dimensions is refused (plotView falls back to a named dimension there)', () => {
  assert.throws(() => topComponents({ rows: 3, cols: 1, data: Float32Array.from([1, 2, 3]) }), /at least 2 dimensions, got 1/);
});
