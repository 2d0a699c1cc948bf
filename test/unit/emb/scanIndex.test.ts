import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScanIndex, scanKernelSupported } from '../../../src/emb/scanIndex';
import { computeNorms } from '../../../src/emb/store';
import { generatedSource } from '../../../src/emb/wasm/build';
import { SCAN_WASM } from '../../../src/emb/wasm/scan.generated';
import { buildScanModule } from '../../../src/emb/wasm/scanKernel';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

test('the committed wasm module is byte for byte what scanKernel.ts builds', () => {
  const rebuilt = buildScanModule();
  assert.deepEqual(Array.from(SCAN_WASM), Array.from(rebuilt));
  const committed = readFileSync(path.join(__dirname, '..', '..', '..', 'src', 'emb', 'wasm', 'scan.generated.ts'), 'utf8');
  assert.equal(committed, generatedSource(rebuilt), 'run: node --import tsx src/emb/wasm/build.ts');
});

test('the SIMD kernel computes exact int32 dot products of int8 rows with an int16 query', () => {
  assert.equal(scanKernelSupported(), true);
  const wasm = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => { exports: Record<string, unknown> } } }).WebAssembly;
  const { exports } = new wasm.Instance(new wasm.Module(SCAN_WASM), {});
  const memory = exports.memory as { buffer: ArrayBuffer };
  const dots = exports.dots as (codes: number, query: number, out: number, count: number, stride: number) => void;
  const count = 50;
  const stride = 64;
  const codes = new Int8Array(memory.buffer, 0, count * stride);
  for (let i = 0; i < codes.length; i++) codes[i] = ((i * 7919) % 255) - 127;
  const query = new Int16Array(memory.buffer, count * stride, stride);
  for (let d = 0; d < stride; d++) query[d] = ((d * 104729) % 255) - 127;
  const outOffset = count * stride + stride * 2;
  dots(0, count * stride, outOffset, count, stride);
  const out = new Int32Array(memory.buffer, outOffset, count);
  for (let i = 0; i < count; i++) {
    let expected = 0;
    for (let d = 0; d < stride; d++) expected += codes[i * stride + d]! * query[d]!;
    assert.equal(out[i], expected, `row ${i}`);
  }
});

test('an index over rows of any width finds each row among its own candidates', () => {
  const dim = 37; // not a multiple of 16: exercises the zero padding
  const count = 101;
  const vectors = new Float32Array(count * dim);
  for (let i = 0; i < vectors.length; i++) vectors[i] = Math.sin(i * 12.9898) * 3;
  const norms = computeNorms(vectors, count, dim);
  const index = ScanIndex.build(vectors, norms, count, dim);
  assert.equal(index.stride, 48);
  for (let i = 0; i < count; i += 10) {
    const query = vectors.subarray(i * dim, (i + 1) * dim);
    const picked = index.candidates(query, 1, 'cosine');
    assert.ok(picked && Array.from(picked).includes(i), `row ${i} is among its own candidates`);
  }
  assert.equal(index.candidates(new Float32Array(dim), 1, 'cosine'), undefined, 'a zero query cannot be bounded');
});
