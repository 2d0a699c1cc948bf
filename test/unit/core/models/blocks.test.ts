/**
 * The shared blocks on their own against torch (test/fixtures/models/blocks.json, written by
 * scripts/fixtures/make_model_fixtures.py): GELU (erf and tanh), SiLU, RoPE inverse frequencies
 * and cos/sin tables (default, linear, Llama 3.1's llama3 scaling), LayerNorm against a float64
 * torch LayerNorm on rows with a large mean, RMSNorm against LlamaRMSNorm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyActivation, swiGlu, type Activation } from '../../../../src/core/blocks/activations';
import { attendHead, columns, groupedQueryAttention } from '../../../../src/core/blocks/groupedQueryAttention';
import { layerNorm } from '../../../../src/core/blocks/layerNorm';
import { rmsNorm } from '../../../../src/core/blocks/rmsNorm';
import { applyRope, ropeInverseFrequencies, ropeTables, type RopeScaling } from '../../../../src/core/blocks/rope';
import { matmul, matmulTransposeB, matrix } from '../../../../src/core/linalg';

const blocks = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'fixtures', 'models', 'blocks.json'), 'utf8')) as {
  x: number[]; gelu: number[]; gelu_float64: number[]; gelu_new: number[]; silu: number[];
  rope: { name: string; config: { rope_theta: number; rope_scaling?: Record<string, number | string> }; head_dim: number; inv_freq: number[]; positions: number[]; cos: number[][]; sin: number[][] }[];
  norm: { x: number[][]; weight: number[]; bias: number[]; eps: number; layer_norm: number[][]; rms_norm: number[][] };
};

/** |a − b| ≤ atol + rtol·|b| for every entry; returns the worst absolute difference. */
function close(ours: ArrayLike<number>, theirs: readonly number[], atol: number, rtol: number, what: string): number {
  assert.equal(ours.length, theirs.length, what);
  let worst = 0;
  for (let i = 0; i < theirs.length; i++) {
    const d = Math.abs(ours[i]! - theirs[i]!);
    worst = Math.max(worst, d);
    assert.ok(d <= atol + rtol * Math.abs(theirs[i]!), `${what}[${i}]: ${ours[i]} vs ${theirs[i]}`);
  }
  return worst;
}

for (const activation of ['gelu', 'gelu_new', 'silu'] as Activation[]) {
  test(`${activation} equals torch on [−30, 30]`, () => {
    const x = Float32Array.from(blocks.x);
    applyActivation(x, activation);
    // atol: torch's float32 forms compute 1 + erf(x/√2) and 1 + tanh(…), which cancel for x ≪ 0
    // (gelu_new(−5.1) is exactly 0 in torch); the erfc form here keeps those digits, so the two
    // differ there by up to float32's epsilon times |x|, ~1e-7, and agree to 3e-7 relative elsewhere.
    close(x, blocks[activation as 'gelu' | 'gelu_new' | 'silu'], 5e-7, 3e-7, activation);
  });
}

test('gelu (erf) is accurate to float32 against a float64 GELU, for x ≪ 0 too', () => {
  const x = Float32Array.from(blocks.x);
  applyActivation(x, 'gelu');
  // Numerical Recipes' erfc (1.2e-7 fractional) plus float32 storage (6e-8).
  close(x, blocks.gelu_float64, 1e-30, 2.5e-7, 'gelu vs float64');
});

test('swiGlu is silu(gate) ⊙ up', () => {
  const gate = Float32Array.from(blocks.x), up = Float32Array.from(blocks.x, (_, i) => (i % 7) - 3);
  swiGlu(gate, up);
  close(gate, blocks.silu.map((s, i) => s * ((i % 7) - 3)), 1e-6, 1e-6, 'swiGlu');
});

for (const r of blocks.rope) {
  test(`RoPE ${r.name}: inverse frequencies and cos/sin equal Hugging Face's float32 tables`, () => {
    const s = r.config.rope_scaling;
    const scaling: RopeScaling = !s
      ? { type: 'default' }
      : s['rope_type'] === 'llama3'
        ? { type: 'llama3', factor: s['factor'] as number, lowFreqFactor: s['low_freq_factor'] as number, highFreqFactor: s['high_freq_factor'] as number, originalMaxPositionEmbeddings: s['original_max_position_embeddings'] as number }
        : { type: 'linear', factor: s['factor'] as number };
    const inv = ropeInverseFrequencies(r.head_dim, r.config.rope_theta, scaling);
    close(inv, r.inv_freq, 0, 1e-6, `${r.name} inv_freq`);
    const maxPosition = Math.max(...r.positions);
    const tables = ropeTables(inv, maxPosition + 1);
    r.positions.forEach((p, row) => {
      const half = r.head_dim / 2;
      close(tables.cos.subarray(p * half, (p + 1) * half), r.cos[row]!, 2e-6, 0, `${r.name} cos @${p}`);
      close(tables.sin.subarray(p * half, (p + 1) * half), r.sin[row]!, 2e-6, 0, `${r.name} sin @${p}`);
    });
  });
}

test('applyRope rotates the pairs (i, i + D/2) and keeps each pair\'s length', () => {
  const D = 8, n = 3, heads = 2;
  const x = matrix(n, heads * D, Float32Array.from({ length: n * heads * D }, (_, i) => Math.sin(i + 1)));
  const before = Float32Array.from(x.data);
  const tables = ropeTables(ropeInverseFrequencies(D, 10000, { type: 'default' }), n);
  applyRope(x, heads, D, tables);
  for (let p = 0; p < n; p++) for (let h = 0; h < heads; h++) for (let i = 0; i < D / 2; i++) {
    const at = p * heads * D + h * D + i;
    const c = Math.cos(p * 10000 ** (-(2 * i) / D)), s = Math.sin(p * 10000 ** (-(2 * i) / D));
    assert.ok(Math.abs(x.data[at]! - (before[at]! * c - before[at + D / 2]! * s)) < 1e-5);
    assert.ok(Math.abs(x.data[at + D / 2]! - (before[at + D / 2]! * c + before[at]! * s)) < 1e-5);
  }
});

test('layerNorm equals a float64 LayerNorm, also for rows with a mean of 10⁴ or a spread of 10⁻³', () => {
  const { x, weight, bias, eps } = blocks.norm;
  const ours = layerNorm(matrix(x.length, x[0]!.length, Float32Array.from(x.flat())), Float32Array.from(weight), Float32Array.from(bias), eps);
  // Row 3 (mean 1e4, spread 1): float32 inputs hold ~3 digits below the unit, so 1e-3 is their precision.
  close(ours.data.subarray(0, 3 * 48), blocks.norm.layer_norm.slice(0, 3).flat(), 2e-6, 1e-6, 'layer_norm');
  close(ours.data.subarray(3 * 48), blocks.norm.layer_norm[3]!, 2e-6, 1e-6, 'layer_norm large mean');
});

test('rmsNorm equals LlamaRMSNorm', () => {
  const { x, weight, eps } = blocks.norm;
  const ours = rmsNorm(matrix(x.length, x[0]!.length, Float32Array.from(x.flat())), Float32Array.from(weight), eps);
  close(ours.data, blocks.norm.rms_norm.flat(), 1e-6, 1e-6, 'rms_norm');
});

test('grouped-query attention: a query head reads kv head ⌊h / (H/KV)⌋, the mask hides what it must', () => {
  const n = 5, D = 4, H = 4, KV = 2;
  const fill = (cols: number, seed: number) => matrix(n, cols, Float32Array.from({ length: n * cols }, (_, i) => Math.sin(seed * 31 + i * 1.7)));
  const q = fill(H * D, 1), k = fill(KV * D, 2), v = fill(KV * D, 3);
  const seen: { head: number; weights: Float32Array; k: Float32Array }[] = [];
  const context = groupedQueryAttention(q, k, v, { heads: H, kvHeads: KV, headDim: D, scale: 0.5, causal: true, window: 2 },
    (head, _scores, weights, vectors) => seen.push({ head, weights: weights.data, k: vectors().k.data }));
  assert.deepEqual(seen.map((s) => s.head), [0, 1, 2, 3]);
  // Heads 0, 1 read kv head 0; heads 2, 3 read kv head 1.
  assert.deepEqual([...seen[1]!.k], [...columns(k, 0, D).data]);
  assert.deepEqual([...seen[2]!.k], [...columns(k, D, D).data]);
  for (const { weights } of seen) {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const visible = j <= i && j > i - 2;
      assert.equal(weights[i * n + j]! > 0, visible, `[${i}][${j}] visible=${visible}`);
    }
  }
  // Query 0 sees only key 0: its context is v_g row 0 exactly.
  assert.deepEqual([...context.data.subarray(3 * D, 4 * D)], [...v.data.subarray(D, 2 * D)]);
});

test('a causal head past 256 tokens (its products run block by block) equals float64 attention, and the full products bit for bit', () => {
  for (const n of [257, 300]) {
    const D = 64, scale = 1 / 8;
    const fill = (seed: number) => matrix(n, D, Float32Array.from({ length: n * D }, (_, i) => Math.sin(seed * 7.1 + i * 0.37) * 2));
    const q = fill(1), k = fill(2), v = fill(3);
    const head = attendHead(q, k, v, { heads: 1, kvHeads: 1, headDim: D, scale, causal: true });
    // float64 attention written out here: scores, a causal softmax with Math.exp, the context.
    const at = (m: { data: Float32Array }, cols: number, i: number, j: number) => m.data[i * cols + j]!;
    let worstWeight = 0, worstContext = 0;
    for (let i = 0; i < n; i++) {
      const row = Array.from({ length: i + 1 }, (_, j) => { let dot = 0; for (let d = 0; d < D; d++) dot += at(q, D, i, d) * at(k, D, j, d); return dot * scale; });
      const max = Math.max(...row);
      const exps = row.map((x) => Math.exp(x - max)), sum = exps.reduce((a, b) => a + b, 0);
      for (let j = 0; j < n; j++) worstWeight = Math.max(worstWeight, Math.abs(head.weights.data[i * n + j]! - (j <= i ? exps[j]! / sum : 0)));
      for (let d = 0; d < D; d++) {
        let c = 0;
        for (let j = 0; j <= i; j++) c += (exps[j]! / sum) * at(v, D, j, d);
        worstContext = Math.max(worstContext, Math.abs(head.context.data[i * D + d]! - c));
      }
      for (let j = i + 1; j < n; j++) assert.equal(head.scores.data[i * n + j], Number.NEGATIVE_INFINITY, `scores[${i}][${j}] masked`);
    }
    assert.ok(worstWeight < 1e-5, `n=${n}: weights within ${worstWeight}`);
    assert.ok(worstContext < 1e-5, `n=${n}: context within ${worstContext}`);
    // The blocked products give what the full ones give, to the bit.
    const full = matmulTransposeB(q, k).data;
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
      if (Math.fround(full[i * n + j]! * scale) !== head.scores.data[i * n + j]) assert.fail(`n=${n}: score [${i}][${j}] differs from the full product's`);
    }
    assert.deepEqual(head.context.data, matmul(head.weights, v).data, `n=${n}: context equals weights · v`);
  }
});
