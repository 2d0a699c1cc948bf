/**
 * The committed WebAssembly module is what its source builds today: a stale
 * src/core/kernels/simd.generated.ts (kernel source edited, `npm run build:kernels` not run) fails
 * here. Also checks the small pieces the embedding relies on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { decodeBase64, encodeBase64 } from '../../../src/core/kernels/base64';
import { buildGemmModule } from '../../../src/core/kernels/gemmKernel';
import { renderGeneratedModule } from '../../../src/core/kernels/generated';
import { RELAXED_FMA, SIMD128 } from '../../../src/core/kernels/gemmLayout';
import {
  GEMM_RELAXED_FMA_BASE64, GEMM_SHARED_RELAXED_FMA_BASE64, GEMM_SHARED_SIMD128_BASE64, GEMM_SIMD128_BASE64,
} from '../../../src/core/kernels/simd.generated';

const GENERATED = path.join(__dirname, '..', '..', '..', 'src', 'core', 'kernels', 'simd.generated.ts');

test('simd.generated.ts is up to date with gemmKernel.ts (else run `npm run build:kernels`)', () => {
  assert.equal(readFileSync(GENERATED, 'utf8'), renderGeneratedModule(),
    'src/core/kernels/simd.generated.ts is stale: run `npm run build:kernels` and commit the result');
  assert.deepEqual(decodeBase64(GEMM_SIMD128_BASE64), buildGemmModule(SIMD128));
  assert.deepEqual(decodeBase64(GEMM_RELAXED_FMA_BASE64), buildGemmModule(RELAXED_FMA));
  assert.deepEqual(decodeBase64(GEMM_SHARED_SIMD128_BASE64), buildGemmModule(SIMD128, undefined, 'imported-shared'));
  assert.deepEqual(decodeBase64(GEMM_SHARED_RELAXED_FMA_BASE64), buildGemmModule(RELAXED_FMA, undefined, 'imported-shared'));
});

test('the shared SIMD128 module imports a shared env.memory and exports gemmRange and gelu_new', () => {
  const module = new WebAssembly.Module(decodeBase64(GEMM_SHARED_SIMD128_BASE64));
  assert.deepEqual(WebAssembly.Module.exports(module).map((e) => `${e.kind}:${e.name}`).sort(), ['function:geluNew', 'function:gemmRange']);
  assert.deepEqual(WebAssembly.Module.imports(module).map((i) => `${i.kind}:${i.module}.${i.name}`), ['memory:env.memory']);
  // An unshared memory does not satisfy the import: the sharing is in the module, not assumed.
  assert.throws(() => new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: 1 }) } }));
});

test('the SIMD128 module is valid WebAssembly here, exporting memory, gemm, the attention softmax and gelu_new', () => {
  const bytes = decodeBase64(GEMM_SIMD128_BASE64);
  assert.ok(WebAssembly.validate(bytes));
  const exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => `${e.kind}:${e.name}`);
  assert.deepEqual(exports.sort(), ['function:geluNew', 'function:gemm', 'function:softmaxRows', 'memory:memory']);
});

test('the relaxed-FMA module differs from SIMD128 only by using f32x4.relaxed_madd (0xfd 0x85 0x02)', () => {
  const relaxed = decodeBase64(GEMM_RELAXED_FMA_BASE64), plain = decodeBase64(GEMM_SIMD128_BASE64);
  const hasOpcode = (bytes: Uint8Array, ...opcode: number[]): boolean =>
    bytes.some((_, i) => opcode.every((b, j) => bytes[i + j] === b));
  assert.ok(hasOpcode(relaxed, 0xfd, 0x85, 0x02));
  assert.ok(!hasOpcode(plain, 0xfd, 0x85, 0x02));
});

test('base64 round-trips every length modulo 3 and agrees with Node', () => {
  for (const length of [0, 1, 2, 3, 4, 5, 255, 256, 257]) {
    const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + length) & 0xff);
    const text = encodeBase64(bytes);
    assert.equal(text, Buffer.from(bytes).toString('base64'), `encode, length ${length}`);
    assert.deepEqual(decodeBase64(text), bytes, `decode, length ${length}`);
  }
  assert.throws(() => decodeBase64('AB$C'), /unexpected character/);
});
