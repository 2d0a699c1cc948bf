/**
 * Binary files made by real tools (Debian's fastText CLI, gensim's writer, word2vec.c's layout),
 * read by our readers, against gensim's readings of the same files (expected.json, written by
 * scripts/fixtures/make_emb_binaries.py): vectors within 1e-6, OOV vectors within 1e-5, the same
 * top-10 neighbours.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadEmbFile, parseEmbFileBytes } from '../../../../src/emb/loadFile';
import { nearest } from '../../../../src/emb/neighbors';
import type { EmbeddingStore } from '../../../../src/emb/store';
import type { ParsedEmb } from '../../../../src/emb/types';

const BIN = path.join(__dirname, '..', '..', '..', 'fixtures', 'emb', 'bin');

interface Reading {
  readonly count: number;
  readonly dim: number;
  readonly tokens: readonly string[];
  readonly vectors: Readonly<Record<string, readonly number[]>>;
  readonly neighbours: Readonly<Record<string, readonly (readonly [string, number])[]>>;
  readonly oov?: Readonly<Record<string, readonly number[]>>;
  readonly oovNeighbours?: Readonly<Record<string, readonly (readonly [string, number])[]>>;
}
const expected = JSON.parse(readFileSync(path.join(BIN, 'expected.json'), 'utf8')) as Record<string, Reading>;

function assertClose(actual: ArrayLike<number>, wanted: readonly number[], tolerance: number, what: string): void {
  assert.equal(actual.length, wanted.length, `${what}: length`);
  for (let d = 0; d < wanted.length; d++) assert.ok(Math.abs(actual[d]! - wanted[d]!) <= tolerance, `${what}[${d}]: ${actual[d]} vs gensim ${wanted[d]}`);
}

function top10(store: EmbeddingStore, query: Float32Array, exclude: number): { word: string; score: number }[] {
  return nearest(store, query, 10, 'cosine', exclude >= 0 ? new Set([exclude]) : undefined).map((n) => ({ word: n.token, score: n.score }));
}

/**
 * gensim scores in float32 (dot / norms), we in float64: two neighbours whose gensim scores differ
 * by less than float32's rounding of a cosine near 1 (NEAR_TIE) may come in either order; every
 * other pair must be in gensim's order, and the ten words must be gensim's ten.
 */
const NEAR_TIE = 5e-7;

function assertSameNeighbours(got: { word: string; score: number }[], want: readonly (readonly [string, number])[], what: string): void {
  assert.equal(got.length, want.length);
  const wantScore = new Map(want.map(([w, s]) => [w, s]));
  got.forEach((n, i) => {
    const reference = wantScore.get(n.word);
    assert.ok(reference !== undefined, `${what}: ${n.word} (rank ${i + 1}) is not in gensim's top-10 ${JSON.stringify(want.map(([w]) => w))}`);
    assert.ok(Math.abs(n.score - reference) < 1e-5, `${what}: score of ${n.word} ${n.score} vs gensim ${reference}`);
    if (want[i]![0] !== n.word) assert.ok(Math.abs(want[i]![1] - reference) < NEAR_TIE, `${what}: rank ${i + 1} is ${n.word}, gensim's is ${want[i]![0]} (not a near tie)`);
  });
}

function checkReading(parsed: ParsedEmb, reading: Reading, name: string, vectorTolerance: number): void {
  const { store } = parsed;
  assert.deepEqual(parsed.problems, [], `${name}: no problems`);
  assert.equal(store.count, reading.count);
  assert.equal(store.dim, reading.dim);
  assert.deepEqual(store.vocabulary.toArray(), reading.tokens, `${name}: tokens in file order`);
  for (const [word, vector] of Object.entries(reading.vectors)) assertClose(store.vector(store.indexOf(word)), vector, vectorTolerance, `${name} ${word}`);
  for (const [word, want] of Object.entries(reading.neighbours)) {
    const i = store.indexOf(word);
    assertSameNeighbours(top10(store, store.vector(i), i), want, `${name} ${word}`);
  }
}

for (const name of ['gensim.bin', 'word2vec-c.bin']) {
  test(`word2vec binary ${name} (${name === 'gensim.bin' ? "gensim's writer: no newline after rows" : "word2vec.c's layout: a newline after each row"}) reads as gensim reads it`, async () => {
    const parsed = await loadEmbFile(path.join(BIN, name));
    assert.equal(parsed.format, 'word2vec');
    assert.equal(parsed.layout, 'word2vec-binary');
    checkReading(parsed, expected[name]!, name, 1e-6);
  });
}

test('fastText skipgram.bin (trained by Debian\'s fasttext CLI) gives load_facebook_vectors\' in-vocabulary vectors and neighbours', async () => {
  const parsed = await loadEmbFile(path.join(BIN, 'skipgram.bin'));
  assert.equal(parsed.format, 'fasttext');
  checkReading(parsed, expected['skipgram.bin']!, 'skipgram.bin', 1e-6);
});

test('fastText: words the model never saw get vectors from their character n-grams, as gensim builds them', () => {
  const parsed = parseEmbFileBytes(readFileSync(path.join(BIN, 'skipgram.bin')), { name: 'skipgram.bin' });
  const reading = expected['skipgram.bin']!;
  const { store } = parsed;
  assert.ok(Object.keys(reading.oov!).length >= 8);
  for (const [word, vector] of Object.entries(reading.oov!)) {
    assert.equal(store.lookup(word), -1, `${word} is not in the vocabulary`);
    const found = store.vectorFor(word);
    assert.ok(found, `${word} has a vector`);
    assert.equal(found.fromSubwords, true);
    assertClose(found.vector, vector, 1e-5, `OOV ${word}`);
  }
  for (const [word, want] of Object.entries(reading.oovNeighbours!)) assertSameNeighbours(top10(store, store.vectorFor(word)!.vector, -1), want, `OOV ${word}`);
});

test("fastText's own .vec (text) holds the same in-vocabulary vectors as its .bin, to the .vec's printed precision", async () => {
  const [bin, vec] = await Promise.all([loadEmbFile(path.join(BIN, 'skipgram.bin')), loadEmbFile(path.join(BIN, 'skipgram.vec'))]);
  assert.equal(vec.format, 'text');
  assert.equal(vec.store.count, bin.store.count);
  // Except "</s>" (row 0): fastText gives it its own row only (dictionary.cc computes no subwords for
  // EOS), gensim — our reference — averages in the n-grams of "<</s>>" like any other word.
  assert.equal(bin.store.token(0), '</s>');
  for (let i = 1; i < bin.store.count; i += 37) {
    const word = bin.store.token(i);
    assertClose(vec.store.vector(vec.store.indexOf(word)), Array.from(bin.store.vector(i)), 1e-4, `.vec ${word}`);
  }
});
