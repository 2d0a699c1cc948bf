/**
 * Compare Words, Find Nearest and Word Analogy (src/host/emb/wordQueries.ts, the code the commands
 * run) on a fastText .bin: words outside the vocabulary get gensim's n-gram vectors and are marked
 * as built from subwords; the nearest words of such a word are gensim's most_similar.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { compareMarkdown, nearestMarkdown } from '../../../../src/host/emb/resultsMarkdown';
import { UnknownWordError, compareWords, nearestWords, wordAnalogy } from '../../../../src/host/emb/wordQueries';
import { parseEmbFileBytes } from '../../../../src/emb/loadFile';

const BIN = path.join(__dirname, '..', '..', '..', 'fixtures', 'emb', 'bin');
const expected = JSON.parse(readFileSync(path.join(BIN, 'expected.json'), 'utf8')) as Record<string, { oov: Record<string, number[]>; oovNeighbours: Record<string, [string, number][]> }>;
const { store } = parseEmbFileBytes(readFileSync(path.join(BIN, 'skipgram.bin')), { name: 'skipgram.bin' });

test('Compare Words with a word the model never saw: gensim\'s n-gram vector, said in the result', () => {
  const [word, vector] = Object.entries(expected['skipgram.bin']!.oov)[0]!;
  const result = compareWords(store, 'skipgram.bin', word, 'the');
  assert.equal(result.a.fromSubwords, true);
  assert.equal(result.a.index, -1);
  assert.equal(result.b.fromSubwords, undefined);
  result.dims.forEach((d, i) => assert.ok(Math.abs(d.a - vector[i]!) < 1e-5, `dim ${i}`));
  let dot = 0;
  vector.forEach((v, i) => (dot += v * store.vector(store.indexOf('the'))[i]!));
  assert.ok(Math.abs(result.dot - dot) < 1e-4);
  assert.match(compareMarkdown(result), /is not in the vocabulary: its vector was built from its character n-grams/);
});

test('Find Nearest for a word the model never saw: gensim\'s most_similar words, nothing excluded', () => {
  for (const [word, want] of Object.entries(expected['skipgram.bin']!.oovNeighbours)) {
    const result = nearestWords(store, 'skipgram.bin', word, 10, 'cosine');
    assert.equal(result.word.fromSubwords, true);
    assert.deepEqual(new Set(result.neighbors.map((n) => n.token)), new Set(want.map(([w]) => w)), word);
    result.neighbors.forEach((n) => assert.ok(Math.abs(n.cosine - want.find(([w]) => w === n.token)![1]) < 1e-5));
    assert.match(nearestMarkdown(result), /built from its character n-grams/);
  }
});

test('Word Analogy accepts subword words; a word2vec binary (no subwords) still refuses unknown words', () => {
  const [word] = Object.keys(expected['skipgram.bin']!.oov);
  const result = wordAnalogy(store, 'skipgram.bin', word!, 'the', 'a', 5);
  assert.equal(result.neighbors.length, 5);
  const w2v = parseEmbFileBytes(readFileSync(path.join(BIN, 'gensim.bin'))).store;
  assert.throws(() => compareWords(w2v, 'gensim.bin', 'headlight', 'the'), UnknownWordError);
});
