/**
 * The shared-memory GEMM (src/core/kernels/sharedGemm.ts): column ranges, both weight layouts,
 * float32 / float16 / bfloat16 weights, against the float64 reference loops of linalg.ts run on
 * the weights decoded by the IEEE-754 textbook formula (written out here, not the kernel's bit
 * trick). Tolerance is linalg.test.ts's worst-case bound for a float32 sum in any order:
 * |fast − reference| ≤ (γ_{k+1} + 2u) · (Σ_p |a_ip·b_pj| + |bias_j|).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linearReference, matmulReference, matmulTransposeBReference, matrix, type Matrix } from '../../../src/core';
import {
  DTYPE_BYTES, instantiateSharedGemm, THREAD_SCRATCH_BYTES, threadScratchAt, type SharedGemm, type WeightDtype,
} from '../../../src/core/kernels/sharedGemm';

const U = 2 ** -24;
const gamma = (k: number): number => (k * U) / (1 - k * U);

/** binary16 by its definition: (−1)^s · 2^(e − 15) · (1 + f/1024), subnormal 2^−14 · f/1024. */
function decodeF16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1, e = (bits >> 10) & 0x1f, f = bits & 0x3ff;
  if (e === 0) return sign * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (e - 15) * (1 + f / 1024);
}

/** bfloat16 by its definition: (−1)^s · 2^(e − 127) · (1 + f/128), subnormal 2^−126 · f/128. */
function decodeBF16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1, e = (bits >> 7) & 0xff, f = bits & 0x7f;
  if (e === 0) return sign * 2 ** -126 * (f / 128);
  if (e === 255) return f ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (e - 127) * (1 + f / 128);
}

/** mulberry32, so a failure reproduces. */
function stream(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A weight matrix as its raw elements (f32 values, or 16-bit patterns of magnitude 2⁻⁴…4) and its decoded values. */
function randomWeights(count: number, dtype: WeightDtype, seed: number): { raw: Float32Array | Uint16Array; values: Float32Array } {
  const next = stream(seed);
  if (dtype === 'f32') {
    const values = Float32Array.from({ length: count }, () => next() / 2 ** 31 - 1);
    return { raw: values, values };
  }
  const raw = new Uint16Array(count);
  for (let i = 0; i < count; i++) {
    const r = next();
    const sign = (r & 1) << 15;
    raw[i] = dtype === 'f16'
      ? sign | ((11 + ((r >>> 1) % 7)) << 10) | ((r >>> 4) & 0x3ff)
      : sign | ((123 + ((r >>> 1) % 7)) << 7) | ((r >>> 4) & 0x7f);
  }
  const decode = dtype === 'f16' ? decodeF16 : decodeBF16;
  return { raw, values: Float32Array.from(raw, decode) };
}

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  return matrix(rows, cols, randomWeights(rows * cols, 'f32', seed).values);
}

/** A shared memory with a bump allocator, the kernel over it, and one thread's scratch. */
class Arena {
  readonly memory = new WebAssembly.Memory({ initial: 64, maximum: 4096, shared: true });
  readonly gemm: SharedGemm;
  readonly scratch;
  private top = 0;

  constructor() {
    const gemm = instantiateSharedGemm(this.memory);
    assert.ok(gemm, 'the shared-memory kernel instantiates under Node');
    this.gemm = gemm;
    this.scratch = threadScratchAt(this.alloc(THREAD_SCRATCH_BYTES + 64));
  }

  alloc(bytes: number): number {
    const at = Math.ceil(this.top / 64) * 64;
    this.top = at + bytes;
    const have = this.memory.buffer.byteLength;
    if (this.top > have) this.memory.grow(Math.ceil((this.top - have) / 65536));
    return at;
  }

  put(data: Float32Array | Uint16Array, bytes = data.byteLength): number {
    const at = this.alloc(bytes);
    new Uint8Array(this.memory.buffer, at, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return at;
  }

  floats(at: number, count: number): Float32Array {
    return new Float32Array(this.memory.buffer, at, count).slice();
  }
}

function assertWithinBound(actual: Float32Array, expected: Matrix, magnitude: Matrix, k: number, label: string, bias?: Float32Array): void {
  const factor = gamma(k + 1) + 2 * U;
  for (let i = 0; i < expected.rows; i++) {
    for (let j = 0; j < expected.cols; j++) {
      const at = i * expected.cols + j;
      const got = actual[at]!, want = expected.data[at]!;
      const bound = factor * (magnitude.data[at]! + Math.abs(bias?.[j] ?? 0));
      if (!(Math.abs(got - want) <= bound)) {
        assert.fail(`${label}: entry (${i}, ${j}) is ${got}, reference ${want}, |diff| ${Math.abs(got - want)} > bound ${bound}`);
      }
    }
  }
}

const abs = (m: Matrix): Matrix => matrix(m.rows, m.cols, m.data.map(Math.abs));

// [n, k, m]: tiny, odd, around the 5/6 × 8 tile and the 256 × 256 blocks, and GPT-2-like widths.
const SHAPES: readonly (readonly [number, number, number])[] = [
  [1, 1, 8], [1, 7, 3], [3, 5, 7], [5, 8, 8], [6, 9, 17], [11, 3, 17], [17, 33, 40], [2, 257, 3], [9, 256, 257],
  [23, 257, 263], [7, 520, 530], [13, 64, 768],
];
const DTYPES: readonly WeightDtype[] = ['f32', 'f16', 'bf16'];

/** Column splits of m, each start a multiple of 8: one range, two, and uneven thirds. */
function splits(m: number): number[][] {
  const cut = (f: number): number => Math.min(m, Math.max(8, Math.floor((m * f) / 8) * 8));
  const two = cut(0.5), third = cut(0.3), twoThirds = cut(0.8);
  return [[0, m], [0, two, m], [0, third, twoThirds, m]].map((edges) => [...new Set(edges)].sort((a, b) => a - b));
}

for (const dtype of DTYPES) {
  for (const transB of [false, true]) {
    const layout = transB ? 'B [m, k] (nn.Linear)' : 'B [k, m] (Conv1D)';
    test(`${dtype}, ${layout}: every column range of C matches the reference within the float32 bound`, () => {
      const arena = new Arena();
      SHAPES.forEach(([n, k, m], s) => {
        const a = randomMatrix(n, k, 10 + s);
        const w = randomWeights(k * m, dtype, 100 + s);
        const bias = randomMatrix(1, m, 1000 + s).data;
        const wMatrix = matrix(transB ? m : k, transB ? k : m, w.values);
        const expected = transB ? linearReference(a, wMatrix, bias) : matmulReference(a, wMatrix);
        if (!transB) expected.data.forEach((_, at) => (expected.data[at]! += bias[at % m]!));
        const magnitude = transB ? matmulTransposeBReference(abs(a), abs(wMatrix)) : matmulReference(abs(a), abs(wMatrix));
        const paddedBias = new Float32Array(Math.ceil(m / 8) * 8);
        paddedBias.set(bias);
        const op = {
          a: arena.put(a.data), b: arena.put(w.raw, k * m * DTYPE_BYTES[dtype]), bias: arena.put(paddedBias),
          c: arena.alloc(n * m * 4), n, k, m, transB, dtype,
        };
        for (const edges of splits(m)) {
          new Float32Array(arena.memory.buffer, op.c, n * m).fill(Number.NaN);
          for (let r = 0; r + 1 < edges.length; r++) arena.gemm.gemmRange(op, edges[r]!, edges[r + 1]!, arena.scratch);
          assertWithinBound(arena.floats(op.c, n * m), expected, magnitude, k,
            `${dtype} ${layout} ${n}×${k}·${k}×${m} split at ${edges.join(',')}`, bias);
        }
      });
    });
  }
}

test('a range computes its own columns and leaves every other column of C untouched', () => {
  const arena = new Arena();
  const [n, k, m] = [7, 20, 40];
  const a = randomMatrix(n, k, 1), w = randomMatrix(k, m, 2);
  const op = { a: arena.put(a.data), b: arena.put(w.data), bias: arena.put(new Float32Array(40)), c: arena.alloc(n * m * 4), n, k, m, transB: false, dtype: 'f32' as const };
  new Float32Array(arena.memory.buffer, op.c, n * m).fill(-7);
  arena.gemm.gemmRange(op, 16, 29, arena.scratch);
  const c = arena.floats(op.c, n * m), expected = matmulReference(a, w);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      if (j >= 16 && j < 29) assert.ok(Math.abs(c[i * m + j]! - expected.data[i * m + j]!) < 1e-5, `(${i}, ${j}) computed`);
      else assert.equal(c[i * m + j], -7, `(${i}, ${j}) outside [16, 29) untouched`);
    }
  }
  assert.throws(() => arena.gemm.gemmRange(op, 4, 8, arena.scratch), /multiple of 8/);
});

for (const [dtype, decode] of [['f16', decodeF16], ['bf16', decodeBF16]] as const) {
  test(`${dtype}: all 65,536 bit patterns widen to the value the format defines (both packers)`, () => {
    const arena = new Arena();
    const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const one = arena.put(Float32Array.of(1));
    const bias = arena.put(new Float32Array(65536));
    const b = arena.put(bits);
    for (const transB of [false, true]) {
      // C[0, j] = 0 + 1 · B[j]: k = 1, so C holds each widened weight (−0 becomes +0 through the zero bias).
      const op = { a: one, b, bias, c: arena.alloc(65536 * 4), n: 1, k: 1, m: 65536, transB, dtype };
      arena.gemm.gemmRange(op, 0, 65536, arena.scratch);
      const c = arena.floats(op.c, 65536);
      for (let i = 0; i < 65536; i++) {
        const want = decode(i), got = c[i]!;
        if (Number.isNaN(want)) assert.ok(Number.isNaN(got), `${dtype} 0x${i.toString(16)}: NaN expected, got ${got}`);
        else if (got !== (want === 0 ? 0 : want)) assert.fail(`${dtype} 0x${i.toString(16)} (transB ${transB}): ${got}, expected ${want}`);
      }
    }
  });
}

test('two instances over one memory (one per thread) compute disjoint halves of one product', () => {
  const arena = new Arena();
  const other = instantiateSharedGemm(arena.memory);
  assert.ok(other);
  const otherScratch = threadScratchAt(arena.alloc(THREAD_SCRATCH_BYTES + 64));
  const [n, k, m] = [33, 300, 264];
  const a = randomMatrix(n, k, 5), w = randomWeights(m * k, 'f16', 6);
  const op = { a: arena.put(a.data), b: arena.put(w.raw), bias: arena.put(new Float32Array(264)), c: arena.alloc(n * m * 4), n, k, m, transB: true, dtype: 'f16' as const };
  arena.gemm.gemmRange(op, 0, 128, arena.scratch);
  other.gemmRange(op, 128, m, otherScratch);
  const wMatrix = matrix(m, k, w.values);
  assertWithinBound(arena.floats(op.c, n * m), linearReference(a, wMatrix), matmulTransposeBReference(abs(a), abs(wMatrix)), k, 'halves');
});
