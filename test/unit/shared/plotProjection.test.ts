import { test } from 'node:test';
import assert from 'node:assert/strict';
import { principalComponents, type Matrix } from '../../../src/core';
import { EXACT_PCA_LIMIT, topComponents } from '../../../src/shared/plotProjection';

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

test('subspace iteration finds the same two components as the core’s exact PCA', () => {
  const x = sample(120, 70);
  assert.ok(Math.min(x.rows, x.cols) > EXACT_PCA_LIMIT, 'this case takes the iterative path');
  const fast = topComponents(x);
  const exact = principalComponents(x, 2);
  for (let r = 0; r < 2; r++) {
    for (let j = 0; j < x.cols; j++) {
      const a = fast.components[r * x.cols + j]!;
      const b = exact.components.data[r * x.cols + j]!;
      assert.ok(Math.abs(a - b) < 1e-5, `component ${r}, dim ${j}: ${a} vs ${b}`);
    }
    assert.ok(Math.abs(fast.ratio[r as 0 | 1] - exact.explainedVarianceRatio[r]!) < 1e-6);
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
  assert.ok(Math.abs(dot(0, 0) - 1) < 1e-9);
  assert.ok(Math.abs(dot(1, 1) - 1) < 1e-9);
  assert.ok(Math.abs(dot(0, 1)) < 1e-9);
});

test('small inputs go through the core’s exact PCA unchanged', () => {
  const x = sample(10, 6);
  const fast = topComponents(x);
  const exact = principalComponents(x, 2);
  assert.deepEqual([...fast.components], [...exact.components.data]);
});

test('a rank-one input still gets a second, orthogonal direction', () => {
  const n = 60, d = 60;
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = (i - 30) * (j + 1);
  const { components, ratio } = topComponents({ rows: n, cols: d, data });
  let dot = 0;
  for (let j = 0; j < d; j++) dot += components[j]! * components[d + j]!;
  assert.ok(Math.abs(dot) < 1e-9);
  assert.ok(ratio[0] > 0.999999);
  assert.ok(ratio[1] < 1e-9);
});
