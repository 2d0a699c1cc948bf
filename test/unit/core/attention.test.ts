/**
 * Invariants of attention that hold for any input, the measure/scale/temperature rules of
 * attention.ts, and its up-front refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  explainRow,
  explainSoftmaxRow,
  lessonAttention,
  matrix,
  MEASURES,
  multiHeadAttention,
  randomMultiHeadWeights,
  scaledDotProductAttention,
  ShapeError,
  uniform01,
  type Matrix,
} from '../../../src/core';
import { assertClose, at, mat, row } from './helpers';

function randomMatrix(rows: number, cols: number, seed: number, spread = 2): Matrix {
  const random = uniform01(seed);
  return matrix(rows, cols, Float32Array.from({ length: rows * cols }, () => spread * (2 * random() - 1)));
}

function permuteRows(m: Matrix, order: readonly number[]): Matrix {
  const out = new Float32Array(m.data.length);
  order.forEach((from, to) => out.set(m.data.subarray(from * m.cols, (from + 1) * m.cols), to * m.cols));
  return matrix(m.rows, m.cols, out);
}

test('weights: every row sums to 1, for every measure, with and without a causal mask', () => {
  const x = randomMatrix(9, 6, 1);
  for (const measure of MEASURES) {
    for (const causal of [false, true]) {
      const head = scaledDotProductAttention(x, x, x, { measure, causal });
      for (let i = 0; i < 9; i++) {
        const sum = row(head.weights, i).reduce((a, b) => a + b, 0);
        assertClose(sum, 1, 1e-6, `${measure} causal=${causal} row ${i} sum`);
      }
    }
  }
});

test('causal mask: zeros above the diagonal, −Infinity scores there, first row attends only to itself', () => {
  const x = randomMatrix(6, 4, 2);
  const result = multiHeadAttention(x, randomMultiHeadWeights(4, 2, 7), { causal: true });
  for (const head of result.heads) {
    for (let i = 0; i < 6; i++) {
      for (let j = i + 1; j < 6; j++) {
        assert.equal(at(head.weights, i, j), 0, `weights[${i}, ${j}]`);
        assert.equal(at(head.scores, i, j), Number.NEGATIVE_INFINITY, `scores[${i}, ${j}]`);
      }
      for (let j = 0; j <= i; j++) assert.ok(at(head.weights, i, j) > 0, `weights[${i}, ${j}] > 0`);
    }
    assert.equal(at(head.weights, 0, 0), 1);
    // Row 0's output is exactly value row 0.
    assert.deepEqual(row(head.output, 0), row(head.v, 0));
  }
});

test('permutation equivariance without a mask: permuting tokens permutes weights and outputs', () => {
  const x = randomMatrix(7, 8, 3);
  const order = [3, 0, 6, 1, 5, 2, 4];
  const px = permuteRows(x, order);
  const w = randomMultiHeadWeights(8, 2, 11);
  const a = multiHeadAttention(x, w);
  const b = multiHeadAttention(px, w);
  for (let h = 0; h < 2; h++) {
    for (let i = 0; i < 7; i++) {
      for (let j = 0; j < 7; j++) {
        assertClose(at(b.heads[h]!.weights, i, j), at(a.heads[h]!.weights, order[i]!, order[j]!), 1e-6, `head ${h} weights[${i}, ${j}]`);
      }
    }
  }
  for (let i = 0; i < 7; i++) {
    row(b.output, i).forEach((v, c) => assertClose(v, at(a.output, order[i]!, c), 1e-5, `output[${i}, ${c}]`));
  }
  const lessonA = lessonAttention(x, 'cosine');
  const lessonB = lessonAttention(px, 'cosine');
  for (let i = 0; i < 7; i++) {
    for (let j = 0; j < 7; j++) {
      assertClose(at(lessonB.heads[0]!.weights, i, j), at(lessonA.heads[0]!.weights, order[i]!, order[j]!), 1e-6, `lesson weights[${i}, ${j}]`);
    }
  }
});

test('temperature: weights flatten to uniform as T grows and sharpen to the argmax as T shrinks', () => {
  const x = randomMatrix(5, 4, 4);
  const hot = scaledDotProductAttention(x, x, x, { temperature: 1e6 });
  for (const w of hot.weights.data) assertClose(w, 1 / 5, 1e-5, 'T = 1e6 weight');
  let previousSpread = Number.POSITIVE_INFINITY;
  for (const temperature of [0.5, 1, 4, 32, 1024]) {
    const w = scaledDotProductAttention(x, x, x, { temperature }).weights;
    const spread = Math.max(...w.data) - Math.min(...w.data);
    assert.ok(spread < previousSpread, `spread at T = ${temperature} (${spread}) below the previous (${previousSpread})`);
    previousSpread = spread;
  }
  const cold = scaledDotProductAttention(x, x, x, { temperature: 1e-6 });
  for (let i = 0; i < 5; i++) {
    const weights = row(cold.weights, i);
    const scores = row(cold.steps.raw, i);
    const argmax = scores.indexOf(Math.max(...scores));
    assert.equal(weights[argmax], 1, `row ${i} puts all its weight on key ${argmax}`);
    for (const w of weights) assert.ok(Number.isFinite(w));
  }
});

test('scores of ±1e4 give finite weights', () => {
  const x = mat([[100, 0], [0, 100], [-100, 0]]); // dot products ±1e4
  const head = scaledDotProductAttention(x, x, x, { measure: 'dot' });
  assert.equal(at(head.scores, 0, 0), 1e4);
  assert.equal(at(head.scores, 0, 2), -1e4);
  for (const w of head.weights.data) assert.ok(Number.isFinite(w));
  assert.deepEqual(row(head.weights, 0), [1, 0, 0]);
  for (const v of head.output.data) assert.ok(Number.isFinite(v));
});

test('zero vectors under cosine are flagged, and nothing is NaN', () => {
  const x = mat([[0, 0, 0], [1, 2, 0], [0, 1, 1]]);
  const head = lessonAttention(x, 'cosine').heads[0]!;
  assert.deepEqual(head.steps.zeroVectorQueries, [0]);
  assert.deepEqual(head.steps.zeroVectorKeys, [0]);
  for (const v of [...head.scores.data, ...head.weights.data, ...head.output.data]) assert.ok(!Number.isNaN(v));
  // The zero row sees every key at cosine 0: uniform weights.
  for (const w of row(head.weights, 0)) assertClose(w, 1 / 3, 1e-7, 'zero-row weight');
  assert.deepEqual(lessonAttention(x, 'dot').heads[0]!.steps.zeroVectorQueries, []);
});

test('measure × scale: scaled divides by √d_k unless scale is false; dot and cosine never divide', () => {
  const q = mat([[1, 2, 3, 4]]);
  const k = mat([[2, 0, 1, 1], [0, 1, 0, 0]]);
  const v = mat([[1], [2]]);
  const dotRaw = 2 + 3 + 4; // q·k₀ = 9
  const run = (measure: 'dot' | 'cosine' | 'scaled', scale?: boolean, temperature?: number) =>
    scaledDotProductAttention(q, k, v, { measure, scale, temperature });
  assert.equal(at(run('scaled').scores, 0, 0), 9 / 2); // √4 = 2
  assert.equal(run('scaled').steps.scaleDivisor, 2);
  assert.equal(at(run('scaled', false).scores, 0, 0), 9);
  assert.equal(at(run('dot').scores, 0, 0), dotRaw);
  assert.equal(at(run('dot', true).scores, 0, 0), dotRaw);
  assertClose(at(run('cosine').scores, 0, 0), 9 / (Math.sqrt(30) * Math.sqrt(6)), 1e-7, 'cosine score');
  assertClose(at(run('cosine', false).scores, 0, 0), 9 / (Math.sqrt(30) * Math.sqrt(6)), 1e-7, 'cosine score, scale off');
  // Temperature divides after the scale: 9 / (2 · 3).
  assert.equal(at(run('scaled', true, 3).scores, 0, 0), 1.5);
  // The default measure is 'scaled'.
  assert.equal(at(scaledDotProductAttention(q, k, v).scores, 0, 0), 4.5);
});

test('explainSoftmaxRow reproduces the head weights bit for bit', () => {
  const x = randomMatrix(6, 4, 5);
  for (const opts of [{}, { causal: true, temperature: 0.7 }, { measure: 'cosine' as const, temperature: 3 }]) {
    const head = scaledDotProductAttention(x, x, x, opts);
    for (let i = 0; i < 6; i++) {
      const breakdown = explainSoftmaxRow(head, i);
      assert.deepEqual(breakdown.entries.map((e) => Math.fround(e.probability)), row(head.weights, i), `row ${i} ${JSON.stringify(opts)}`);
      assert.deepEqual(breakdown.entries.map((e) => e.scaled), row(head.scores, i));
    }
  }
});

test('explainRow: heaviest first, ties in input order, masked keys left out', () => {
  const w = mat([
    [0.2, 0.5, 0.2, 0.1],
    [1, 0, 0, 0],
  ]);
  const tokens = ['a', 'b', 'c', 'd'];
  const first = explainRow(w, 0, tokens);
  assert.equal(first.text, 'a → 0.50 b + 0.20 a + 0.20 c + 0.10 d');
  assert.deepEqual(first.terms.map((t) => t.index), [1, 0, 2, 3]);
  assert.equal(explainRow(w, 1, tokens).text, 'b → 1.00 a');
  assert.equal(explainRow(w, 0, tokens, 1).text, 'a → 0.5 b + 0.2 a + 0.2 c + 0.1 d');
  assert.throws(() => explainRow(w, 2, tokens), /row 2 is outside 0…1/);
  assert.throws(() => explainRow(w, 0, ['a']), /1 tokens for a weight matrix with 4 columns/);
});

test('shapes are checked up front and the message names them', () => {
  const x = randomMatrix(3, 4, 6);
  const fails = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof ShapeError && pattern.test(e.message), `expected ShapeError matching ${pattern}`);
  fails(() => scaledDotProductAttention(x, randomMatrix(3, 5, 1), x), /q is 3×4 and k is 3×5/);
  fails(() => scaledDotProductAttention(x, x, randomMatrix(2, 4, 1)), /k is 3×4 and v is 2×4/);
  fails(() => scaledDotProductAttention(matrix(0, 4), x, x), /q is 0×4: empty input/);
  fails(() => multiHeadAttention(matrix(0, 4), randomMultiHeadWeights(4, 2, 1)), /x is 0×4: empty input/);
  fails(() => multiHeadAttention(randomMatrix(3, 6, 1), randomMultiHeadWeights(4, 2, 1)), /weights are for E = 4 but the embeddings are 6 wide/);
  fails(() => multiHeadAttention(x, { ...randomMultiHeadWeights(4, 2, 1), numHeads: 3 }), /E = 4 is not divisible by h = 3 heads/);
  fails(() => randomMultiHeadWeights(10, 3, 0), /E = 10 is not divisible by h = 3 heads/);
  fails(() => multiHeadAttention(x, { ...randomMultiHeadWeights(4, 2, 1), wk: randomMatrix(4, 3, 1) }), /W_K is 4×3, expected 4×4/);
  fails(() => multiHeadAttention(x, { ...randomMultiHeadWeights(4, 2, 1), bo: new Float32Array(3) }), /b_O has 3 values, expected 4/);
  for (const temperature of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    fails(() => scaledDotProductAttention(x, x, x, { temperature }), /temperature must be a finite number > 0/);
  }
  const withNaN = randomMatrix(3, 4, 6);
  withNaN.data[6] = Number.NaN;
  fails(() => lessonAttention(withNaN, 'cosine'), /q\[1, 2\] is NaN/);
  const w = randomMultiHeadWeights(4, 2, 1);
  w.bq[1] = Number.POSITIVE_INFINITY;
  fails(() => multiHeadAttention(x, w), /b_Q\[1\] is Infinity/);
});
