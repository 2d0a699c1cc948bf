import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEmb } from '../../../src/emb/formats/text/parse';
import { EmbeddingStore } from '../../../src/emb/store';

test('lookup: exact first, then the lower-case form, then any case variant; −1 when absent', () => {
  const { store } = parseEmb('Apple 1 0\napple 0 1\nPARIS 1 1\nBerlin 2 2\n');
  assert.equal(store.indexOf('Apple'), 0);
  assert.equal(store.indexOf('APPLE'), -1);
  assert.equal(store.lookup('Apple'), 0, 'exact wins');
  assert.equal(store.lookup('APPLE'), 1, 'then the lower-case token');
  assert.equal(store.lookup('paris'), 2, 'then a token whose lower-case form matches');
  assert.equal(store.lookup('berlin'), 3);
  assert.equal(store.lookup('rome'), -1);
});

test('vector is a view into the rows\' block; rows copies into a Matrix', () => {
  const { store } = parseEmb('a 1 2\nb 3 4\nc 5 6\n');
  const b = store.vector(1);
  assert.deepEqual(Array.from(b), [3, 4]);
  assert.equal(b.buffer, store.blocks[0]!.buffer, 'no copy');
  const m = store.rows([2, 0, 2]);
  assert.deepEqual([m.rows, m.cols, Array.from(m.data)], [3, 2, [5, 6, 1, 2, 5, 6]]);
  assert.throws(() => store.vector(3), /outside 0..2/);
});

test('a store made by hand computes its norms and checks its shape', () => {
  const store = new EmbeddingStore({ name: 'x', dim: 2, tokens: ['a', 'b'], vectors: Float32Array.of(3, 4, 0, 0) });
  assert.deepEqual(Array.from(store.norms), [5, 0]);
  assert.equal(store.count, 2);
  assert.throws(() => new EmbeddingStore({ name: 'x', dim: 2, tokens: ['a', 'b'], vectors: Float32Array.of(1, 2, 3) }), /need 4 values, got 3/);
  assert.throws(() => new EmbeddingStore({ name: 'x', dim: 2, tokens: ['a'], vectors: Float32Array.of(1, 2), dimNames: ['x'] }), /1 dimension names for 2/);
});

test('memory: rows + norms + vocabulary stay within 1.2× the raw float32 size', () => {
  const lines: string[] = [];
  for (let i = 0; i < 20_000; i++) lines.push(`w${i} ${Array.from({ length: 50 }, (_, d) => ((i * 31 + d * 7) % 100) / 50 - 1).join(' ')}`);
  const { store } = parseEmb(lines.join('\n'));
  const raw = store.count * store.dim * 4;
  assert.equal(store.blocks.reduce((n, b) => n + b.length, 0), raw / 4);
  assert.ok(store.byteLength >= raw + store.norms.byteLength + store.vocabulary.byteLength);
  assert.ok(store.byteLength <= 1.2 * raw, `${store.byteLength} bytes held for ${raw} raw`);
});

test('a store made from a list refuses repeated tokens (one row per token)', () => {
  assert.throws(() => new EmbeddingStore({ name: 'x', dim: 1, tokens: ['a', 'b', 'a'], vectors: Float32Array.of(1, 2, 3) }), /the tokens repeat \(3 given, 2 distinct\)/);
});
