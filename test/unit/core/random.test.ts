/**
 * The seeded generator is mulberry32 exactly as published (Tommy Ettinger's C reference), and
 * the weights follow PyTorch's nn.MultiheadAttention initialisation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32, randomMultiHeadWeights, ShapeError, uniform01 } from '../../../src/core';

/** The C reference, re-derived in BigInt (no Math.imul, no >>>): an independent reading of the spec. */
function mulberry32Reference(seed: bigint, count: number): number[] {
  const mask = 0xffffffffn;
  let state = seed;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5n) & mask;
    let z = state;
    z = ((z ^ (z >> 15n)) * (z | 1n)) & mask;
    z = (z ^ ((z + ((z ^ (z >> 7n)) * (z | 61n))) & mask)) & mask;
    out.push(Number((z ^ (z >> 14n)) & mask));
  }
  return out;
}

test('mulberry32: first outputs of the published C reference (gcc, uint32_t arithmetic)', () => {
  // Printed by the C function in random.ts's header, compiled with gcc, for these seeds.
  const published: Record<number, number[]> = {
    0: [1144304738, 1416247, 958946056, 627933444, 2007157716],
    1: [2693262067, 11749833, 2265367787, 4213581821, 4159151403],
    42: [2581720956, 1925393290, 3661312704, 2876485805, 750819978],
    4294967295: [3850105811, 813802916, 3073704848, 4054706436, 3630262831],
  };
  for (const [seed, expected] of Object.entries(published)) {
    const next = mulberry32(Number(seed));
    assert.deepEqual(Array.from({ length: 5 }, next), expected, `seed ${seed}`);
  }
});

test('mulberry32: seed 0, first output worked by hand', () => {
  // state = 0 + 0x6D2B79F5 = 0x6D2B79F5
  // z ^ z>>15 = 0x6D2B79F5 ^ 0x0000DA56 = 0x6D2BA3A3;  × (state | 1) mod 2³²   = 0xFE7CA5FF = z1
  // z1 ^ z1>>7 = 0xFF805CB4;  × (z1 | 61) mod 2³² = 0xBBCC5B4C;  z1 ^ (z1 + that) = 0x4435A4B4 = z2
  // z2 ^ z2>>14 = 0x4434B462 = 1144304738
  const state = 0x6d2b79f5n;
  const z1 = ((state ^ (state >> 15n)) * (state | 1n)) & 0xffffffffn;
  const z2 = z1 ^ ((z1 + ((z1 ^ (z1 >> 7n)) * (z1 | 61n))) & 0xffffffffn);
  const first = Number(z2 ^ (z2 >> 14n));
  assert.equal(state ^ (state >> 15n), 0x6d2ba3a3n);
  assert.equal(z1, 0xfe7ca5ffn);
  assert.equal(z2, 0x4435a4b4n);
  assert.equal(first, 0x4434b462);
  assert.equal(first, 1144304738);
  assert.equal(mulberry32(0)(), first);
});

test('mulberry32 agrees with a BigInt re-derivation over long streams and many seeds', () => {
  for (const seed of [0, 1, 7, 123456789, 2 ** 31, 2 ** 32 - 1]) {
    const next = mulberry32(seed);
    assert.deepEqual(Array.from({ length: 200 }, next), mulberry32Reference(BigInt(seed), 200), `seed ${seed}`);
  }
});

test('uniform01 = next / 2³², in [0, 1)', () => {
  const u = uniform01(0);
  assert.equal(u(), 1144304738 / 2 ** 32);
  for (let i = 0; i < 1000; i++) {
    const v = u();
    assert.ok(v >= 0 && v < 1);
  }
});

test('seeds outside 0…2³²−1 or not whole are refused', () => {
  for (const seed of [-1, 1.5, 2 ** 32, Number.NaN]) assert.throws(() => mulberry32(seed), ShapeError);
});

test('randomMultiHeadWeights: Xavier-uniform in_proj drawn row-major, then U(±1/√E) out_proj, zero biases', () => {
  const e = 8;
  const w = randomMultiHeadWeights(e, 2, 0);
  const inBound = Math.sqrt(6 / (e + 3 * e));
  const outBound = 1 / Math.sqrt(e);
  const u = uniform01(0);
  const expected = (bound: number) => Math.fround(bound * (2 * u() - 1));
  // W_Q, W_K, W_V are consecutive row-major blocks of one [3E, E] draw; W_O follows.
  for (const key of ['wq', 'wk', 'wv'] as const) {
    for (let i = 0; i < e * e; i++) assert.equal(w[key].data[i], expected(inBound), `${key}[${i}]`);
  }
  for (let i = 0; i < e * e; i++) assert.equal(w.wo.data[i], expected(outBound), `wo[${i}]`);
  // The very first weight, by hand: a = √(6/32), u₀ = 1144304738 / 2³².
  assert.equal(w.wq.data[0], Math.fround(Math.sqrt(6 / 32) * (2 * (1144304738 / 2 ** 32) - 1)));
  for (const b of [w.bq, w.bk, w.bv, w.bo]) assert.deepEqual(Array.from(b), new Array(e).fill(0));
  for (const v of [...w.wq.data, ...w.wk.data, ...w.wv.data]) assert.ok(Math.abs(v) <= inBound);
  for (const v of w.wo.data) assert.ok(Math.abs(v) <= outBound);
});

test('randomMultiHeadWeights: same seed same weights, other seed other weights; sample moments match U(−a, a)', () => {
  const a = randomMultiHeadWeights(64, 4, 9);
  assert.deepEqual(a.wq.data, randomMultiHeadWeights(64, 4, 9).wq.data);
  assert.notDeepEqual(a.wq.data, randomMultiHeadWeights(64, 4, 10).wq.data);
  const all = [...a.wq.data, ...a.wk.data, ...a.wv.data];
  const bound = Math.sqrt(6 / (4 * 64));
  const mean = all.reduce((s, v) => s + v, 0) / all.length;
  const variance = all.reduce((s, v) => s + (v - mean) ** 2, 0) / all.length;
  assert.ok(Math.abs(mean) < 0.01 * bound, `mean ${mean}`);
  assert.ok(Math.abs(variance / (bound ** 2 / 3) - 1) < 0.03, `variance ${variance} vs a²/3 = ${bound ** 2 / 3}`);
});
