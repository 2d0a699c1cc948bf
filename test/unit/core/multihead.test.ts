/**
 * Multi-head attention against torch.nn.MultiheadAttention (fixtures made by
 * scripts/fixtures/make_core_fixtures.py), for F32, F16 and BF16 weight files, every layout the
 * loader accepts, causal masks, temperature, and the numpy re-implementation of the measures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import {
  lessonAttention,
  multiHeadAttention,
  multiHeadWeightsFromSafetensors,
  runAttention,
  type Measure,
  type MultiHeadWeights,
} from '../../../src/core';
import { assertMatrixClose, FIXTURES, fixtureBytes, fixtureJson, mat } from './helpers';

type Rows = (number | null)[][];
interface HeadExpect {
  scores: Rows;
  weights: Rows;
  output: Rows;
}
interface FileExpect {
  file: string;
  decoded: Record<'wq' | 'wk' | 'wv' | 'wo' | 'bq' | 'bk' | 'bv' | 'bo', number[]>;
  heads: HeadExpect[];
  output: Rows;
  temperature?: { value: number; weights: Rows[]; output: Rows };
  variants?: { measure: Measure; scale: boolean; temperature: number; heads: HeadExpect[]; output: Rows }[];
}
interface CaseFixture {
  case: string;
  n: number;
  embed_dim: number;
  num_heads: number;
  causal: boolean;
  layout: string;
  prefix: string;
  x: number[][];
  files: Record<string, FileExpect>;
}

const TOL = 1e-5;
const cases = readdirSync(FIXTURES)
  .filter((f) => /^mha_.*\.json$/.test(f))
  .sort();

test('the fixtures cover F32, F16 and BF16, causal masks, and every weight layout', () => {
  const all = cases.map((f) => fixtureJson<CaseFixture>(f));
  assert.ok(all.length >= 5);
  const dtypes = new Set(all.flatMap((c) => Object.keys(c.files)));
  for (const d of ['F32', 'F16', 'BF16']) assert.ok(dtypes.has(d), d);
  assert.ok(all.some((c) => c.causal));
  assert.deepEqual(new Set(all.map((c) => c.layout)), new Set(['packed', 'separate', 'linear']));
});

for (const name of cases) {
  const fixture = fixtureJson<CaseFixture>(name);
  for (const [dtype, expect] of Object.entries(fixture.files)) {
    test(`PyTorch MHA ${fixture.case} (${fixture.layout}${fixture.prefix ? `, prefix "${fixture.prefix}"` : ''}, ${dtype}): per-head scores, weights, outputs and final output within ${TOL}`, () => {
      const weights = multiHeadWeightsFromSafetensors(fixtureBytes(expect.file), fixture.num_heads);
      assert.equal(weights.embedDim, fixture.embed_dim);
      // The decoded weights are exactly what PyTorch held (F16/BF16 decode is exact).
      for (const key of ['wq', 'wk', 'wv', 'wo'] as const) assert.deepEqual(Array.from(weights[key].data), expect.decoded[key], `${key} decoded`);
      for (const key of ['bq', 'bk', 'bv', 'bo'] as const) assert.deepEqual(Array.from(weights[key]), expect.decoded[key], `${key} decoded`);

      const x = mat(fixture.x);
      const result = multiHeadAttention(x, weights, { causal: fixture.causal });
      assert.equal(result.heads.length, fixture.num_heads);
      result.heads.forEach((head, h) => {
        assertMatrixClose(head.scores, expect.heads[h]!.scores, TOL, `head ${h} scores`);
        assertMatrixClose(head.weights, expect.heads[h]!.weights, TOL, `head ${h} weights`);
        assertMatrixClose(head.output, expect.heads[h]!.output, TOL, `head ${h} output`);
      });
      assertMatrixClose(result.output, expect.output, TOL, 'output');

      const viaSource = runAttention(x, { kind: 'weights', weights }, { causal: fixture.causal });
      assert.deepEqual(viaSource.output.data, result.output.data);

      if (expect.temperature) {
        const t = expect.temperature;
        const hot = multiHeadAttention(x, weights, { causal: fixture.causal, temperature: t.value });
        hot.heads.forEach((head, h) => assertMatrixClose(head.weights, t.weights[h]!, TOL, `T = ${t.value} head ${h} weights`));
        assertMatrixClose(hot.output, t.output, TOL, `T = ${t.value} output`);
      }
      for (const variant of expect.variants ?? []) {
        const label = `${variant.measure}, scale ${variant.scale}, T = ${variant.temperature}`;
        const got = multiHeadAttention(x, weights, { causal: fixture.causal, measure: variant.measure, scale: variant.scale, temperature: variant.temperature });
        got.heads.forEach((head, h) => {
          assertMatrixClose(head.scores, variant.heads[h]!.scores, TOL, `${label} head ${h} scores`);
          assertMatrixClose(head.weights, variant.heads[h]!.weights, TOL, `${label} head ${h} weights`);
          assertMatrixClose(head.output, variant.heads[h]!.output, TOL, `${label} head ${h} output`);
        });
        assertMatrixClose(got.output, variant.output, TOL, `${label} output`);
      }
    });
  }
}

test('head i reads rows i·d_k … (i+1)·d_k of W_Q, W_K, W_V and writes the same columns of concat', () => {
  // E = 4, h = 2, identity projections, W_O = identity: concat = output; head i sees only
  // columns 2i, 2i+1 of x.
  const eye = mat([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
  const zeros = new Float32Array(4);
  const w: MultiHeadWeights = { embedDim: 4, numHeads: 2, wq: eye, wk: eye, wv: eye, wo: eye, bq: zeros, bk: zeros, bv: zeros, bo: zeros };
  const x = mat([[1, 0, 5, 5], [0, 1, -5, 5]]);
  const result = multiHeadAttention(x, w, { measure: 'dot' });
  // head 0: x[:, 0:2] = [[1,0],[0,1]] → scores identity → weights e/(e+1) on the diagonal.
  const p = Math.E / (Math.E + 1);
  assertMatrixClose(result.heads[0]!.weights, [[p, 1 - p], [1 - p, p]], 1e-6, 'head 0 weights');
  // head 1: x[:, 2:4] = [[5,5],[-5,5]] → scores [[50, 0], [0, 50]].
  assertMatrixClose(result.heads[1]!.scores, [[50, 0], [0, 50]], 0, 'head 1 scores');
  assertMatrixClose(result.output, [[p, 1 - p, 5, 5], [1 - p, p, -5, 5]], 1e-6, 'output = concat');
});

test('lesson mode is one head with Q = K = V = x and no projections', () => {
  const x = mat([[0, 3, 0], [2, 2, 0]]);
  const result = lessonAttention(x, 'dot');
  assert.equal(result.heads.length, 1);
  assert.equal(result.heads[0]!.q, x);
  assert.equal(result.output, result.concat);
  assertMatrixClose(result.heads[0]!.scores, [[9, 6], [6, 8]], 0, 'dot scores');
  assert.deepEqual(runAttention(x, { kind: 'lesson' }, { measure: 'dot' }).output.data, result.output.data);
});

test('runAttention with seeded random weights is reproducible and refuses an E the heads do not divide', () => {
  const x = mat([[1, 2, 3, 4], [4, 3, 2, 1], [0, 1, 0, 1]]);
  const a = runAttention(x, { kind: 'random', heads: 2, seed: 5 });
  const b = runAttention(x, { kind: 'random', heads: 2, seed: 5 });
  const c = runAttention(x, { kind: 'random', heads: 2, seed: 6 });
  assert.deepEqual(a.output.data, b.output.data);
  assert.notDeepEqual(a.output.data, c.output.data);
  assert.equal(a.heads[0]!.steps.measure, 'scaled');
  assert.throws(() => runAttention(x, { kind: 'random', heads: 3, seed: 0 }), /E = 4 is not divisible by h = 3/);
});
