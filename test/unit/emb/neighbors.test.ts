import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { uniform01 } from '../../../src/core/random';
import type { Measure } from '../../../src/core/types';
import { INDEX_MIN_VALUES, analogy, nearest, neighborIndexOf, prepareNeighborIndex, rankInDimension } from '../../../src/emb/neighbors';
import { parseEmb, parseEmbBytes } from '../../../src/emb/formats/text/parse';
import { FloatScan } from '../../../src/emb/floatScan';
import { allocateRows } from '../../../src/emb/rowMemory';
import { EmbeddingStore } from '../../../src/emb/store';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'emb');

function randomStore(
  count: number,
  dim: number,
  seed: number,
  shape: (random: () => number, i: number, d: number) => number,
  edit?: (vectors: Float32Array) => void,
): EmbeddingStore {
  const random = uniform01(seed);
  // In the scan kernel's memory, as the loaders allocate rows (rowMemory.ts).
  const vectors = allocateRows(count, dim);
  for (let i = 0; i < count; i++) for (let d = 0; d < dim; d++) vectors[i * dim + d] = shape(random, i, d);
  edit?.(vectors);
  return new EmbeddingStore({ name: 'random', dim, tokens: Array.from({ length: count }, (_, i) => `t${i}`), vectors });
}

/** Brute force, written independently: every row, float64, sorted by score then index. */
function bruteForce(store: EmbeddingStore, query: Float32Array, k: number, measure: Measure, exclude: ReadonlySet<number> = new Set()) {
  const qn = Math.sqrt(query.reduce((s, v) => s + v * v, 0));
  const all: { index: number; score: number }[] = [];
  for (let i = 0; i < store.count; i++) {
    if (exclude.has(i)) continue;
    const row = store.vector(i);
    let dot = 0;
    for (let d = 0; d < store.dim; d++) dot += query[d]! * row[d]!;
    const score = measure === 'dot' ? dot : measure === 'scaled' ? dot / Math.sqrt(store.dim) : qn * store.norms[i]! === 0 ? 0 : dot / (qn * store.norms[i]!);
    all.push({ index: i, score });
  }
  return all.sort((a, b) => b.score - a.score || a.index - b.index).slice(0, k);
}

test('nearest on the deck table: cosine, dot and scaled, self excluded', () => {
  const { store } = parseEmb('\tTech\tFruitness\tOther\nOrange\t0\t3\t0\nPhone\t4\t0\t0\nApple\t2\t2\t0\nAnd\t0\t0\t2\nAn\t0\t0\t3\n');
  const apple = store.indexOf('Apple');
  const byCosine = nearest(store, store.vector(apple), 2, 'cosine', new Set([apple]));
  assert.deepEqual(byCosine.map((n) => n.token), ['Orange', 'Phone'], 'ties broken by file order');
  assert.ok(Math.abs(byCosine[0]!.score - Math.SQRT1_2) < 1e-12);
  const cherries = parseEmb('Cherries 1 4\nTomato 0 3\nSmartphone 3 0\n').store;
  const dot = nearest(cherries, cherries.vector(0), 3, 'dot');
  assert.deepEqual(dot.map((n) => [n.token, n.score]), [['Cherries', 17], ['Tomato', 12], ['Smartphone', 3]]);
  const scaled = nearest(cherries, cherries.vector(0), 2, 'scaled', new Set([0]));
  assert.equal(scaled[0]!.score.toFixed(2), '8.49');
  assert.equal(scaled[1]!.score.toFixed(2), '2.12');
});

test('nearest: k larger than the set, k = 0, a zero query, a zero row', () => {
  const { store } = parseEmb('a 1 0\nb 0 0\nc 0 1\n');
  assert.equal(nearest(store, store.vector(0), 10, 'cosine').length, 3);
  assert.deepEqual(nearest(store, store.vector(0), 0, 'cosine'), []);
  const zero = nearest(store, new Float32Array(2), 3, 'cosine');
  assert.deepEqual(zero.map((n) => n.score), [0, 0, 0]);
  assert.ok(nearest(store, store.vector(0), 3, 'cosine').every((n) => Number.isFinite(n.score)));
  assert.throws(() => nearest(store, new Float32Array(3), 1, 'cosine'), /3 values, the embeddings 2/);
});

test('nearest equals a brute-force scan on small sets (plain path), all measures', () => {
  const store = randomStore(500, 12, 1, (r) => r() * 2 - 1);
  const random = uniform01(2);
  for (const measure of ['cosine', 'dot', 'scaled'] as const) {
    for (let q = 0; q < 20; q++) {
      const i = Math.floor(random() * store.count);
      const got = nearest(store, store.vector(i), 7, measure, new Set([i]));
      assert.deepEqual(got.map((n) => [n.index, n.score]), bruteForce(store, store.vector(i), 7, measure, new Set([i])).map((n) => [n.index, n.score]));
    }
  }
});

test('big sets use the SIMD pre-scan and still equal the brute-force scan exactly (ties, zero rows, scales)', () => {
  const count = 24_000;
  const dim = 16;
  assert.ok(count * dim >= INDEX_MIN_VALUES);
  // Clustered rows, with exact duplicates (ties), zero rows, and rows of very different magnitude.
  const store = randomStore(count, dim, 3, (r, i, d) => {
    if (i % 997 === 0) return 0;
    const cluster = (i % 40) / 40;
    const magnitude = i % 13 === 0 ? 1e-3 : i % 17 === 0 ? 1e3 : 1;
    const value = Math.sin((cluster + 0.1) * (d + 1) * 7) + (i % 500 === 1 ? 0 : (r() - 0.5) * 0.2);
    return value * magnitude;
  }, (vectors) => {
    for (let i = 1; i < count; i += 500) vectors.copyWithin((i + 1) * dim, i * dim, (i + 1) * dim); // duplicates
  });
  for (const _ of prepareNeighborIndex(store)) void _;
  assert.ok(neighborIndexOf(store), 'the index was built');
  const random = uniform01(4);
  for (const measure of ['cosine', 'dot', 'scaled'] as const) {
    for (let q = 0; q < 15; q++) {
      const i = Math.floor(random() * count);
      const query = q % 5 === 4 ? Float32Array.from({ length: dim }, () => random() - 0.5) : store.vector(i);
      const k = [1, 10, 50][q % 3]!;
      const exclude = new Set([i, (i + 1) % count]);
      const got = nearest(store, query, k, measure, exclude);
      const expected = bruteForce(store, query, k, measure, exclude);
      assert.deepEqual(got.map((n) => [n.index, n.score]), expected.map((n) => [n.index, n.score]), `${measure} query ${i} k ${k}`);
    }
  }
});

test('the pre-scan candidate set always holds the exact top-k (random data, many queries)', () => {
  const store = randomStore(3000, 40, 5, (r) => (r() + r() + r() - 1.5) * (r() < 0.1 ? 5 : 1));
  const index = FloatScan.of(store);
  assert.ok(index, 'the rows are in the kernel memory');
  const random = uniform01(6);
  let total = 0;
  for (let q = 0; q < 200; q++) {
    const query = Float32Array.from({ length: store.dim }, () => random() * 2 - 1);
    const measure = (['cosine', 'dot', 'scaled'] as const)[q % 3]!;
    const candidates = new Set(index.candidates(query, 10, measure));
    assert.ok(candidates.size >= 10);
    total += candidates.size;
    for (const n of bruteForce(store, query, 10, measure)) assert.ok(candidates.has(n.index), `query ${q}: row ${n.index} missing`);
  }
  assert.ok(total / 200 < store.count / 4, `the pre-scan rules out most rows (average ${total / 200} candidates)`);
});

test('nearest and analogy match gensim most_similar on the committed fixture (words and scores within 1e-5)', () => {
  const parsed = parseEmbBytes(readFileSync(path.join(FIXTURES, 'gensim-small.emb')));
  const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'gensim-expected.json'), 'utf8')) as {
    most_similar: Record<string, [string, number][]>;
    analogy: { positive: string[]; negative: string[]; neighbors: [string, number][] }[];
  };
  const store = parsed.store;
  for (const [word, neighbors] of Object.entries(expected.most_similar)) {
    const i = store.indexOf(word);
    const got = nearest(store, store.vector(i), neighbors.length, 'cosine', new Set([i]));
    assert.deepEqual(got.map((n) => n.token), neighbors.map(([t]) => t), word);
    got.forEach((n, j) => assert.ok(Math.abs(n.score - neighbors[j]![1]) < 1e-5, `${word} → ${n.token}: ${n.score} vs ${neighbors[j]![1]}`));
  }
  for (const { positive, negative, neighbors } of expected.analogy) {
    const got = analogy(store, positive, negative, neighbors.length);
    assert.deepEqual(got.map((n) => n.token), neighbors.map(([t]) => t), `${positive} − ${negative}`);
    got.forEach((n, j) => assert.ok(Math.abs(n.score - neighbors[j]![1]) < 1e-5));
  }
});

test('analogy: inputs excluded, case-insensitive lookup, unknown words throw', () => {
  const { store } = parseEmb('king 1 1 0\nqueen 1 0 1\nman 0 1 0\nwoman 0 0 1\nprince 0.9 0.9 0.1\n');
  const found = analogy(store, ['King', 'woman'], ['man'], 2);
  assert.equal(found[0]!.token, 'queen');
  assert.ok(!found.some((n) => ['king', 'woman', 'man'].includes(n.token)));
  assert.throws(() => analogy(store, ['king', 'zebra'], [], 1), /"zebra" is not in the embeddings/);
  assert.throws(() => analogy(store, [], [], 1), /at least one word/);
});

test('rankInDimension: 1 is the largest value of that dimension', () => {
  const { store } = parseEmb('a 5 0\nb 6 1\nc 6 2\nd 1 3\n');
  assert.deepEqual(rankInDimension(store, 0, store.indexOf('a')), { rank: 3, of: 4 });
  assert.deepEqual(rankInDimension(store, 0, store.indexOf('b')), { rank: 1, of: 4 }, 'ties share the better rank');
  assert.deepEqual(rankInDimension(store, 1, store.indexOf('d')), { rank: 1, of: 4 });
  assert.throws(() => rankInDimension(store, 2, 0), /outside 0..1/);
});
