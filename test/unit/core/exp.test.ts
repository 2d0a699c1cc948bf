/**
 * expFast (src/core/blocks/exp.ts) against V8's Math.exp (fdlibm's e_exp.c): an independent
 * implementation of the same function. The forward pass's softmax and activations use expFast.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expFast } from '../../../src/core/blocks/exp';

/** A seeded generator: the same points every run. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

test('expFast is within 1e-12 (relative) of Math.exp over [−708, 709], densest where softmax and gelu live', () => {
  const random = lcg(7);
  let worst = 0, worstAt = 0;
  const check = (x: number): void => {
    const error = Math.abs(expFast(x) / Math.exp(x) - 1);
    if (error > worst) { worst = error; worstAt = x; }
  };
  for (let i = 0; i < 200_000; i++) check(-708 + 1417 * random());
  for (let i = 0; i < 200_000; i++) check(-40 * random());
  // Every multiple of ln2/128 in [−30, 1]: the reduction's boundaries, where k changes.
  for (let k = -5540; k <= 185; k++) { check(k * Math.LN2 / 128); check(k * Math.LN2 / 128 + 1e-15); }
  for (const x of [0, -0, 1, -1, 1e-300, -1e-300, 708, -708, 709]) check(x);
  assert.ok(worst < 1e-12, `worst relative error ${worst} at x = ${worstAt}`);
});

test('expFast is Math.exp at the ends: subnormal results, overflow, ±Infinity and NaN', () => {
  for (const x of [-745.2, -720, -708.5, 709.5, 710, 1e6, -1e6, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    assert.equal(expFast(x), Math.exp(x), `x = ${x}`);
  }
  assert.ok(Number.isNaN(expFast(Number.NaN)));
  assert.equal(expFast(0), 1);
});
