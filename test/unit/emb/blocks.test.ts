/**
 * A store whose rows live in several blocks (as sets above 1 GiB of floats do): every row read,
 * the norms, and exact neighbours across block boundaries, against an independent flat copy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uniform01 } from '../../../src/core/random';
import { nearest, neighborIndexOf, rankInDimension } from '../../../src/emb/neighbors';
import { allocateRows } from '../../../src/emb/rowMemory';
import { EmbeddingStore, copyAllRows } from '../../../src/emb/store';

function blockedStore(count: number, dim: number, per: number) {
  const random = uniform01(99);
  const flat = Float32Array.from({ length: count * dim }, () => random() * 2 - 1);
  const blocks: Float32Array[] = [];
  for (let start = 0; start < count; start += per) {
    const rows = Math.min(per, count - start);
    const block = allocateRows(rows, dim);
    block.set(flat.subarray(start * dim, (start + rows) * dim));
    blocks.push(block);
  }
  const store = new EmbeddingStore({ name: 'blocks', dim, tokens: Array.from({ length: count }, (_, i) => `t${i}`), vectors: blocks, rowsPerBlock: per });
  return { store, flat };
}

test('rows, values, norms and copies read the right block', () => {
  const { store, flat } = blockedStore(1000, 7, 128);
  assert.equal(store.blocks.length, 8);
  assert.deepEqual(Array.from(copyAllRows(store)), Array.from(flat));
  for (const i of [0, 127, 128, 129, 511, 999]) {
    assert.deepEqual(Array.from(store.vector(i)), Array.from(flat.subarray(i * 7, i * 7 + 7)), `row ${i}`);
    assert.equal(store.value(i, 3), flat[i * 7 + 3]);
    let sum = 0;
    for (let d = 0; d < 7; d++) sum += flat[i * 7 + d]! ** 2;
    assert.equal(store.norms[i], Math.fround(Math.sqrt(sum)));
  }
  assert.throws(() => new EmbeddingStore({ name: 'x', dim: 7, tokens: ['a', 'b', 'c'], vectors: [allocateRows(2, 7)], rowsPerBlock: 2 }), /need 21 values/);
});

test('neighbours across blocks (the SIMD pre-scan over every block) equal a flat brute-force scan', () => {
  const { store, flat } = blockedStore(40_000, 16, 6_000);
  assert.ok(neighborIndexOf(store), 'the blocks are in the kernel memory, so the pre-scan runs');
  const random = uniform01(7);
  for (let q = 0; q < 12; q++) {
    const i = Math.floor(random() * store.count);
    const query = store.vector(i);
    const measure = (['cosine', 'dot', 'scaled'] as const)[q % 3]!;
    const got = nearest(store, query, 10, measure, new Set([i]));
    const qn = Math.sqrt(query.reduce((s, v) => s + v * v, 0));
    const all: { index: number; score: number }[] = [];
    for (let r = 0; r < store.count; r++) {
      if (r === i) continue;
      let dot = 0;
      let nn = 0;
      for (let d = 0; d < 16; d++) {
        dot += query[d]! * flat[r * 16 + d]!;
        nn += flat[r * 16 + d]! ** 2;
      }
      const score = measure === 'dot' ? dot : measure === 'scaled' ? dot / 4 : dot / (qn * Math.fround(Math.sqrt(nn)));
      all.push({ index: r, score });
    }
    all.sort((a, b) => b.score - a.score || a.index - b.index);
    assert.deepEqual(got.map((n) => n.index), all.slice(0, 10).map((n) => n.index), `${measure} query ${i}`);
  }
  const { rank } = rankInDimension(store, 2, 0);
  assert.equal(rank, 1 + Array.from({ length: store.count }, (_, r) => flat[r * 16 + 2]!).filter((v) => v > flat[2]!).length);
});
