import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchVocabulary } from '../../../src/host/emb/vocabularySearch';

const words = ['the', 'apple', 'Apple', 'pineapple', 'applesauce', 'orange', 'apples', 'snapple'];

test('exact match first (exact case before other cases), then prefixes, then contains, each in file order', () => {
  const found = searchVocabulary(words, 'apple', 10).map((i) => words[i]);
  assert.deepEqual(found, ['apple', 'Apple', 'applesauce', 'apples', 'pineapple', 'snapple']);
  const upper = searchVocabulary(words, 'Apple', 10).map((i) => words[i]);
  assert.deepEqual(upper.slice(0, 2), ['Apple', 'apple']);
});

test('the limit applies, and an empty query lists the first words', () => {
  assert.equal(searchVocabulary(words, 'apple', 3).length, 3);
  assert.deepEqual(searchVocabulary(words, '', 3), [0, 1, 2]);
  assert.deepEqual(searchVocabulary(words, 'zzz', 5), []);
  assert.deepEqual(searchVocabulary(words, 'apple', 0), []);
});

test('an exact match late in a big vocabulary still comes first after the prefix quota is full', () => {
  const big = Array.from({ length: 200_000 }, (_, i) => `word${i}`);
  big.push('word');
  const found = searchVocabulary(big, 'word', 50);
  assert.equal(found.length, 50);
  assert.equal(big[found[0] ?? -1], 'word');
});

test('400,000 words: results are correct for a substring query', () => {
  const big = Array.from({ length: 400_000 }, (_, i) => `w${i.toString(36)}`);
  const found = searchVocabulary(big, 'zz', 50);
  assert.ok(found.length > 0 && found.length <= 50);
  for (const i of found) assert.ok((big[i] ?? '').includes('zz'));
});
