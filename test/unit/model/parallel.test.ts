/**
 * GemmPool (src/model/parallel/): products split over this thread and a helper worker, over
 * weights resident in one shared WeightArena, against the float64 reference loops of
 * src/core/linalg.ts. A split never changes a number: every column is summed by one thread in the
 * kernel's one order, so the 2-thread result equals the 1-thread result bit for bit.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { linearReference, matmulReference, matmulTransposeBReference, matrix, type Matrix } from '../../../src/core';
import { applyActivation } from '../../../src/core/blocks/activations';
import { groupedQueryAttention, setAttentionKernel, type AttentionSpec } from '../../../src/core/blocks/groupedQueryAttention';
import { WeightArena, type ResidentTensor } from '../../../src/model/parallel/arena';
import { GemmPool } from '../../../src/model/parallel/gemmPool';

const ROOT = path.join(__dirname, '..', '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headlight-gemm-'));
/** The helper as it ships: one esbuild bundle (a worker cannot load .ts files by itself). */
const WORKER = { script: path.join(dir, 'gemmWorker.js') };
const U = 2 ** -24;
const gamma = (k: number): number => (k * U) / (1 - k * U);

function randomFloats(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  });
}

/** float32 → bfloat16 bits by truncation (exact to decode: bits << 16), and its value. */
function toBF16(values: Float32Array): { bits: Uint16Array; values: Float32Array } {
  const words = new Uint32Array(values.buffer.slice(0));
  const bits = Uint16Array.from(words, (w) => w >>> 16);
  return { bits, values: new Float32Array(Uint32Array.from(bits, (b) => b << 16).buffer) };
}

function assertWithinBound(actual: Matrix, expected: Matrix, magnitude: Matrix, k: number, label: string, bias?: Float32Array): void {
  assert.equal(actual.rows, expected.rows);
  assert.equal(actual.cols, expected.cols);
  const factor = gamma(k + 1) + 2 * U;
  for (let at = 0; at < expected.data.length; at++) {
    const bound = factor * (magnitude.data[at]! + Math.abs(bias?.[at % expected.cols] ?? 0));
    if (!(Math.abs(actual.data[at]! - expected.data[at]!) <= bound)) {
      assert.fail(`${label}: entry ${at} is ${actual.data[at]}, reference ${expected.data[at]}, bound ${bound}`);
    }
  }
}

const abs = (m: Matrix): Matrix => matrix(m.rows, m.cols, m.data.map(Math.abs));

let arena: WeightArena;
let two: GemmPool, helpersOnly: GemmPool, one: GemmPool;

before(async () => {
  buildSync({ entryPoints: [path.join(ROOT, 'src', 'model', 'parallel', 'gemmWorker.ts')], outfile: WORKER.script, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
  arena = new WeightArena();
  two = await GemmPool.create(arena, { threads: 2, worker: WORKER });
  one = await GemmPool.create(arena, { threads: 1 });
  helpersOnly = await GemmPool.create(new WeightArena(), { threads: 2, worker: WORKER, callerTakesChunks: false });
});

after(async () => {
  await Promise.all([two.close(), one.close(), helpersOnly.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

function resident(data: Float32Array | Uint16Array, dtype: 'f32' | 'bf16', shape: [number, number]): ResidentTensor {
  const tensor = arena.allocate(dtype, shape);
  arena.bytesOf(tensor).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return tensor;
}

// GPT-2-like shapes (768 → 2304 Conv1D, 3072 → 768), a vocabulary head at one row, and odd ones.
const CASES: readonly { n: number; k: number; m: number; layout: 'in-out' | 'out-in'; dtype: 'f32' | 'bf16' }[] = [
  { n: 64, k: 768, m: 2304, layout: 'in-out', dtype: 'f32' },
  { n: 37, k: 3072, m: 768, layout: 'in-out', dtype: 'bf16' },
  { n: 1, k: 768, m: 5003, layout: 'out-in', dtype: 'f32' },
  { n: 129, k: 200, m: 1000, layout: 'out-in', dtype: 'bf16' },
];

for (const { n, k, m, layout, dtype } of CASES) {
  test(`${n}×${k} · ${layout} ${dtype} weight → ${m}: 2 threads match the reference and equal 1 thread bit for bit`, () => {
    const x = matrix(n, k, randomFloats(n * k, n + k));
    const raw = randomFloats(k * m, m);
    const { bits, values } = dtype === 'bf16' ? toBF16(raw) : { bits: undefined, values: raw };
    const shape: [number, number] = layout === 'in-out' ? [k, m] : [m, k];
    const w = resident(bits ?? values, dtype, shape);
    const bias = randomFloats(m, 7);
    const wMatrix = matrix(shape[0], shape[1], values);
    const expected = layout === 'out-in' ? linearReference(x, wMatrix, bias) : matmulReference(x, wMatrix);
    if (layout === 'in-out') expected.data.forEach((_, at) => (expected.data[at]! += bias[at % m]!));
    const magnitude = layout === 'out-in' ? matmulTransposeBReference(abs(x), abs(wMatrix)) : matmulReference(abs(x), abs(wMatrix));
    const parallel = two.linear(x, w, layout, bias);
    assertWithinBound(parallel, expected, magnitude, k, `${n}×${k}→${m}`, bias);
    assert.deepEqual(parallel.data, one.linear(x, w, layout, bias).data, 'the split changes no bit');
  });
}

test('the helper computes: with the caller taking no chunk, every chunk is the helper\'s and the product is right', async () => {
  await assert.rejects(GemmPool.create(arena, { threads: 2, worker: WORKER }), /already has a pool with helper threads/);
  const [n, k, m] = [40, 300, 640];
  const a = randomFloats(n * k, 1), b = randomFloats(k * m, 2);
  const before = helpersOnly.chunksRun();
  const c = helpersOnly.product(a, n, k, b, m, false);
  const after = helpersOnly.chunksRun();
  assert.equal(after[0]! - before[0]!, 0, 'the caller ran no chunk');
  assert.ok(after[1]! - before[1]! >= 2, `the helper ran the chunks (${after[1]! - before[1]!})`);
  const am = matrix(n, k, a), bm = matrix(k, m, b);
  assertWithinBound(c, matmulReference(am, bm), matmulReference(abs(am), abs(bm)), k, 'helper only');
});

test('products in a row reuse the workspace: each result is its own copy', () => {
  const a1 = randomFloats(8 * 600, 3), a2 = randomFloats(8 * 600, 4), b = randomFloats(600 * 512, 5);
  const c1 = two.product(a1, 8, 600, b, 512, false);
  const snapshot = c1.data.slice();
  two.product(a2, 8, 600, b, 512, false);
  assert.deepEqual(c1.data, snapshot);
});

test('shape mistakes are refused with both shapes named', () => {
  const w = resident(randomFloats(6, 9), 'f32', [2, 3]);
  assert.throws(() => two.linear(matrix(1, 4), w, 'in-out'), /x is 1×4, W is 2×3 \(in-out\)/);
  assert.throws(() => two.linear(matrix(1, 2), w, 'in-out', new Float32Array(2)), /bias has 2 values, expected 3/);
});

test('an activation applied chunk by chunk on both threads equals applying it to the whole product afterwards, bit for bit', () => {
  const [n, k, m] = [48, 256, 1536];
  const x = matrix(n, k, randomFloats(n * k, 21));
  const w = resident(randomFloats(k * m, 22), 'f32', [k, m]);
  const bias = randomFloats(m, 23);
  for (const activation of ['gelu_new', 'gelu', 'silu', 'relu'] as const) {
    const fused = two.linear(x, w, 'in-out', bias, activation);
    const separate = one.linear(x, w, 'in-out', bias);
    applyActivation(separate.data, activation);
    assert.deepEqual(fused.data, separate.data, activation);
  }
});

// Attention heads on two threads: causal (GPT-2-like), grouped-query with a sliding window, and bidirectional (BERT).
const ATTENTION_CASES: readonly { n: number; spec: AttentionSpec }[] = [
  { n: 200, spec: { heads: 12, kvHeads: 12, headDim: 64, scale: 1 / 8, causal: true } },
  { n: 130, spec: { heads: 8, kvHeads: 2, headDim: 32, scale: 1 / Math.sqrt(32), causal: true, window: 50 } },
  { n: 100, spec: { heads: 4, kvHeads: 4, headDim: 64, scale: 1 / 8, causal: false } },
];

for (const { n, spec } of ATTENTION_CASES) {
  test(`attention heads on the pool (n=${n}, ${spec.heads}/${spec.kvHeads} heads, ${spec.causal ? 'causal' : 'bidirectional'}${spec.window ? `, window ${spec.window}` : ''}) equal the one-thread loop bit for bit`, () => {
    const { heads: H, kvHeads: KV, headDim: D } = spec;
    const q = matrix(n, H * D, randomFloats(n * H * D, 31)), k = matrix(n, KV * D, randomFloats(n * KV * D, 32)), v = matrix(n, KV * D, randomFloats(n * KV * D, 33));
    const expected: { scores: Float32Array; weights: Float32Array }[] = [];
    const context = groupedQueryAttention(q, k, v, spec, (_h, scores, weights) => expected.push({ scores: scores.data, weights: weights.data }));
    for (const pool of [two, helpersOnly]) {
      const before = pool.chunksRun();
      const heads = pool.attentionHeads(q, k, v, spec);
      assert.ok(heads, 'the pool takes heads of this size');
      assert.equal(heads.length, H);
      let checked = 0;
      heads.forEach((head, h) => {
        checked++;
        assert.deepEqual(head.scores.data, expected[h]!.scores, `scores of head ${h}`);
        assert.deepEqual(head.weights.data, expected[h]!.weights, `weights of head ${h}`);
        for (let i = 0; i < n; i++) {
          assert.deepEqual(head.context.data.subarray(i * D, (i + 1) * D), context.data.subarray(i * H * D + h * D, i * H * D + (h + 1) * D), `context of head ${h}, row ${i}`);
        }
      });
      assert.equal(checked, H, 'every head is there (no holes)');
      const after = pool.chunksRun();
      if (pool === helpersOnly) assert.equal(after[1]! - before[1]!, H, 'the helper attended every head');
    }
  });
}

test('the engine installed: a layer\'s attention runs on the pool and keeps every head in order', () => {
  const spec: AttentionSpec = { heads: 6, kvHeads: 6, headDim: 64, scale: 1 / 8, causal: true };
  const n = 150;
  const q = matrix(n, 384, randomFloats(n * 384, 41)), k = matrix(n, 384, randomFloats(n * 384, 42)), v = matrix(n, 384, randomFloats(n * 384, 43));
  const plain: Float32Array[] = [];
  const expected = groupedQueryAttention(q, k, v, spec, (_h, _s, w) => plain.push(w.data));
  const previous = setAttentionKernel({ heads: (a, b, c, s) => two.attentionHeads(a, b, c, s) });
  try {
    const seen: number[] = [];
    const got = groupedQueryAttention(q, k, v, spec, (h, _s, w) => {
      seen.push(h);
      assert.deepEqual(w.data, plain[h]);
    });
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(got.data, expected.data);
  } finally {
    setAttentionKernel(previous);
  }
});

/** A stand-in helper script: says 'ready' as the real one does, then `behaviour` (plain JS). */
function fakeHelper(name: string, behaviour: string): { script: string } {
  const script = path.join(dir, `${name}.js`);
  fs.writeFileSync(script, `require('node:worker_threads').parentPort.postMessage('ready');\n${behaviour}\n`);
  return { script };
}

test('a helper that dies between passes: the pool notices its exit and the caller computes alone, bit for bit', async () => {
  const pool = await GemmPool.create(new WeightArena(), { threads: 2, worker: fakeHelper('exits', 'setTimeout(() => process.exit(3), 20);'), minParallelWork: 0 });
  try {
    await new Promise((resolve) => setTimeout(resolve, 300)); // the 'exit' event arrives between passes
    const [n, k, m] = [33, 200, 700];
    const a = randomFloats(n * k, 5), b = randomFloats(k * m, 6);
    const got = pool.product(a, n, k, b, m, false);
    assert.deepEqual(got.data, one.product(a, n, k, b, m, false).data, 'the same bits as one thread');
    assert.ok(pool.usable, 'the pool stays in use, on one thread');
  } finally {
    await pool.close();
  }
});

test('a helper that never finishes its part: the caller gives up after the stall time with a clear error, and the engine then runs the core path', async () => {
  const { ParallelEngine } = await import('../../../src/model/parallel');
  const { loadModel } = await import('../../../src/model');
  const { forward } = await import('../../../src/core/models');
  const fixture = path.join(ROOT, 'test', 'fixtures', 'models', 'gpt2');
  const expected = forward(loadModel(fixture, { tokenizer: false }).model, [1, 2, 3, 4], { keep: 'scores+weights' });
  const engine = await ParallelEngine.start({
    threads: 2, callerTakesChunks: false, minParallelWork: 0, stallMs: 300,
    worker: fakeHelper('hangs', 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);'),
  });
  const restore = engine.install();
  try {
    const model = loadModel(fixture, { tokenizer: false, allocator: engine.allocator }).model;
    assert.throws(() => forward(model, [1, 2, 3, 4], { keep: 'scores+weights' }), /no helper thread finished its part for 0\.3 s .*one thread/);
    assert.equal(engine.pool.usable, false);
    const again = forward(model, [1, 2, 3, 4], { keep: 'scores+weights' });
    assert.deepEqual(again.layers[1]!.heads[2]!.weights!.data, expected.layers[1]!.heads[2]!.weights!.data, 'the core path, the same numbers');
    assert.deepEqual(again.next, expected.next);
  } finally {
    restore();
    await engine.close();
  }
});
