import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeError, softmaxBreakdown, softmaxRows } from '../../../src/core';
import { assertClose, mat, row } from './helpers';

const NEG = Number.NEGATIVE_INFINITY;

test('softmaxRows: rows sum to 1 and follow exp(s) / Σ exp(s)', () => {
  const w = softmaxRows(mat([[1, 2, 3], [0, 0, 0]]));
  const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
  const sum = e[0]! + e[1]! + e[2]!;
  row(w, 0).forEach((v, j) => assertClose(v, e[j]! / sum, 1e-7, `w[0, ${j}]`));
  assert.deepEqual(row(w, 1).map((v) => Math.fround(v)), [1 / 3, 1 / 3, 1 / 3].map(Math.fround));
  assert.deepEqual(w.fullyMaskedRows, []);
});

test('softmaxRows: −Infinity gets weight 0; a fully masked row is all zeros and reported', () => {
  const w = softmaxRows(mat([[0, null, 0], [null, null, null]]));
  assert.deepEqual(row(w, 0), [0.5, 0, 0.5]);
  assert.deepEqual(row(w, 1), [0, 0, 0]);
  assert.deepEqual(w.fullyMaskedRows, [1]);
});

test('softmaxRows: scores of ±1e4 give finite weights (row max subtracted)', () => {
  const w = softmaxRows(mat([[1e4, -1e4, 0], [1e4, 1e4, 1e4 - 1], [-1e4, -1e4, -1e4]]));
  for (const v of w.data) assert.ok(Number.isFinite(v), `weight ${v} is finite`);
  assert.deepEqual(row(w, 0), [1, 0, 0]);
  const e = 1 / (2 + Math.exp(-1));
  assertClose(w.data[3]!, e, 1e-7, 'tie at 1e4');
  assertClose(w.data[6]!, 1 / 3, 1e-7, 'all −1e4');
});

test('softmaxRows: +Infinity scores share the weight; NaN is refused with its position', () => {
  const w = softmaxRows(mat([[Number.POSITIVE_INFINITY, 1, Number.POSITIVE_INFINITY]]));
  assert.deepEqual(row(w, 0), [0.5, 0, 0.5]);
  assert.throws(() => softmaxRows(mat([[0, Number.NaN]])), (e: unknown) => e instanceof ShapeError && /\[0, 1\] is NaN/.test(e.message));
});

test('softmaxBreakdown: raw → scaled → minus max → exp → probability, with mask and temperature', () => {
  // raw [4, 2, 8], divisor 2, T = 2 → scaled [1, 0.5, 2]; key 2 masked → max 1.
  const b = softmaxBreakdown([4, 2, 8], { scaleDivisor: 2, temperature: 2, masked: [false, false, true] });
  assert.deepEqual(b.entries.map((e) => e.scaled), [1, 0.5, NEG]);
  assert.equal(b.max, 1);
  assert.deepEqual(b.entries.map((e) => e.minusMax), [0, -0.5, NEG]);
  assert.deepEqual(b.entries.map((e) => e.exp), [1, Math.exp(-0.5), 0]);
  assertClose(b.sum, 1 + Math.exp(-0.5), 1e-15, 'sum');
  assertClose(b.entries[0]!.probability, 1 / (1 + Math.exp(-0.5)), 1e-15, 'p0');
  assert.equal(b.entries[2]!.probability, 0);
  assert.equal(b.entries[2]!.masked, true);
});

test('softmaxBreakdown: a fully masked row has no NaN', () => {
  const b = softmaxBreakdown([1, 2], { scaleDivisor: 1, temperature: 1, masked: [true, true] });
  assert.equal(b.fullyMasked, true);
  assert.equal(b.sum, 0);
  for (const e of b.entries) {
    assert.equal(e.probability, 0);
    assert.equal(e.exp, 0);
  }
});

test('softmaxBreakdown refuses a bad temperature, divisor or mask length', () => {
  for (const t of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => softmaxBreakdown([1], { scaleDivisor: 1, temperature: t }), /temperature must be a finite number > 0/);
  }
  assert.throws(() => softmaxBreakdown([1], { scaleDivisor: 0, temperature: 1 }), /scaleDivisor/);
  assert.throws(() => softmaxBreakdown([1, 2], { scaleDivisor: 1, temperature: 1, masked: [true] }), /mask has 1 entries but the row has 2/);
  assert.throws(() => softmaxBreakdown([], { scaleDivisor: 1, temperature: 1 }), /empty row/);
});
