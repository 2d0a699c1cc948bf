import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { allocateRows, scanKernelSupported, scanMemoryOf } from '../../../src/emb/rowMemory';
import { generatedSource } from '../../../src/emb/wasm/build';
import { SCAN_SHARED_WASM, SCAN_WASM } from '../../../src/emb/wasm/scan.generated';
import { buildScanModule } from '../../../src/emb/wasm/scanKernel';

test('the committed wasm module is byte for byte what scanKernel.ts builds', () => {
  const rebuilt = buildScanModule('own');
  const shared = buildScanModule('imported-shared');
  assert.deepEqual(Array.from(SCAN_WASM), Array.from(rebuilt));
  assert.deepEqual(Array.from(SCAN_SHARED_WASM), Array.from(shared));
  const committed = readFileSync(path.join(__dirname, '..', '..', '..', 'src', 'emb', 'wasm', 'scan.generated.ts'), 'utf8');
  assert.equal(committed, generatedSource(rebuilt, shared), 'run: node --import tsx src/emb/wasm/build.ts');
});

test('the SIMD kernel computes float32 dot products of rows of every width within the stated bound', () => {
  assert.equal(scanKernelSupported(), true);
  for (const dim of [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 100, 301]) {
    const count = 23;
    const rows = allocateRows(count, dim);
    for (let i = 0; i < rows.length; i++) rows[i] = Math.sin(i * 12.9898) * 3;
    const memory = scanMemoryOf(rows.subarray(dim));
    assert.ok(memory, 'a view on the rows finds its kernel');
    const query = new Float32Array(memory.memory.buffer, memory.queryOffset, dim);
    for (let d = 0; d < dim; d++) query[d] = Math.cos(d * 0.37) - 0.2;
    memory.dots(rows.byteOffset, memory.queryOffset, memory.scoresOffset, count, dim);
    const out = new Float32Array(memory.memory.buffer, memory.scoresOffset, count);
    const m = Math.ceil(dim / 8) + 8;
    const gamma = (m * 2 ** -24) / (1 - m * 2 ** -24);
    for (let i = 0; i < count; i++) {
      let exact = 0;
      let magnitude = 0;
      for (let d = 0; d < dim; d++) {
        exact += rows[i * dim + d]! * query[d]!;
        magnitude += Math.abs(rows[i * dim + d]! * query[d]!);
      }
      assert.ok(Math.abs(out[i]! - exact) <= gamma * magnitude, `dim ${dim} row ${i}: ${out[i]} vs ${exact}`);
    }
  }
});
