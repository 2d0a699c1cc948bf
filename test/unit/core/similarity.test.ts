import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cosine, dot, norm, scaledDot, scoreMatrix, ShapeError, similarity, workedArithmetic, zeroRows } from '../../../src/core';
import { assertClose, at, mat } from './helpers';

test('dot, norm and scaledDot follow their definitions', () => {
  assert.equal(dot([1, 2, 3], [4, -5, 6]), 4 - 10 + 18);
  assert.equal(norm([3, 4]), 5);
  assertClose(scaledDot([1, 2, 3], [4, -5, 6]), 12 / Math.sqrt(3), 1e-15, 'scaledDot');
});

test('cosine of a zero vector is 0 and flagged, never NaN', () => {
  assert.deepEqual(cosine([0, 0, 0], [1, 2, 3]), { value: 0, zeroVector: true });
  assert.deepEqual(cosine([1, 2, 3], [0, 0, 0]), { value: 0, zeroVector: true });
  const s = similarity([0, 0], [0, 0]);
  assert.equal(s.cosine, 0);
  assert.equal(s.zeroVector, true);
  assert.equal(s.dot, 0);
  assert.match(workedArithmetic([0, 0], [1, 1], ['zero', 'one']).cosine, /zero is all zeros/);
});

test('cosine stays inside [−1, 1] and is 1 for a vector with itself', () => {
  const v = Float32Array.from([0.1, 0.2, 0.30000001, 1e-3]);
  const c = cosine(v, v).value;
  assert.ok(c <= 1 && c > 1 - 1e-12);
  assertClose(cosine([1, 1], [-2, -2]).value, -1, 1e-15, 'opposite');
  assert.equal(cosine([1e200, 1e200], [1e200, 1e200]).value <= 1, true);
});

test('length mismatch and empty vectors are refused with the lengths', () => {
  assert.throws(() => dot([1, 2], [1, 2, 3]), (e: unknown) => e instanceof ShapeError && /lengths 2 and 3/.test(e.message));
  assert.throws(() => cosine([], []), ShapeError);
});

test('scoreMatrix: [n, d] × [m, d] → [n, m] for each measure', () => {
  const q = mat([[1, 0], [3, 4]]);
  const k = mat([[0, 2], [1, 1], [0, 0]]);
  const d = scoreMatrix(q, k, 'dot');
  assert.deepEqual([d.rows, d.cols], [2, 3]);
  assert.deepEqual(Array.from(d.data), [0, 1, 0, 8, 7, 0]);
  const s = scoreMatrix(q, k, 'scaled');
  assertClose(at(s, 1, 1), 7 / Math.SQRT2, 1e-6, 'scaled[1, 1]');
  const c = scoreMatrix(q, k, 'cosine');
  assertClose(at(c, 1, 0), 8 / (5 * 2), 1e-6, 'cos[1, 0]');
  assertClose(at(c, 0, 1), 1 / Math.SQRT2, 1e-6, 'cos[0, 1]');
  assert.equal(at(c, 0, 2), 0); // zero key: stand-in 0
  assert.deepEqual(zeroRows(k), [2]);
  assert.throws(() => scoreMatrix(q, mat([[1, 2, 3]]), 'dot'), /2×2 and keys 1×3/);
});

test('workedArithmetic: negatives in parentheses, long vectors elided, decimals trimmed', () => {
  assert.equal(workedArithmetic([1, -2], [3, 0.5]).dot, '1·3 + (-2)·0.5 = 2');
  const long = Array.from({ length: 10 }, (_, i) => i + 1);
  assert.equal(workedArithmetic(long, long).dot, '1·1 + 2·2 + 3·3 + … + 10·10 (10 terms) = 385');
  assert.equal(workedArithmetic([0.5, 0.25], [1, 1]).scaled, '0.75/√2 = 0.53');
});
