/**
 * The attention head run in WebAssembly (src/core/kernels/wasmAttention.ts + softmaxKernel.ts),
 * against float64 attention written out here and against attendHead's JS path: every mask
 * (full, causal, sliding window), lengths that are not multiples of 4 (the kernel's padding),
 * blocked causal heads, and the rows the kernel hands back (NaN, +∞, all −∞).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attendHead, type AttentionSpec } from '../../../../src/core/blocks/groupedQueryAttention';
import { matrix, setLinalgPath } from '../../../../src/core/linalg';
import { wasmGemmAvailable } from '../../../../src/core/kernels/wasmGemm';
import type { Matrix } from '../../../../src/core/types';

const fill = (n: number, D: number, seed: number): Matrix =>
  matrix(n, D, Float32Array.from({ length: n * D }, (_, i) => Math.sin(seed * 7.1 + i * 0.37) * 2));

/** Float64 attention: scores·scale, the mask, softmax with Math.exp, weights·v. */
function reference(q: Matrix, k: Matrix, v: Matrix, spec: AttentionSpec): { weights: number[][]; context: number[][] } {
  const n = q.rows, D = q.cols;
  const weights: number[][] = [], context: number[][] = [];
  for (let i = 0; i < n; i++) {
    const visible = (j: number): boolean => !spec.causal || (j <= i && (spec.window === undefined || j > i - spec.window));
    const scores = Array.from({ length: n }, (_, j) => {
      if (!visible(j)) return Number.NEGATIVE_INFINITY;
      let dot = 0;
      for (let d = 0; d < D; d++) dot += q.data[i * D + d]! * k.data[j * D + d]!;
      return dot * spec.scale;
    });
    const max = Math.max(...scores);
    const exps = scores.map((s) => Math.exp(s - max)), sum = exps.reduce((a, b) => a + b, 0);
    weights.push(exps.map((e) => e / sum));
    context.push(Array.from({ length: D }, (_, d) => exps.reduce((acc, e, j) => acc + (e / sum) * v.data[j * D + d]!, 0)));
  }
  return { weights, context };
}

function withPath<T>(path: 'wasm' | 'js', body: () => T): T {
  const previous = setLinalgPath(path);
  try {
    return body();
  } finally {
    setLinalgPath(previous);
  }
}

test('the wasm head equals float64 attention and the JS path for every mask and length', { skip: !wasmGemmAvailable() && 'no WebAssembly SIMD here' }, () => {
  const specs: AttentionSpec[] = [
    { heads: 1, kvHeads: 1, headDim: 0, scale: 1 / 8, causal: false },
    { heads: 1, kvHeads: 1, headDim: 0, scale: 1 / Math.sqrt(24), causal: true },
    { heads: 1, kvHeads: 1, headDim: 0, scale: 0.3, causal: true, window: 5 },
  ];
  for (const n of [1, 3, 4, 7, 33, 257, 301]) {
    for (const base of specs) {
      const D = base.causal ? 24 : 64, spec = { ...base, headDim: D };
      const q = fill(n, D, 1), k = fill(n, D, 2), v = fill(n, D, 3);
      const fast = withPath('wasm', () => attendHead(q, k, v, spec));
      const js = withPath('js', () => attendHead(q, k, v, spec));
      const ref = reference(q, k, v, spec);
      const label = `n=${n} causal=${spec.causal} window=${spec.window}`;
      let worstWeight = 0, worstContext = 0, worstVsJs = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const w = fast.weights.data[i * n + j]!, expected = ref.weights[i]![j]!;
          if (expected === 0) {
            assert.equal(w, 0, `${label}: masked weight [${i}][${j}] is exactly 0`);
            assert.equal(fast.scores.data[i * n + j], Number.NEGATIVE_INFINITY, `${label}: masked score [${i}][${j}]`);
          }
          worstWeight = Math.max(worstWeight, Math.abs(w - expected));
          worstVsJs = Math.max(worstVsJs, Math.abs(w - js.weights.data[i * n + j]!));
          if (expected !== 0) assert.ok(Math.abs(fast.scores.data[i * n + j]! - js.scores.data[i * n + j]!) <= 1e-5, `${label}: score [${i}][${j}]`);
        }
        for (let d = 0; d < D; d++) worstContext = Math.max(worstContext, Math.abs(fast.context.data[i * D + d]! - ref.context[i]![d]!));
      }
      assert.ok(worstWeight < 2e-6, `${label}: weights within ${worstWeight} of float64`);
      assert.ok(worstVsJs < 2e-6, `${label}: weights within ${worstVsJs} of the JS path`);
      assert.ok(worstContext < 1e-5, `${label}: context within ${worstContext} of float64`);
    }
  }
});

test('the wasm head hands back the rows softmax must finish: NaN refused with its place, +∞ shares, all −∞ stays 0', { skip: !wasmGemmAvailable() && 'no WebAssembly SIMD here' }, () => {
  const n = 9, D = 4;
  const spec: AttentionSpec = { heads: 1, kvHeads: 1, headDim: D, scale: 1, causal: false };
  const q = fill(n, D, 1), k = fill(n, D, 2), v = fill(n, D, 3);
  // Row 2 overflows to +∞ against keys whose first entry is positive; row 5 to −∞ against every key.
  const big = (row: number, value: number): void => { q.data.fill(0, row * D, (row + 1) * D); q.data[row * D] = value; };
  for (let j = 0; j < n; j++) k.data[j * D] = j % 3 === 0 ? 1e30 : j % 3 === 1 ? -1e30 : 2e30;
  big(2, 1e30);
  const head = withPath('wasm', () => attendHead(q, k, v, spec));
  const row2 = Array.from(head.weights.data.subarray(2 * n, 3 * n));
  const infinite = [...Array(n).keys()].filter((j) => j % 3 !== 1);
  for (let j = 0; j < n; j++) assert.equal(row2[j], infinite.includes(j) ? Math.fround(1 / infinite.length) : 0, `+∞ row, key ${j}`);
  // The other rows are ordinary softmax rows: each sums to 1.
  for (const i of [0, 1, 3, 8]) {
    const sum = head.weights.data.subarray(i * n, (i + 1) * n).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-6, `row ${i} sums to ${sum}`);
  }
  for (let j = 0; j < n; j++) k.data[j * D] = -1e30;
  big(5, 1e30);
  const allMasked = withPath('wasm', () => attendHead(q, k, v, spec));
  assert.deepEqual([...allMasked.weights.data.subarray(5 * n, 6 * n)], new Array(n).fill(0), 'a row of −∞ scores keeps weights 0');
  q.data[6 * D + 1] = Number.NaN;
  assert.throws(() => withPath('wasm', () => attendHead(q, k, v, spec)), /score \[6, 0\] is NaN/);
});
