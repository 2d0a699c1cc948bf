/**
 * The fast products (WebAssembly SIMD and register-blocked JS) against the float64 reference.
 *
 * Tolerance, per entry, is the worst-case bound for a floating-point sum in any order
 * (Higham, Accuracy and Stability of Numerical Algorithms, §3.1): a k-term dot product computed in
 * float32 is off from the exact value by at most γ_k · Σ_p |a_ip·b_pj|, γ_k = k·u / (1 − k·u),
 * u = 2⁻²⁴. The reference is the exact value to float64 precision, rounded once to float32 (one
 * more u·|c|, two with a bias added after rounding); a bias fused into the fast sum is one more
 * term. So |fast − reference| ≤ (γ_{k+1} + 2u) · (Σ_p |a_ip·b_pj| + |bias_j|). It is a bound, not
 * a statistical guess: it holds for every input and every blocking, and a real kernel bug (a lost
 * or doubled term, a wrong column) breaks it by orders of magnitude — see the last test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import {
  kernelFor, linear, linearReference, matmul, matmulReference, matmulTransposeB, matmulTransposeBReference, matrix,
  setLinalgPath, type LinalgPath, type Matrix, ShapeError,
} from '../../../src/core';
import {
  selectWasmVariant, wasmGemmAvailable, wasmGemmVariant, wasmMemoryBytes, type WasmVariantChoice,
} from '../../../src/core/kernels/wasmGemm';

// The wasm kernel has two builds (SIMD128, and relaxed-SIMD FMA where the engine has it). This file
// tests the one the engine picks, then re-runs itself in a child for the other (last test).
const FORCED_VARIANT = process.env.HEADLIGHT_LINALG_VARIANT as WasmVariantChoice | undefined;
if (FORCED_VARIANT) assert.equal(selectWasmVariant(FORCED_VARIANT), FORCED_VARIANT, `the ${FORCED_VARIANT} build must load here`);

const U = 2 ** -24;
const gamma = (k: number): number => (k * U) / (1 - k * U);

/** Deterministic uniform [-1, 1) values (mulberry32), so a failure reproduces. */
function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  let state = seed >>> 0;
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    data[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return matrix(rows, cols, data);
}

const abs = (m: Matrix): Matrix => matrix(m.rows, m.cols, m.data.map(Math.abs));

/** Asserts |actual − expected| ≤ (γ_{k+1} + 2u)·(magnitude + |bias|) entry by entry. */
function assertWithinBound(actual: Matrix, expected: Matrix, magnitude: Matrix, k: number, label: string, bias?: Float32Array): void {
  assert.equal(actual.rows, expected.rows, `${label}: rows`);
  assert.equal(actual.cols, expected.cols, `${label}: cols`);
  const factor = gamma(k + 1) + 2 * U;
  for (let i = 0; i < expected.rows; i++) {
    for (let j = 0; j < expected.cols; j++) {
      const at = i * expected.cols + j;
      const got = actual.data[at]!, want = expected.data[at]!;
      const bound = factor * (magnitude.data[at]! + Math.abs(bias?.[j] ?? 0));
      if (!(Math.abs(got - want) <= bound)) {
        assert.fail(`${label}: entry (${i}, ${j}) is ${got}, reference ${want}, |diff| ${Math.abs(got - want)} > bound ${bound}`);
      }
    }
  }
}

/** Runs `body` with a forced path, restoring the previous one even when it throws. */
function withPath(path: LinalgPath, body: () => void): void {
  const previous = setLinalgPath(path);
  try {
    body();
  } finally {
    setLinalgPath(previous);
  }
}

// [n, k, m]: degenerate, odd, around the 5 × 8 register tile, the 256-deep / 256-wide blocks, and
// the attention shapes (QKᵀ with d_k = 50, weights·V, projections).
const SHAPES: readonly (readonly [number, number, number])[] = [
  [1, 1, 1], [1, 7, 1], [3, 5, 7], [4, 8, 8], [5, 8, 8], [6, 9, 9], [11, 3, 17], [17, 33, 19], [17, 33, 33],
  [16, 100, 100], [2, 257, 3], [9, 256, 257], [64, 50, 64], [128, 300, 300], [128, 128, 50], [23, 257, 263], [7, 520, 530],
];

const FAST_PATHS: readonly LinalgPath[] = ['auto', 'wasm', 'js'];

test('WebAssembly SIMD is available under Node, and auto picks it for all but tiny products', () => {
  assert.equal(wasmGemmAvailable(), true);
  assert.equal(kernelFor(128, 300, 300), 'wasm');
  assert.equal(kernelFor(2, 3, 2), 'js');
  assert.equal(kernelFor(4, 0, 4), 'js', 'an empty inner width never reaches the wasm kernel');
});

for (const path of FAST_PATHS) {
  test(`${path}: matmul and matmulTransposeB match the reference within the float32 bound`, () => {
    withPath(path, () => {
      SHAPES.forEach(([n, k, m], s) => {
        const a = randomMatrix(n, k, 11 + s), b = randomMatrix(k, m, 101 + s), bRows = randomMatrix(m, k, 1001 + s);
        assertWithinBound(matmul(a, b), matmulReference(a, b), matmulReference(abs(a), abs(b)), k, `${path} matmul ${n}×${k}·${k}×${m}`);
        assertWithinBound(matmulTransposeB(a, bRows), matmulTransposeBReference(a, bRows), matmulTransposeBReference(abs(a), abs(bRows)), k,
          `${path} matmulTransposeB ${n}×${k}·(${m}×${k})ᵀ`);
      });
    });
  });

  test(`${path}: linear with a bias gives the reference's Float32 result within the bound`, () => {
    withPath(path, () => {
      SHAPES.forEach(([n, k, m], s) => {
        const x = randomMatrix(n, k, 7 + s), w = randomMatrix(m, k, 70 + s), bias = randomMatrix(1, m, 700 + s).data;
        const y = linear(x, w, bias);
        assert.ok(y.data instanceof Float32Array);
        assertWithinBound(y, linearReference(x, w, bias), matmulTransposeBReference(abs(x), abs(w)), k, `${path} linear ${n}×${k} → ${m}`, bias);
        assertWithinBound(linear(x, w), linearReference(x, w), matmulTransposeBReference(abs(x), abs(w)), k, `${path} linear without bias`);
      });
    });
  });
}

test('hand-worked product: [[1, 2, 3], [4, 5, 6]] · [[7, 8], [9, 10], [11, 12]] = [[58, 64], [139, 154]]', () => {
  const a = matrix(2, 3, Float32Array.from([1, 2, 3, 4, 5, 6]));
  const b = matrix(3, 2, Float32Array.from([7, 8, 9, 10, 11, 12]));
  const bRows = matrix(2, 3, Float32Array.from([7, 9, 11, 8, 10, 12]));
  for (const path of ['reference', 'js', 'wasm'] as const) {
    withPath(path, () => {
      assert.deepEqual(Array.from(matmul(a, b).data), [58, 64, 139, 154], path);
      assert.deepEqual(Array.from(matmulTransposeB(a, bRows).data), [58, 64, 139, 154], path);
      assert.deepEqual(Array.from(linear(a, bRows, Float32Array.from([0.5, -1])).data), [58.5, 63, 139.5, 153], path);
    });
  }
});

test('an inner width of 0 gives the bias (or zeros) on every path', () => {
  const x = matrix(3, 0), w = matrix(2, 0);
  for (const path of ['reference', 'js', 'wasm', 'auto'] as const) {
    withPath(path, () => {
      assert.deepEqual(Array.from(linear(x, w, Float32Array.from([1, 2])).data), [1, 2, 1, 2, 1, 2], path);
      assert.deepEqual(Array.from(matmul(matrix(2, 0), matrix(0, 3)).data), [0, 0, 0, 0, 0, 0], path);
    });
  }
});

test('NaN and ±Infinity stay in the rows they belong to (padding never leaks into real entries)', () => {
  for (const path of ['js', 'wasm'] as const) {
    withPath(path, () => {
      const a = randomMatrix(13, 21, 31), b = randomMatrix(21, 11, 32);
      a.data[2 * 21 + 3] = Number.NaN;
      a.data[5 * 21 + 1] = Number.POSITIVE_INFINITY;
      const fast = matmul(a, b), reference = matmulReference(a, b);
      for (let i = 0; i < 13; i++) {
        for (let j = 0; j < 11; j++) {
          const got = fast.data[i * 11 + j]!, want = reference.data[i * 11 + j]!;
          if (!Number.isFinite(want)) assert.ok(Object.is(got, want), `${path} (${i}, ${j}): ${got}, reference ${want}`);
          else assert.ok(Number.isFinite(got), `${path} (${i}, ${j}) should be finite, got ${got}`);
        }
      }
    });
  }
});

test('results are fresh arrays: a later product does not overwrite an earlier one', () => {
  withPath('wasm', () => {
    const a = randomMatrix(20, 30, 1), b = randomMatrix(30, 40, 2);
    const first = matmul(a, b);
    const snapshot = Float32Array.from(first.data);
    matmul(randomMatrix(20, 30, 3), randomMatrix(30, 40, 4));
    assert.deepEqual(first.data, snapshot);
  });
});

test('wasm memory grows to the largest product once and is reused, not grown per call', () => {
  withPath('wasm', () => {
    const big = [randomMatrix(200, 300, 5), randomMatrix(300, 400, 6)] as const;
    matmul(...big);
    const afterBig = wasmMemoryBytes();
    for (let i = 0; i < 5; i++) {
      matmul(...big);
      matmul(randomMatrix(10, 20, 7 + i), randomMatrix(20, 30, 8 + i));
    }
    assert.equal(wasmMemoryBytes(), afterBig);
    const result = matmul(...big);
    assertWithinBound(result, matmulReference(...big), matmulReference(abs(big[0]), abs(big[1])), 300, 'after reuse');
  });
});

test('shape errors name both shapes on every path', () => {
  for (const path of ['reference', 'js', 'wasm'] as const) {
    withPath(path, () => {
      assert.throws(() => matmul(matrix(2, 3), matrix(4, 2)), { name: 'ShapeError', message: /A is 2×3 and B is 4×2/ });
      assert.throws(() => matmulTransposeB(matrix(2, 3), matrix(4, 2)), ShapeError);
      assert.throws(() => linear(matrix(2, 3), matrix(4, 3), new Float32Array(3)), { message: /bias has 3 values, expected 4/ });
    });
  }
});

test('the bound is tight enough to catch a kernel bug: one dropped term fails it', () => {
  const a = randomMatrix(17, 33, 21), b = randomMatrix(33, 19, 22);
  const wrong = matmulReference(matrix(17, 32, Float32Array.from({ length: 17 * 32 }, (_, i) => a.data[Math.floor(i / 32) * 33 + (i % 32)]!)),
    matrix(32, 19, b.data.subarray(0, 32 * 19)));
  assert.throws(() => assertWithinBound(wrong, matmulReference(a, b), matmulReference(abs(a), abs(b)), 33, 'dropped term'), /bound/);
});

test('an engine without WebAssembly SIMD falls back to the JS kernel, still correct', { skip: FORCED_VARIANT !== undefined }, () => {
  const script = [
    // An engine without SIMD refuses the module at validate(); tsx itself still needs WebAssembly.
    'WebAssembly.validate = () => false;',
    "const l = require('./src/core/linalg.ts');",
    'const a = l.matrix(40, 30, Float32Array.from({ length: 1200 }, (_, i) => Math.sin(i)));',
    'const b = l.matrix(50, 30, Float32Array.from({ length: 1500 }, (_, i) => Math.cos(i)));',
    'const fast = l.matmulTransposeB(a, b).data, ref = l.matmulTransposeBReference(a, b).data;',
    'const worst = Math.max(...fast.map((v, i) => Math.abs(v - ref[i])));',
    'console.log(JSON.stringify({ kernel: l.kernelFor(40, 30, 50), name: l.fastKernelName(), worst }));',
  ].join('\n');
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--eval', script], { cwd: path.join(__dirname, '..', '..', '..'), encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr.slice(-2000));
  const result = JSON.parse(run.stdout) as { kernel: string; name: string; worst: number };
  assert.deepEqual([result.kernel, result.name], ['js', 'js']);
  assert.ok(result.worst <= 30 * 2 ** -24 * 30, `JS kernel off by ${result.worst}`);
});

test('the other wasm build passes this whole file too (re-run in a child Node)', { skip: FORCED_VARIANT !== undefined }, () => {
  // Node 20 validates relaxed SIMD only behind a flag; Node ≥ 22 and Electron have it by default,
  // and then the build to re-run is the portable SIMD128 one.
  const other = wasmGemmVariant() === 'relaxed-fma' ? 'simd128' : 'relaxed-fma';
  const flags = other === 'relaxed-fma' ? ['--experimental-wasm-relaxed-simd'] : [];
  // Without NODE_TEST_CONTEXT, which would make the child report to this runner instead of stdout.
  const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
  const run = spawnSync(process.execPath, [...flags, '--import', 'tsx', '--test', '--test-reporter=tap', __filename], {
    env: { ...env, HEADLIGHT_LINALG_VARIANT: other }, encoding: 'utf8',
  });
  assert.equal(run.status, 0, `${other} build failed:\n${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /# pass [1-9]/);
  assert.match(run.stdout, /# fail 0/);
});
